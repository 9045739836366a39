"""Telling people: watches matched against changes, messages, channels, delivery tracking."""
