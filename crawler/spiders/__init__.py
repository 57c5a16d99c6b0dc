"""One spider per source format; each parses pages with pure functions tested on saved pages."""
