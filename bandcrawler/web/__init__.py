"""`bandcrawler serve`: the read-only web front end (page, concert pages, JSON API)."""
