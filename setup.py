"""For `scrapyd-deploy`, which builds the egg with `python setup.py bdist_egg` (everything else
about the package is in pyproject.toml)."""

from pathlib import Path

from setuptools import setup
from setuptools.command.egg_info import egg_info

SCRAPY_ENTRY_POINT = "\n[scrapy]\nsettings = bandcrawler.settings\n"


class EggInfoWithScrapySettings(egg_info):
    """scrapyd finds the project's settings module through the egg's `scrapy` entry point.

    pyproject.toml owns the entry points, so setuptools would ignore one given to setup();
    this adds it to the metadata the egg carries."""

    def run(self):
        super().run()
        entry_points = Path(self.egg_info) / "entry_points.txt"
        text = entry_points.read_text() if entry_points.exists() else ""
        if "[scrapy]" not in text:
            entry_points.write_text(text + SCRAPY_ENTRY_POINT)


setup(cmdclass={"egg_info": EggInfoWithScrapySettings})
