"""Spider for Apple's App Store customer-reviews JSON feed.

The feed lives at `/{cc}/rss/customerreviews/page={n}/id={app}/sortby=mostrecent/json` and holds
`feed.entry[]`, each field wrapped as `{"label": ...}` (`im:rating`, `im:version`, `im:voteSum`,
...). Apple serves pages 1..10; an empty page (no `entry`) ends the crawl. A feed with one review
gives `entry` as an object rather than a list, which is handled.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from storywatch.crawler.items import normalise_rating, optional_int, rating_raw
from storywatch.crawler.spiders.base import PageStories, StorySpider, load_json, read_page

SOURCE = "appstore"
LAST_PAGE = 10
_PAGE = re.compile(r"/page=(\d+)/")


def _label(entry: dict[str, Any], *path: str) -> Any:
    node: Any = entry
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node.get("label") if isinstance(node, dict) else None


def feed_entries(text: str, errors: Counter) -> list[dict[str, Any]]:
    """The feed's review entries (app metadata entries without a rating are left out)."""
    data = load_json(text, errors)
    if data is None:
        return []
    feed = data.get("feed") if isinstance(data, dict) else None
    if not isinstance(feed, dict):
        errors["not_an_appstore_feed"] += 1
        return []
    entries = feed.get("entry") or []
    entries = [entries] if isinstance(entries, dict) else entries
    return [e for e in entries if isinstance(e, dict) and "im:rating" in e]


def parse_appstore_page(
    page: Any,
    *,
    brand: str,
    is_competitor: bool,
    page_url: str | None = None,
    fetched_at: str | None = None,
    errors: Counter | None = None,
) -> list[dict[str, Any]]:
    """Story records from one page of the customer-reviews JSON feed."""
    errors = errors if errors is not None else Counter()
    text, url = read_page(page, page_url)
    found = PageStories(SOURCE, brand, is_competitor, url, fetched_at, errors)
    for entry in feed_entries(text, errors):
        body = _label(entry, "content")
        if found.has_body(body):
            rating = _label(entry, "im:rating")
            found.add(
                body, published_at=_label(entry, "updated"), external_id=_label(entry, "id"),
                author=_label(entry, "author", "name"), title=_label(entry, "title"),
                rating=normalise_rating(rating), rating_raw=rating_raw(rating),
                helpful_votes=optional_int(_label(entry, "im:voteSum")),
                labels=[f"version:{v}"] if (v := _label(entry, "im:version")) else [], raw=entry,
            )
    return found.stories


def next_appstore_page(page_url: str, found: int) -> str | None:
    """The next `page=N` feed URL while the page had reviews and N < 10."""
    match = _PAGE.search(page_url)
    if found <= 0 or match is None or int(match.group(1)) >= LAST_PAGE:
        return None
    return page_url[: match.start(1)] + str(int(match.group(1)) + 1) + page_url[match.end(1):]


class AppStoreSpider(StorySpider):
    """Crawls an app's customer-reviews feed, page 1 to 10."""

    name = "appstore"

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        stories = parse_appstore_page(text, brand=self.brand, is_competitor=self.is_competitor,
                                      page_url=url, errors=errors)
        return stories, next_appstore_page(url, len(stories))
