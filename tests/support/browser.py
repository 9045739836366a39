"""Headless Chromium from the system's packages (Debian's chromium + chromium-driver),
driven by Selenium with /usr/bin/chromedriver: no driver or browser download."""

from __future__ import annotations

import shutil

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def chromium(width: int = 1280, height: int = 900) -> webdriver.Chrome:
    """A headless browser; fails (never skips) when the system's Chromium is missing."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(binary):
            raise RuntimeError(f"{binary} is missing: apt-get install chromium chromium-driver"
                               " (.ci/run does)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", f"--window-size={width},{height}",
                     "--disable-extensions", "--no-first-run"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
