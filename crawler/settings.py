"""Scrapy settings for storywatch: polite by default, quiet, safe, and with no cache unless asked.

robots.txt is obeyed, AutoThrottle keeps one request in flight per site, 429/503 answers are
waited out (`Retry-After`) by `storywatch.crawler.middlewares.BackoffMiddleware`, other failures are retried a
bounded number of times, pages over 8 MB (also once inflated: a gzip bomb) are dropped, each
source stops after 200 pages or 30 minutes, whichever comes first, and the User-Agent says who we
are. `storywatch.crawler.run` adds the per-run settings (landing folder, throttle, redaction, known story
keys, log file, caps from storywatch.toml) on top of these.
"""
BOT_NAME = "storywatch"
SPIDER_MODULES = ["storywatch.crawler.spiders"]
NEWSPIDER_MODULE = "storywatch.crawler.spiders"

USER_AGENT = "storywatch/0.1 (customer story monitor; +https://example.invalid/storywatch)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 0.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 2
# 429 and 503 are waited out by BackoffMiddleware, honouring Retry-After
RETRY_HTTP_CODES = [500, 502, 504, 522, 524, 408]
REDIRECT_MAX_TIMES = 5
STORYWATCH_BACKOFF_RETRIES = 3
STORYWATCH_BACKOFF = 5.0
STORYWATCH_MAX_BACKOFF = 60.0
STORYWATCH_REDACT = True
# Caps per source (each source is its own Scrapy crawler): endless pagination ends here.
STORYWATCH_MAX_PAGES_PER_SOURCE = 200
CLOSESPIDER_TIMEOUT = 30 * 60

TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    "storywatch.crawler.middlewares.OffsiteRedirectMiddleware": 60,
    "storywatch.crawler.middlewares.BackoffMiddleware": 560,
    # Scrapy's own decompression (same place), counting the bombs it drops
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "storywatch.crawler.middlewares.BombCountingCompression": 590,
}
ITEM_PIPELINES = {
    "storywatch.crawler.pipelines.ValidatePipeline": 100,
    "storywatch.crawler.pipelines.NormalisePipeline": 200,
    "storywatch.crawler.redact.RedactPipeline": 250,
    "storywatch.crawler.pipelines.DuplicatePipeline": 300,
    "storywatch.crawler.pipelines.LandingWriterPipeline": 900,
}
