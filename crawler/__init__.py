"""storywatch crawler: Scrapy spiders per source format, item pipelines that clean, de-duplicate
and write landing files, and a `crawl()` API that runs them in a child process. (The demo site
the demo crawls lives with the demo command, in storywatch/demo_site/.)"""
