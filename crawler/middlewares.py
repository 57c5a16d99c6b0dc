"""Downloader middlewares for a polite, safe crawl: back off when a site asks, stay on its domain.

`BackoffMiddleware` answers 429 Too Many Requests and 503 Service Unavailable by waiting for the
site's `Retry-After` (seconds or an HTTP date, capped by `STORYWATCH_MAX_BACKOFF` seconds, default
`STORYWATCH_BACKOFF` when absent) and retrying, at most `STORYWATCH_BACKOFF_RETRIES` times; then
the response goes on and is counted as an error (`http_429`). It also honours Reddit-style
`X-Ratelimit-Remaining` / `X-Ratelimit-Reset`: when no requests remain, it waits for the reset
before the next page is parsed (and so requested). `OffsiteRedirectMiddleware` drops a request
that a redirect took to another site, counting `offsite_redirect`. `BombCountingCompression` is
Scrapy's own `HttpCompressionMiddleware` (which stops inflating a gzip/deflate/br/zstd body at
`DOWNLOAD_MAXSIZE` and drops the response) that also counts each drop as `decompression_bomb`:
Scrapy drops it with `IgnoreRequest`, which a spider's errback cannot tell from a robots.txt
refusal, so without the count a bomb looked like an empty page. Settings are read once, in
`from_crawler()`.
"""
from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.asyncio import sleep

from storywatch.crawler.spiders.base import ERROR_STAT

BACKOFF_STAT = "storywatch/backoff/"
BACKOFF_STATUSES = (429, 503)


def retry_after_seconds(value: str | bytes | None, default: float, cap: float) -> float:
    """Seconds to wait from a `Retry-After` header (delta seconds or HTTP date), within 0..cap."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    seconds = default
    if value and value.strip():
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                moment = parsedate_to_datetime(text)
                seconds = (moment - datetime.now(UTC)).total_seconds()
            except (TypeError, ValueError, IndexError):
                seconds = default
    return max(0.0, min(seconds, cap))


def site_of(url: str) -> str:
    """The host a URL points at, without a leading `www.`, lower case."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


class BackoffMiddleware:
    """Waits out 429/503 (Retry-After) and exhausted rate limits (X-Ratelimit-*), then retries."""

    def __init__(self, crawler: Any, retries: int, default: float, cap: float) -> None:
        self.crawler = crawler
        self.retries = retries
        self.default = default
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler: Any) -> Self:
        settings = crawler.settings
        retries = settings.getint("STORYWATCH_BACKOFF_RETRIES", 3)
        if retries <= 0:
            raise NotConfigured("STORYWATCH_BACKOFF_RETRIES is 0: no back-off")
        return cls(crawler, retries, settings.getfloat("STORYWATCH_BACKOFF", 5.0),
                   settings.getfloat("STORYWATCH_MAX_BACKOFF", 60.0))

    async def process_response(self, request: Request, response: Response) -> Any:
        stats = self.crawler.stats
        if response.status in BACKOFF_STATUSES and not request.meta.get("dont_retry"):
            tries = request.meta.get("backoff_tries", 0)
            if tries < self.retries:
                wait = retry_after_seconds(response.headers.get("Retry-After"),
                                           self.default * (2 ** tries), self.cap)
                stats.inc_value(BACKOFF_STAT + f"http_{response.status}")
                self.crawler.spider.logger.info(
                    "%s answered %d; waiting %.1fs before retry %d/%d", request.url,
                    response.status, wait, tries + 1, self.retries)
                await sleep(wait)
                retry = request.replace(dont_filter=True)
                retry.meta["backoff_tries"] = tries + 1
                return retry
        remaining = response.headers.get("X-Ratelimit-Remaining")
        if remaining is not None and _number(remaining) is not None and _number(remaining) < 1:
            wait = retry_after_seconds(response.headers.get("X-Ratelimit-Reset"),
                                       self.default, self.cap)
            stats.inc_value(BACKOFF_STAT + "rate_limit")
            self.crawler.spider.logger.info("rate limit reached; waiting %.1fs", wait)
            await sleep(wait)
        return response


def _number(value: bytes) -> float | None:
    try:
        return float(value.decode("latin-1"))
    except ValueError:
        return None


class OffsiteRedirectMiddleware:
    """Drops a request that redirects took to another site than the one first asked for."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        chain = request.meta.get("redirect_urls")
        if chain and site_of(chain[0]) != site_of(request.url):
            self.crawler.stats.inc_value(ERROR_STAT + "offsite_redirect")
            self.crawler.spider.logger.warning("skipped %s: redirected off-site to %s",
                                               chain[0], request.url)
            raise IgnoreRequest(f"redirected off-site from {chain[0]} to {request.url}")


class BombCountingCompression(HttpCompressionMiddleware):
    """Scrapy's decompression, with each response dropped for inflating past DOWNLOAD_MAXSIZE
    (a decompression bomb) counted as an error of the source."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            # the only IgnoreRequest Scrapy's middleware raises: the body outgrew DOWNLOAD_MAXSIZE
            if self.stats is not None:
                self.stats.inc_value(ERROR_STAT + "decompression_bomb")
            raise
