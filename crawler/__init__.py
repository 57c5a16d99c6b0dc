"""storywatch crawler: Scrapy spiders per source format, item pipelines that clean, de-duplicate
and write landing files, a `crawl()` API that runs them in a child process, and a demo site."""
