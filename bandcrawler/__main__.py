"""`python -m bandcrawler` is the `bandcrawler` command."""

import sys

from bandcrawler.cli import main

sys.exit(main())
