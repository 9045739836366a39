"""Downloader middlewares: item backpressure and Retry-After."""
