"""The demo: its bundled band websites, the local servers it runs, and the run itself."""
