"""Alembic migrations of the store's schema (package data, read through importlib.resources)."""
