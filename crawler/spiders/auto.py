"""Spider for any one URL: the format is detected from the first page itself.

`detect_format()` looks at the page's text, in this order: an RSS/Atom feed (its root element,
found after the XML prolog however long it is: declaration, processing instructions, comments,
doctype, whitespace); JSON shaped like the
App Store reviews feed, the CFPB complaint search API, a Reddit listing or a Discourse topic or
category; a Trustpilot-like `__NEXT_DATA__` with `props.pageProps.reviews`; a Yelp business
page's Apollo state; a Google Play app page; a Discourse forum's HTML page (read through its JSON
API); schema.org Reviews in JSON-LD, microdata or RDFa.
The detected format's spider then parses this page and the following ones, so the stories carry
that format as their source. An HTML page without stories that advertises a feed
(`<link rel="alternate" type="application/rss+xml">`) is followed to that feed. When nothing fits,
the reason is counted (`unknown_format`), logged, and kept in the stats
(`storywatch/detected_format` holds the format when one fitted).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from storywatch.crawler.spiders.appstore import AppStoreSpider
from storywatch.crawler.spiders.base import StorySpider
from storywatch.crawler.spiders.cfpb import CfpbSpider
from storywatch.crawler.spiders.discourse import DiscourseSpider, is_discourse_html
from storywatch.crawler.spiders.fallback import FallbackSpider, review_blocks
from storywatch.crawler.spiders.feed import FeedSpider
from storywatch.crawler.spiders.google_play import GooglePlaySpider, is_play_page
from storywatch.crawler.spiders.reddit import RedditSpider
from storywatch.crawler.spiders.schema_org import SchemaOrgSpider
from storywatch.crawler.spiders.structured import structured_reviews
from storywatch.crawler.spiders.tripadvisor import TripadvisorSpider, state_reviews, web_context
from storywatch.crawler.spiders.trustpilot import TrustpilotSpider, next_data
from storywatch.crawler.spiders.unread import reviews_loaded_by_javascript
from storywatch.crawler.spiders.yelp import YelpSpider, apollo_state, is_yelp_state

DETECTED_STAT = "storywatch/detected_format"
UNKNOWN_STAT = "storywatch/unknown_format_reason"
SPIDERS: dict[str, type[StorySpider]] = {
    "feed": FeedSpider, "appstore": AppStoreSpider, "cfpb": CfpbSpider, "reddit": RedditSpider,
    "trustpilot": TrustpilotSpider, "schema_org": SchemaOrgSpider, "yelp": YelpSpider,
    "google_play": GooglePlaySpider, "discourse": DiscourseSpider,
    "tripadvisor": TripadvisorSpider, "fallback": FallbackSpider,
}
_FEED_ROOT = re.compile(r"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_PROLOG_PART = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)",
                          re.DOTALL | re.IGNORECASE)


def after_prolog(text: str) -> str:
    """`text` from its first element on: a byte order mark, the XML declaration, processing
    instructions, comments, a doctype and whitespace before it are skipped, however long."""
    position = 1 if text.startswith("\ufeff") else 0
    while (part := _PROLOG_PART.match(text, position)) is not None:
        position = part.end()
    return text[position:].lstrip()


def _json_format(data: Any) -> tuple[str | None, str]:
    if isinstance(data, list):
        data = data[0] if data else {}
    if not isinstance(data, dict):
        return None, "the page is JSON, but not an object"
    feed = data.get("feed")
    if isinstance(feed, dict) and ("entry" in feed or "author" in feed):
        return "appstore", "App Store customer-reviews feed"
    if isinstance(data.get("hits"), dict) and "hits" in data["hits"]:
        return "cfpb", "CFPB complaint search results"
    inner = data.get("data")
    if isinstance(inner, dict) and isinstance(inner.get("children"), list):
        return "reddit", "Reddit listing"
    if isinstance(data.get("post_stream"), dict) or isinstance(data.get("topic_list"), dict):
        return "discourse", "Discourse topic or category JSON"
    keys = ", ".join(sorted(data)[:8])
    return None, f"the page is JSON of an unknown shape (top-level keys: {keys})"


def detect_format(text: str) -> tuple[str | None, str]:
    """The story format of a page and a short description, or None and why no format fitted."""
    head = text.lstrip()[:2048]
    if not head:
        return None, "the page is empty"
    if head.startswith(("{", "[")):
        try:
            return _json_format(json.loads(text))
        except json.JSONDecodeError:
            return None, "the page looks like JSON but does not parse"
    root = after_prolog(text)[:2048]
    if _FEED_ROOT.match(root) or (
            _FEED_ROOT.search(root) and not re.search(r"<html[\s>]", root, re.IGNORECASE)):
        return "feed", "RSS/Atom feed"
    props = next_data(text)
    if props is not None and isinstance(props.get("reviews"), list):
        return "trustpilot", "__NEXT_DATA__ reviews (Trustpilot-like)"
    state = apollo_state(text)
    if state is not None and is_yelp_state(state):
        return "yelp", "Yelp business page (Apollo state)"
    if is_play_page(text):
        return "google_play", "Google Play app page"
    if is_discourse_html(text):
        return "discourse", "Discourse forum page (read through its JSON API)"
    if state_reviews(web_context(text)) is not None:
        return "tripadvisor", "Tripadvisor-style page (reviews in window.__WEB_CONTEXT__)"
    reviews = structured_reviews(text, "", Counter())
    for syntax, description in (("json-ld", "JSON-LD"), ("microdata", "microdata"),
                                ("rdfa", "RDFa")):
        if reviews[syntax]:
            return "schema_org", f"schema.org Reviews in {description}"
    if review_blocks(text):
        return "fallback", "no structured data; repeated review-like blocks (generic fallback)"
    if (unread := reviews_loaded_by_javascript(text)) is not None:
        return None, unread
    return None, ("no stories in a known format (looked for RSS/Atom, App Store, CFPB, Reddit "
                  "and Discourse JSON, __NEXT_DATA__ reviews, a Yelp or Google Play page, "
                  "schema.org Reviews in JSON-LD, microdata, RDFa, Tripadvisor state, "
                  "repeated review-like blocks)")


def advertised_feed(text: str, url: str) -> str | None:
    """The absolute URL of the RSS/Atom feed an HTML page advertises (`<link rel="alternate">`)."""
    if not text.lstrip().startswith("<"):
        return None
    href = Selector(text=text, type="html").xpath(
        '//link[contains(concat(" ", normalize-space(@rel), " "), " alternate ")]'
        '[@type="application/rss+xml" or @type="application/atom+xml"]/@href').get()
    return urljoin(url, href.strip()) if href else None


class AutoSpider(StorySpider):
    """Crawls one URL in whatever story format its first page turns out to have."""

    name = "auto"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.detected: str | None = None

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        if self.detected is None:
            detected, why = detect_format(text)
            feed = advertised_feed(text, url) if detected is None else None
            if feed is not None and self.pages_requested == 1:
                self.logger.info("%s: %s; following its advertised feed %s", url, why, feed)
                return [], feed
            if detected is None:
                errors["unknown_format"] += 1
                self.crawler.stats.set_value(UNKNOWN_STAT, why)
                self.logger.warning("%s: %s", url, why)
                return [], None
            self.detected = detected
            self.crawler.stats.set_value(DETECTED_STAT, detected)
            self.logger.info("%s: detected %s", url, why)
        return SPIDERS[self.detected].parse_page(self, text, url, errors)  # type: ignore[arg-type]
