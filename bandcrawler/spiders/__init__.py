"""One spider per kind of source; spiders only schedule requests and hand bodies to parsers."""
