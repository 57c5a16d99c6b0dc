"""Spider for RSS 2.0 and Atom feeds (forums, complaint blogs, review sites' feeds).

feedparser reads either format (and the RSS 0.9x/1.0 variants); each entry is a story: its
content (else summary) is the body, `guid`/`id` (else the link) the external id, and its
categories become labels. Atom feeds are followed through `<link rel="next">` (RFC 5005 paged
feeds); RSS has no paging. The document is handed to feedparser as an in-memory stream, so it
never fetches anything itself. A page that is not a feed, or a broken feed without entries, is
counted and skipped.
"""
from __future__ import annotations

import calendar
import io
from collections import Counter
from typing import Any
from urllib.parse import urljoin

import feedparser

from storywatch.crawler.spiders.base import PageStories, StorySpider

SOURCE = "feed"
_HEADERS = {"content-type": "application/xml; charset=utf-8"}
_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def read_feed(text: str, errors: Counter | None = None) -> Any:
    """The feedparser result for a feed document, or None (reason counted) if it is no feed."""
    errors = errors if errors is not None else Counter()
    if not text.strip():
        errors["empty_page"] += 1
        return None
    parsed = feedparser.parse(io.BytesIO(text.encode("utf-8")), response_headers=_HEADERS)
    broken = parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _HARMLESS)
    if not parsed.entries and not parsed.get("version") and not text.lstrip().startswith("<?xml"):
        errors["not_a_feed"] += 1
        return None
    if broken:
        errors["malformed_feed"] += 1  # what entries feedparser still recovered are kept
    return parsed


def _when(entry: Any) -> Any:
    # dict.get: feedparser's own get() maps updated<->published with a deprecation warning
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        if dict.get(entry, name):
            return calendar.timegm(dict.get(entry, name))
    return dict.get(entry, "published") or dict.get(entry, "updated")


def _raw(entry: Any) -> dict[str, Any]:
    fields = ("id", "title", "link", "author", "published", "updated", "summary")
    return {key: dict.get(entry, key) for key in fields if dict.get(entry, key)} | {
        "tags": [tag.get("term") for tag in entry.get("tags") or []]}


def parse_feed_page(
    page: str,
    *,
    brand: str,
    is_competitor: bool,
    page_url: str,
    fetched_at: str | None = None,
    errors: Counter | None = None,
) -> list[dict[str, Any]]:
    """Story records from the entries of one RSS or Atom feed document."""
    errors = errors if errors is not None else Counter()
    found = PageStories(SOURCE, brand, is_competitor, page_url, fetched_at, errors)
    parsed = read_feed(page, errors)
    for entry in parsed.entries if parsed is not None else []:
        content = entry.get("content") or []
        body = (content[0].get("value") if content else None) or entry.get("summary")
        if found.has_body(body):
            found.add(
                body, published_at=_when(entry), external_id=entry.get("id") or entry.get("link"),
                story_url=entry.get("link"), author=entry.get("author"), title=entry.get("title"),
                language=(parsed.feed.get("language") or None),
                labels=[tag.get("term") for tag in entry.get("tags") or []], raw=_raw(entry),
            )
    return found.stories


def next_feed_page(page: str, page_url: str) -> str | None:
    """The absolute URL of the feed's `<link rel="next">` (Atom paged feeds), if any."""
    parsed = read_feed(page)
    links = parsed.feed.get("links", []) if parsed is not None else []
    href = next((link.get("href") for link in links if link.get("rel") == "next"), None)
    return urljoin(page_url, href) if href else None


class FeedSpider(StorySpider):
    """Crawls an RSS or Atom feed, following Atom `rel=next` pages."""

    name = "feed"

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        stories = parse_feed_page(text, brand=self.brand, is_competitor=self.is_competitor,
                                  page_url=url, errors=errors)
        return stories, next_feed_page(text, url) if stories else None
