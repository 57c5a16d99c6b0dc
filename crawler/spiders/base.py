"""What every storywatch spider shares: its arguments, page budget, paging rules and error counting.

A spider is configured for one source (`url`, `brand`, `is_competitor`, optional `max_pages`),
decodes each page once (`page_text`, which survives a wrong charset), parses it with a pure
`parse_*_page()` function through its `parse_page()` method, and yields the story records it
returns. Those functions find each story's body and fields in their format and hand them to
`PageStories`, which fills in what every story of the page shares and counts unusable stories
(`missing_body`, `bad_date`) alike for every format. Paging stops at a page already requested (a
pagination loop), at a page whose stories were all seen earlier in this run (a loop under changing
URLs), and, on a re-crawl, at a page whose stories are all known already
(`STORYWATCH_KNOWN_KEYS_FILE`), and at the page cap: the spider's `max_pages` argument, else
`STORYWATCH_MAX_PAGES_PER_SOURCE` (0: none), so a site serving fresh pages forever cannot keep a
crawl going (a reached cap is kept in the stats as `storywatch/cap_reached`); `query_int()` and
`with_query()` read and set the query parameter that pages a source. Problems with a page (malformed markup, an empty page, a failed download) are
counted in `storywatch.crawler.stats` under `storywatch/errors/<reason>`, logged, and the crawl goes on.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from storywatch.crawler.items import InvalidDate, make_story, optional_int

ERROR_STAT = "storywatch/errors/"
INCREMENTAL_STAT = "storywatch/incremental_stop"
CAP_STAT = "storywatch/cap_reached"
_TOO_LARGE = {"DownloadCancelledError", "CancelledError"}


def as_bool(value: Any) -> bool:
    """A spider argument as bool: `-a is_competitor=false` arrives as text."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return bool(value)


def load_json(text: str, errors: Counter) -> Any:
    """The JSON document in `text`, or None with the reason counted (empty, HTML, malformed)."""
    stripped = text.strip()
    if not stripped:
        errors["empty_page"] += 1
        return None
    if stripped.startswith("<"):
        errors["html_not_json"] += 1
        return None
    try:
        return json.loads(stripped)
    except json.JSONDecodeError:
        errors["malformed_json"] += 1
        return None


def page_text(response: Any, errors: Counter) -> str:
    """The response body as text in its declared charset; a wrong charset is counted and the
    body read as Windows-1252 instead (every byte decodes, so the stories still land)."""
    body = getattr(response, "body", b"") or b""
    encoding = getattr(response, "encoding", None) or "utf-8"
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        errors["wrong_charset"] += 1
        return body.decode("cp1252", errors="replace")


@dataclass(frozen=True)
class PageStories:
    """The stories found on one page, each built by `add()` with the fields that every story of the
    page shares; unusable stories are counted in `errors` instead."""

    source: str
    brand: str
    is_competitor: bool
    page_url: str
    fetched_at: str | None
    errors: Counter
    stories: list[dict[str, Any]] = field(default_factory=list)

    def has_body(self, body: Any) -> bool:
        """True when `body` holds text; else the story is counted as `missing_body`."""
        if str(body or "").strip():
            return True
        self.errors["missing_body"] += 1
        return False

    def add(self, body: Any, **fields: Any) -> dict[str, Any] | None:
        """Add the story told in `body`, with its own `fields` as `make_story()` takes them, and
        return its record; None when its dates cannot be read (counted as `bad_date`)."""
        try:
            story = make_story(source=self.source, brand=self.brand,
                               is_competitor=self.is_competitor, body=body,
                               source_url=self.page_url, fetched_at=self.fetched_at, **fields)
        except InvalidDate:
            self.errors["bad_date"] += 1
            return None
        self.stories.append(story)
        return story


def query_int(url: str, name: str, default: int) -> int:
    """The number in query parameter `name` of `url`; `default` when absent, unreadable or 0."""
    values = parse_qs(urlsplit(url).query).get(name)
    return (optional_int(values[0]) if values else None) or default


