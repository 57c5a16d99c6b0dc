"""What every storywatch spider shares: its arguments, page budget and error counting.

A spider is configured for one source (`url`, `brand`, `is_competitor`, optional `max_pages`),
parses each page with a pure `parse_*_page()` function, and yields the story records it returns.
Problems with a page (malformed markup, an empty page, a failed download) are counted in
`crawler.stats` under `storywatch/errors/<reason>` and the crawl goes on.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

ERROR_STAT = "storywatch/errors/"


def as_bool(value: Any) -> bool:
    """A spider argument as bool: `-a is_competitor=false` arrives as text."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return bool(value)


class StorySpider(scrapy.Spider):
    """Base spider for one configured source; subclasses implement `parse`."""

    def __init__(
        self,
        url: str = "",
        brand: str = "",
        is_competitor: Any = False,
        max_pages: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not url or not brand:
            raise ValueError(
                f"spider {self.name!r} needs a url and a brand: pass -a url=... -a brand=..."
            )
        self.url = url
        self.brand = brand
        self.is_competitor = as_bool(is_competitor)
        self.max_pages = int(max_pages) if max_pages not in (None, "", 0, "0") else None
        self.pages_requested = 0

    async def start(self) -> AsyncIterator[Any]:
        request = self.page_request(self.url)
        if request is not None:
            yield request

    def page_request(self, url: str, **kwargs: Any) -> Request | None:
        """A request for one more page, or None once `max_pages` pages were requested."""
        if self.max_pages is not None and self.pages_requested >= self.max_pages:
            return None
        self.pages_requested += 1
        return Request(url, callback=self.parse, errback=self.on_error, **kwargs)

    def count_errors(self, errors: Counter) -> None:
        """Add per-page parse problems to the crawl's stats."""
        for reason, count in errors.items():
            self.crawler.stats.inc_value(ERROR_STAT + reason, count)
            self.logger.warning("skipped %d item(s) on a page: %s", count, reason)

    def on_error(self, failure: Failure) -> None:
        if failure.check(HttpError):
            reason = f"http_{failure.value.response.status}"
        elif failure.check(IgnoreRequest):
            return  # robots.txt and other deliberate skips are counted by their middleware
        else:
            reason = "download/" + (failure.type.__name__ if failure.type else "failed")
        self.crawler.stats.inc_value(ERROR_STAT + reason)
        self.logger.warning("request failed (%s): %s", reason, failure.getErrorMessage())

    def stories_and_next(
        self, stories: list[dict[str, Any]], errors: Counter, next_request: Request | None
    ) -> Iterable[Any]:
        """Yield a page's stories, count its problems, then follow the next page if any."""
        self.count_errors(errors)
        yield from stories
        if next_request is not None:
            yield next_request


def read_page(page: Any, page_url: str | None = None) -> tuple[str, str]:
    """The text and URL of a page given as a Scrapy response or as text (then `page_url`)."""
    if isinstance(page, str):
        return page, page_url or ""
    body = getattr(page, "body", b"") or b""
    encoding = getattr(page, "encoding", None) or "utf-8"
    return body.decode(encoding, errors="replace"), page_url or page.url
