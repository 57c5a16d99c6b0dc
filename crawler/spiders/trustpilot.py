"""Spider for Trustpilot company review pages (`/review/{domain}?page=N`).

Trustpilot renders with Next.js: the page's `<script id="__NEXT_DATA__">` JSON holds
`props.pageProps.reviews[]` with ids, text, rating, dates, consumer and company reply. When that
script is missing, the page's schema.org JSON-LD is read instead. Pages are followed with
`?page=N+1` while a page has reviews, up to `pageProps.filters.pagination.totalPages` when given.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector

from crawler.items import InvalidDate, make_story, normalise_rating, optional_int, rating_raw
from crawler.spiders.base import StorySpider, read_page
from crawler.spiders.schema_org import jsonld_reviews, review_to_story

SOURCE = "trustpilot"


def next_data(text: str, errors: Counter | None = None) -> dict[str, Any] | None:
    """The page's `pageProps` from `__NEXT_DATA__`, or None when the script is absent or broken."""
    if not text.strip():
        return None
    script = Selector(text=text, type="html").xpath('//script[@id="__NEXT_DATA__"]/text()').get()
    if not script:
        return None
    try:
        props = json.loads(script)["props"]["pageProps"]
    except (json.JSONDecodeError, KeyError, TypeError):
        if errors is not None:
            errors["malformed_next_data"] += 1
        return None
    return props if isinstance(props, dict) else None


def parse_trustpilot_page(
    page: Any,
    *,
    brand: str,
    is_competitor: bool,
    page_url: str | None = None,
    fetched_at: str | None = None,
    errors: Counter | None = None,
) -> list[dict[str, Any]]:
    """Story records from one Trustpilot review page (`__NEXT_DATA__`, else JSON-LD)."""
    errors = errors if errors is not None else Counter()
    text, url = read_page(page, page_url)
    props = next_data(text, errors)
    if props is None:
        return _from_jsonld(text, url, brand, is_competitor, fetched_at, errors)
    stories = []
    for review in props.get("reviews") or []:
        story = _review_to_story(review, url, brand, is_competitor, fetched_at, errors)
        if story is not None:
            stories.append(story)
    return stories


def _review_to_story(
    review: dict[str, Any], url: str, brand: str, is_competitor: bool,
    fetched_at: str | None, errors: Counter,
) -> dict[str, Any] | None:
    if not isinstance(review, dict) or not str(review.get("text") or "").strip():
        errors["missing_body"] += 1
        return None
    reply = review.get("reply") if isinstance(review.get("reply"), dict) else {}
    dates = review.get("dates") if isinstance(review.get("dates"), dict) else {}
    consumer = review.get("consumer") if isinstance(review.get("consumer"), dict) else {}
    review_id = review.get("id")
    try:
        return make_story(
            source=SOURCE, brand=brand, is_competitor=is_competitor, body=review["text"],
            source_url=url, published_at=dates.get("publishedDate"), fetched_at=fetched_at,
            external_id=review_id,
            story_url=urljoin(url, f"/reviews/{review_id}") if review_id else None,
            author=consumer.get("displayName"), title=review.get("title"),
            rating=normalise_rating(review.get("rating")),
            rating_raw=rating_raw(review.get("rating")),
            language=review.get("language"), helpful_votes=optional_int(review.get("likes")),
            company_reply=reply.get("message"), company_replied_at=reply.get("publishedDate"),
            raw=review,
        )
    except InvalidDate:
        errors["bad_date"] += 1
        return None


def _from_jsonld(
    text: str, url: str, brand: str, is_competitor: bool, fetched_at: str | None, errors: Counter
) -> list[dict[str, Any]]:
    stories = []
    for node in jsonld_reviews(text, errors):
        story = review_to_story(node, source=SOURCE, brand=brand, is_competitor=is_competitor,
                                page_url=url, fetched_at=fetched_at, errors=errors)
        if story is None:
            continue
        review_id = str(node.get("@id") or "").rstrip("/").rsplit("/", 1)[-1] or None
        story["external_id"] = review_id
        story["story_url"] = urljoin(url, f"/reviews/{review_id}") if review_id else None
        story["story_key"] = f"{SOURCE}:{review_id}" if review_id else story["story_key"]
        stories.append(story)
    return stories


def next_trustpilot_page(page: Any, page_url: str | None = None, found: int = 0) -> str | None:
    """The `?page=N+1` URL while the page had reviews (`found`) and N < totalPages (if given)."""
    text, url = read_page(page, page_url)
    if found <= 0:
        return None
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    current = optional_int((query.get("page") or ["1"])[0]) or 1
    props = next_data(text) or {}
    filters = props.get("filters") if isinstance(props.get("filters"), dict) else {}
    pagination = filters.get("pagination") if isinstance(filters.get("pagination"), dict) else {}
    total = optional_int(pagination.get("totalPages"))
    if total is not None and current >= total:
        return None
    query["page"] = [str(current + 1)]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


class TrustpilotSpider(StorySpider):
    """Crawls a Trustpilot company's review pages."""

    name = "trustpilot"

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        stories = parse_trustpilot_page(text, brand=self.brand, is_competitor=self.is_competitor,
                                        page_url=url, errors=errors)
        next_url = next_trustpilot_page(text, url, found=len(stories) + sum(errors.values()))
        if not stories and not errors and self.pages_requested <= 1:
            errors["empty_page"] += 1
        return stories, next_url
