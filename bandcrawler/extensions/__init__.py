"""Scrapy extensions: what runs on crawl signals rather than per item."""
