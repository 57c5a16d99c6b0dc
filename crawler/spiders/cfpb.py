"""Spider for the CFPB consumer complaint search API (JSON).

`/search/api/v1/?company=...&has_narrative=true&frm=0&size=25` answers
`{"hits": {"total": {"value": N}, "hits": [{"_source": {...}}]}}`; each complaint narrative
(`complaint_what_happened`) is a story, its `issue` and `product` become labels and the company's
public response becomes the company reply. Pages are followed by raising `frm` by `size`.
"""
from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urljoin

from storywatch.crawler.items import optional_int
from storywatch.crawler.spiders.base import (
    PageStories,
    StorySpider,
    load_json,
    query_int,
    read_page,
    with_query,
)

SOURCE = "cfpb"
DEFAULT_SIZE = 25


def _hits(text: str, errors: Counter) -> tuple[list[dict[str, Any]], int | None]:
    data = load_json(text, errors)
    if data is None:
        return [], None
    hits = data.get("hits") if isinstance(data, dict) else None
    if not isinstance(hits, dict):
        errors["not_a_cfpb_result"] += 1
        return [], None
    total = hits.get("total")
    total = total.get("value") if isinstance(total, dict) else total
    return [h for h in hits.get("hits") or [] if isinstance(h, dict)], optional_int(total)


def parse_cfpb_page(
    page: Any,
    *,
    brand: str,
    is_competitor: bool,
    page_url: str | None = None,
    fetched_at: str | None = None,
    errors: Counter | None = None,
) -> list[dict[str, Any]]:
    """Story records from one page of complaint search results (narratives only)."""
    errors = errors if errors is not None else Counter()
    text, url = read_page(page, page_url)
    found = PageStories(SOURCE, brand, is_competitor, url, fetched_at, errors)
    for hit in _hits(text, errors)[0]:
        complaint = hit.get("_source") or {}
        body = complaint.get("complaint_what_happened")
        if found.has_body(body):
            complaint_id = complaint.get("complaint_id")
            found.add(
                body, published_at=complaint.get("date_received"), external_id=complaint_id,
                language="en",
                story_url=urljoin(url, f"/data-research/consumer-complaints/search/detail/"
                                       f"{complaint_id}") if complaint_id else None,
                company_reply=complaint.get("company_public_response"),
                labels=[complaint.get("issue"), complaint.get("product")], raw=complaint,
            )
    return found.stories


def next_cfpb_page(page: Any, page_url: str | None = None) -> str | None:
    """The URL with `frm` raised by `size`, while results remain (`frm + size < total`)."""
    text, url = read_page(page, page_url)
    hits, total = _hits(text, Counter())
    start, size = query_int(url, "frm", 0), query_int(url, "size", DEFAULT_SIZE)
    if not hits or (total is not None and start + size >= total):
        return None
    return with_query(url, frm=start + size)


class CfpbSpider(StorySpider):
    """Crawls complaint search results for one company, page by page."""

    name = "cfpb"

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        stories = parse_cfpb_page(text, brand=self.brand, is_competitor=self.is_competitor,
                                  page_url=url, errors=errors)
        return stories, next_cfpb_page(text, url)
