"""Scrapy settings for storywatch: polite by default, quiet, and with no cache unless asked.

robots.txt is obeyed, AutoThrottle keeps one request in flight per site, retries are bounded,
and the User-Agent says who we are. `crawler.run` adds the per-run settings (landing folder,
throttle on or off, log file) on top of these.
"""
BOT_NAME = "storywatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "storywatch/0.1 (customer story monitor; +https://example.invalid/storywatch)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 0.0
DOWNLOAD_TIMEOUT = 30
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 2

TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {
    "crawler.pipelines.ValidatePipeline": 100,
    "crawler.pipelines.NormalisePipeline": 200,
    "crawler.pipelines.DuplicatePipeline": 300,
    "crawler.pipelines.LandingWriterPipeline": 900,
}
