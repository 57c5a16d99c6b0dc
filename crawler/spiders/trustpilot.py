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
from urllib.parse import urljoin

from parsel import Selector

from storywatch.crawler.items import normalise_rating, optional_int, rating_raw
from storywatch.crawler.spiders.base import (
    PageStories,
    StorySpider,
    query_int,
    read_page,
    with_query,
)
from storywatch.crawler.spiders.schema_org import jsonld_reviews, review_to_story

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
    found = PageStories(SOURCE, brand, is_competitor, url, fetched_at, errors)
    props = next_data(text, errors)
    if props is None:
        _add_jsonld_reviews(text, found)
    else:
        for review in props.get("reviews") or []:
            # a review that is not an object has no text: counted as missing_body
            _add_review(review if isinstance(review, dict) else {}, found)
    return found.stories


def _add_review(review: dict[str, Any], found: PageStories) -> None:
    if not found.has_body(review.get("text")):
        return
    reply = review.get("reply") if isinstance(review.get("reply"), dict) else {}
    dates = review.get("dates") if isinstance(review.get("dates"), dict) else {}
    consumer = review.get("consumer") if isinstance(review.get("consumer"), dict) else {}
    review_id = review.get("id")
    found.add(
        review["text"], published_at=dates.get("publishedDate"), external_id=review_id,
        story_url=urljoin(found.page_url, f"/reviews/{review_id}") if review_id else None,
        author=consumer.get("displayName"), title=review.get("title"),
        rating=normalise_rating(review.get("rating")), rating_raw=rating_raw(review.get("rating")),
        language=review.get("language"), helpful_votes=optional_int(review.get("likes")),
        company_reply=reply.get("message"), company_replied_at=reply.get("publishedDate"),
        raw=review,
    )


def _add_jsonld_reviews(text: str, found: PageStories) -> None:
    for node in jsonld_reviews(text, found.errors):
        story = review_to_story(node, found)
        if story is None:
            continue
        # Trustpilot's review id, the last part of `@id`, keys the story as __NEXT_DATA__ does
        review_id = str(node.get("@id") or "").rstrip("/").rsplit("/", 1)[-1] or None
        story["external_id"] = review_id
        story["story_url"] = urljoin(found.page_url, f"/reviews/{review_id}") if review_id else None
        story["story_key"] = f"{SOURCE}:{review_id}" if review_id else story["story_key"]


def next_trustpilot_page(page: Any, page_url: str | None = None, found: int = 0) -> str | None:
    """The `?page=N+1` URL while the page had reviews (`found`) and N < totalPages (if given)."""
    text, url = read_page(page, page_url)
    if found <= 0:
        return None
    current = query_int(url, "page", 1)
    props = next_data(text) or {}
    filters = props.get("filters") if isinstance(props.get("filters"), dict) else {}
    pagination = filters.get("pagination") if isinstance(filters.get("pagination"), dict) else {}
    total = optional_int(pagination.get("totalPages"))
    if total is not None and current >= total:
        return None
    return with_query(url, page=current + 1)


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
