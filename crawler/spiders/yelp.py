"""Spider for Yelp business pages (`/biz/{alias}?start=N`).

Yelp renders its reviews in the DOM and keeps them in the page's Apollo cache, a JSON script
(`<script type="application/json" data-apollo-state>`, its JSON often wrapped in `<!-- -->`);
none are in JSON-LD. The cache is normalised: each `Review:{encid}` object holds `text.full`,
`text.language`, `rating` (1..5), `createdAt.utcDateTime`, `feedback.counts.useful`, and
references (`{"__ref": "User:..."}`) to its author (`displayName`) and to its
`businessOwnerReplies`. The stories are read from that JSON only (a page whose DOM shows rated
reviews that its state lacks is counted as `reviews_not_in_yelp_state`). The DOM gives the
paging: the page's own pagination links (`?start=10`, `?start=20`, ...), of which the smallest
`start` beyond the current one is the next page.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from storywatch.crawler.items import normalise_rating, optional_int, rating_raw
from storywatch.crawler.spiders.base import (
    PageStories,
    StorySpider,
    query_int,
    read_page,
    with_query,
)

SOURCE = "yelp"
_STATE_SCRIPT = '//script[@data-apollo-state]/text()'
_COMMENT = re.compile(r"^\s*<!--(.*)-->\s*$", re.DOTALL)
_DOM_RATING = re.compile(r'aria-label="\d(?:\.\d)? star rating"')


def apollo_state(text: str, errors: Counter | None = None) -> dict[str, Any] | None:
    """The page's Apollo cache as a dict, or None when absent (or broken: `malformed_yelp_state`)."""
    if "data-apollo-state" not in text:
        return None
    script = Selector(text=text, type="html").xpath(_STATE_SCRIPT).get()
    if not script:
        return None
    wrapped = _COMMENT.match(script)
    try:
        state = json.loads(wrapped.group(1) if wrapped else script)
    except json.JSONDecodeError:
        if errors is not None:
            errors["malformed_yelp_state"] += 1
        return None
    return state if isinstance(state, dict) else None


def is_yelp_state(state: dict[str, Any]) -> bool:
    """True for a Yelp business page's cache: it holds a `Business:` or `Review:` object."""
    return any(key.startswith(("Business:", "Review:")) for key in state)


def _deref(state: dict[str, Any], value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and isinstance(value.get("__ref"), str):
        value = state.get(value["__ref"])
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> tuple[str, str | None]:
    """A Yelp `Text` object (`full`, `language`) or plain string as (text, language)."""
    if isinstance(value, dict):
        return str(value.get("full") or value.get("plain") or ""), value.get("language")
    return str(value or ""), None


def _utc(value: Any) -> Any:
    return value.get("utcDateTime") if isinstance(value, dict) else value


def _owner_reply(state: dict[str, Any], review: dict[str, Any]) -> tuple[str | None, Any]:
    """The business owner's first reply to `review`: (text, date), or (None, None)."""
    for ref in review.get("businessOwnerReplies") or []:
        reply = _deref(state, ref)
        text, _ = _text(reply.get("text"))
        if text.strip():
            return text, _utc(reply.get("createdAt"))
    return None, None


def _add_review(state: dict[str, Any], review: dict[str, Any], found: PageStories) -> None:
    body, language = _text(review.get("text"))
    if not found.has_body(body):
        return
    reply, replied_at = _owner_reply(state, review)
    feedback = _deref(state, review.get("feedback"))
    counts = _deref(state, feedback.get("counts"))
    review_id = review.get("encid") or review.get("id")
    found.add(
        body, published_at=_utc(review.get("createdAt")) or review.get("localizedDate"),
        external_id=review_id, author=_deref(state, review.get("author")).get("displayName"),
        story_url=with_query(found.page_url.split("?")[0], hrid=review_id) if review_id else None,
        rating=normalise_rating(review.get("rating")), rating_raw=rating_raw(review.get("rating")),
        language=language, helpful_votes=optional_int(counts.get("useful")),
        company_reply=reply, company_replied_at=replied_at, raw=review,
    )


def parse_yelp_page(
    page: Any,
    *,
    brand: str,
    is_competitor: bool,
    page_url: str | None = None,
    fetched_at: str | None = None,
    errors: Counter | None = None,
) -> list[dict[str, Any]]:
    """Story records from the `Review` objects of one Yelp business page's Apollo state."""
    errors = errors if errors is not None else Counter()
    text, url = read_page(page, page_url)
    found = PageStories(SOURCE, brand, is_competitor, url, fetched_at, errors)
    state = apollo_state(text, errors)
    if state is None:
        if not errors:
            errors["no_yelp_state"] += 1
        return []
    reviews = [value for value in state.values()
               if isinstance(value, dict) and value.get("__typename") == "Review"]
    for review in reviews:
        _add_review(state, review, found)
    if not reviews and _DOM_RATING.search(text):
        # the page shows reviews that its state does not hold: Yelp changed its page
        errors["reviews_not_in_yelp_state"] += 1
    return found.stories


def next_yelp_page(page: Any, page_url: str | None = None) -> str | None:
    """This URL with the smallest `start` offset beyond its own among the page's links to this
    business (`/biz/{alias}?start=N`; links to searches or other businesses are not pages)."""
    text, url = read_page(page, page_url)
    if not text.strip():
        return None
    current, path = query_int(url, "start", 0), urlsplit(url).path
    links = Selector(text=text, type="html").xpath("//a/@href").getall()
    offsets = {query_int(href, "start", 0) for href in links
               if "start=" in href and urlsplit(urljoin(url, href)).path == path}
    later = sorted(offset for offset in offsets if offset > current)
    return with_query(url, start=later[0]) if later else None


class YelpSpider(StorySpider):
    """Crawls a Yelp business page's reviews, ten per page."""

    name = "yelp"

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        stories = parse_yelp_page(text, brand=self.brand, is_competitor=self.is_competitor,
                                  page_url=url, errors=errors)
        return stories, (next_yelp_page(text, url) if stories else None)
