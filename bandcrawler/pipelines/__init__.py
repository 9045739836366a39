"""Thin Scrapy item pipelines, in order: validate, record, geocode, persist, index, saga."""
