"""Spider for Tripadvisor-style review pages: reviews in the page's embedded state, or schema.org.

Such pages ship their data in a script, `window.__WEB_CONTEXT__ = {...};`, whose API responses
hold review lists in the shape of Tripadvisor's public Content API (`id`, `lang`, `rating`,
`published_date`, `title`, `text`, `user.username`, `helpful_votes`, `owner_response` with its
`text` and `published_date`, `url`). Any list of such reviews in the state is read, however deep.
A page without that state is read as schema.org Reviews (JSON-LD, microdata, RDFa), which
Tripadvisor-style pages publish too. Pages are followed through `<link rel="next">` or the
"Next" button (`-or5-`, `-or10-`... in the URL).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from storywatch.crawler.items import normalise_rating, optional_int, rating_raw
from storywatch.crawler.spiders.base import PageStories, StorySpider, read_page
from storywatch.crawler.spiders.fallback import next_fallback_page
from storywatch.crawler.spiders.schema_org import count_extractors, parse_schema_org_page

_STATE = re.compile(r"window\.__WEB_CONTEXT__\s*=\s*")
_DECODER = json.JSONDecoder()


def web_context(text: str, errors: Counter | None = None) -> Any:
    """The page's embedded state (`window.__WEB_CONTEXT__ = {...}`), or None; state that is not
    JSON is counted as `malformed_state`."""
    found = _STATE.search(text)
    if found is None:
        return None
    try:
        return _DECODER.raw_decode(text, found.end())[0]
    except json.JSONDecodeError:
        if errors is not None:
            errors["malformed_state"] += 1
        return None


def state_reviews(state: Any) -> list[dict[str, Any]] | None:
    """Every review in the state (lists of dicts with `text` and `published_date`), in order;
    None when the state holds no review list at all (an empty list is a page without reviews)."""
    found: list[dict[str, Any]] | None = None
    pending = [state]
    while pending:
        value = pending.pop(0)
        if isinstance(value, dict):
            # `reviews` may be empty (a page without reviews); an API's `data` list must not be
            reviews = value.get("reviews") if isinstance(value.get("reviews"), list) else (
                value.get("data") or None)
            if isinstance(reviews, list) and all(_is_review(r) for r in reviews):
                found = (found or []) + reviews
                continue
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return found


def _is_review(value: Any) -> bool:
    return isinstance(value, dict) and "text" in value and "published_date" in value


def parse_tripadvisor_page(
    page: Any,
    *,
    brand: str,
    is_competitor: bool,
    page_url: str | None = None,
    fetched_at: str | None = None,
    errors: Counter | None = None,
    extractors: Counter | None = None,
) -> list[dict[str, Any]]:
    """Story records from a Tripadvisor-style page: its embedded state, else its schema.org."""
    page_errors: Counter = Counter()
    text, url = read_page(page, page_url)
    reviews = state_reviews(web_context(text, page_errors))
    if reviews is None:
        stories = parse_schema_org_page(text, brand=brand, is_competitor=is_competitor,
                                        page_url=url, source="tripadvisor", fetched_at=fetched_at,
                                        errors=page_errors, extractors=extractors)
    else:
        found = PageStories("tripadvisor", brand, is_competitor, url, fetched_at, page_errors)
        for review in reviews:
            _add_review(review, found)
        stories = found.stories
        if extractors is not None:
            extractors["tripadvisor-state"] += len(stories)
    if errors is not None:
        errors.update(page_errors)
    return stories


def _add_review(review: dict[str, Any], found: PageStories) -> None:
    if not found.has_body(review.get("text")):
        return
    user = review.get("user") if isinstance(review.get("user"), dict) else {}
    reply = review.get("owner_response") if isinstance(review.get("owner_response"), dict) else {}
    stars = review.get("rating")
    rated = stars not in (None, "", 0, "0")
    found.add(
        review["text"], published_at=review.get("published_date"),
        external_id=review.get("id"), story_url=review.get("url"),
        author=user.get("username"), title=review.get("title"),
        rating=normalise_rating(stars, 5, 1) if rated else None,
        rating_raw=rating_raw(stars, 5) if rated else None, language=review.get("lang"),
        helpful_votes=optional_int(review.get("helpful_votes")),
        company_reply=reply.get("text"), company_replied_at=reply.get("published_date"),
        raw=review,
    )


class TripadvisorSpider(StorySpider):
    """Crawls Tripadvisor-style review pages, following their next-page links."""

    name = "tripadvisor"

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        extractors: Counter = Counter()
        stories = parse_tripadvisor_page(text, brand=self.brand, is_competitor=self.is_competitor,
                                         page_url=url, errors=errors, extractors=extractors)
        count_extractors(self.crawler.stats, extractors)
        return stories, next_fallback_page(text, url)