def with_query(url: str, **values: Any) -> str:
    """`url` with the query parameters `values` set; its other (non-blank) parameters are kept."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query.update({name: [str(value)] for name, value in values.items()})
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


class StorySpider(scrapy.Spider):
    """Base spider for one configured source; subclasses implement `parse_page`."""

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
        self.page_cap = f"max_pages = {self.max_pages}"
        self.pages_requested = 0
        self.requested_urls: set[str] = set()
        self.seen_keys: set[str] = set()
        self.known_keys: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        known = crawler.settings.get("STORYWATCH_KNOWN_KEYS_FILE")
        if known:
            spider.known_keys = frozenset(json.loads(Path(known).read_text(encoding="utf-8")))
        cap = crawler.settings.getint("STORYWATCH_MAX_PAGES_PER_SOURCE", 0)
        if spider.max_pages is None and cap > 0:
            spider.max_pages = cap
            spider.page_cap = f"max_pages_per_source = {cap}"
        return spider

    async def start(self) -> AsyncIterator[Any]:
        request = self.page_request(self.url)
        if request is not None:
            yield request

    def page_request(self, url: str, **kwargs: Any) -> Request | None:
        """A request for one more page; None once `max_pages` pages were requested (the cap,
        noted) or when the page was requested before (a pagination loop, counted)."""
        if self.max_pages is not None and self.pages_requested >= self.max_pages:
            self.crawler.stats.set_value(CAP_STAT, self.page_cap)
            self.logger.warning("%s: stopped at the page cap (%s)", self.url, self.page_cap)
            return None
        if url in self.requested_urls:
            self.count_errors(Counter({"pagination_loop": 1}))
            return None
        self.requested_urls.add(url)
        self.pages_requested += 1
        return Request(url, callback=self.parse, errback=self.on_error, **kwargs)

    def parse(self, response: Any, **kwargs: Any) -> Iterable[Any]:
        errors: Counter = Counter()
        text = page_text(response, errors)
        stories, next_url = self.parse_page(text, response.url, errors)
        yield from self.stories_and_next(stories, errors, next_url)

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The page's stories and the next page's URL (None: last page)."""
        raise NotImplementedError

    def count_errors(self, errors: Counter) -> None:
        """Add per-page problems to the crawl's stats, and log them."""
        for reason, count in errors.items():
            self.crawler.stats.inc_value(ERROR_STAT + reason, count)
            self.logger.warning("skipped %d item(s) or page(s): %s", count, reason)

    def on_error(self, failure: Failure) -> None:
        if failure.check(HttpError):
            reason = f"http_{failure.value.response.status}"
        elif failure.check(IgnoreRequest):
            return  # robots.txt, off-site redirects: counted by their middleware
        elif failure.type is not None and failure.type.__name__ in _TOO_LARGE:
            reason = "page_too_large"
        else:
            reason = "download/" + (failure.type.__name__ if failure.type else "failed")
        self.crawler.stats.inc_value(ERROR_STAT + reason)
        self.logger.warning("request failed (%s): %s", reason, failure.getErrorMessage())

    def stories_and_next(
        self, stories: list[dict[str, Any]], errors: Counter, next_url: str | None
    ) -> Iterable[Any]:
        """Yield a page's stories, count its problems, then follow the next page if worth it."""
        keys = {story["story_key"] for story in stories}
        if keys and keys <= self.seen_keys:
            errors["pagination_loop"] += 1
            next_url = None
        elif keys and keys <= self.known_keys:
            self.crawler.stats.set_value(INCREMENTAL_STAT, self.pages_requested)
            self.logger.info("page holds only stories already stored; not paging further")
            next_url = None
        self.seen_keys |= keys
        self.count_errors(errors)
        yield from stories
        request = self.page_request(next_url) if next_url else None
        if request is not None:
            yield request


def read_page(page: Any, page_url: str | None = None) -> tuple[str, str]:
    """The text and URL of a page given as a Scrapy response or as text (then `page_url`)."""
    if isinstance(page, str):
        return page, page_url or ""
    text = page_text(page, Counter())
    return text, page_url or page.url
