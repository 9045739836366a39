"""Reproducible benchmarks: each module compares bandcrawler with a bare baseline of the same
work in the same run (`python -m benchmarks.<name> [--quick]`); results go to BENCHMARKS.md."""
