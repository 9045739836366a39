"""Feeds people subscribe to: iCalendar calendars and Atom change feeds."""
