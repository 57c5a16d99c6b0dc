"""The demo's review site: its stories (stories.jsonl, planted.jsonl), the pages it renders in the
real sources' formats (pages.py), its URL routes (routes.py) and the loopback server (site.py)."""
