"""Spider for Reddit listing and search JSON (`/r/{sub}/new.json`, `/search.json?q=...`).

A listing is `{"kind": "Listing", "data": {"after": "t3_...", "children": [{"kind": "t3",
"data": {...}}]}}`; each post's `data` holds id, name, title, selftext, author, created_utc,
score, num_comments, permalink and subreddit. A post is a story (a link post without text tells
its story in the title); deleted or removed posts are skipped and counted. Pages are followed with
`?after=<name>&count=N` while the listing gives `after`. Reddit asks for a descriptive User-Agent,
which this spider sends, and announces its rate limit in `X-Ratelimit-*` headers, which
`storywatch.crawler.middlewares.BackoffMiddleware` honours.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar
from urllib.parse import urljoin

from storywatch.crawler.items import optional_int
from storywatch.crawler.spiders.base import (
    PageStories,
    StorySpider,
    load_json,
    query_int,
    with_query,
)

SOURCE = "reddit"
USER_AGENT = "python:storywatch:0.1 (customer story monitor; +https://example.invalid/storywatch)"
_GONE = {"[deleted]", "[removed]"}


def listing(text: str, errors: Counter) -> dict[str, Any] | None:
    """The listing's `data` object, or None with the reason counted."""
    document = load_json(text, errors)
    if document is None:
        return None
    if isinstance(document, list):  # a post's comments page: [post listing, comments listing]
        document = document[0] if document else {}
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("children"), list):
        errors["not_a_reddit_listing"] += 1
        return None
    return data


def parse_reddit_page(
    page: str,
    *,
    brand: str,
    is_competitor: bool,
    page_url: str,
    fetched_at: str | None = None,
    errors: Counter | None = None,
) -> list[dict[str, Any]]:
    """Story records from one page of a Reddit listing or search result."""
    errors = errors if errors is not None else Counter()
    found = PageStories(SOURCE, brand, is_competitor, page_url, fetched_at, errors)
    data = listing(page, errors) or {}
    for child in data.get("children") or []:
        post = child.get("data") if isinstance(child, dict) else None
        if not isinstance(post, dict) or child.get("kind", "t3") != "t3":
            continue
        selftext = str(post.get("selftext") or "").strip()
        if selftext in _GONE or post.get("author") == "[deleted]" and not selftext:
            errors["deleted_post"] += 1
            continue
        body = selftext or str(post.get("title") or "").strip()
        if found.has_body(body):
            permalink = post.get("permalink")
            found.add(
                body, published_at=post.get("created_utc"), external_id=post.get("id"),
                author=post.get("author"), title=post.get("title"),
                story_url=urljoin(page_url, permalink) if isinstance(permalink, str) else None,
                helpful_votes=optional_int(post.get("score")),
                labels=[f"r/{post['subreddit']}" if post.get("subreddit") else None,
                        post.get("link_flair_text")],
                raw=post,
            )
    return found.stories


def next_reddit_page(page: str, page_url: str) -> str | None:
    """The listing URL with `after` set to the listing's `after`, while there is one."""
    data = listing(page, Counter()) or {}
    after, children = data.get("after"), data.get("children") or []
    if not after or not children:
        return None
    return with_query(page_url, after=after,
                      count=query_int(page_url, "count", 0) + len(children))


class RedditSpider(StorySpider):
    """Crawls a subreddit listing or a Reddit search, page by page."""

    name = "reddit"
    custom_settings: ClassVar[dict[str, Any]] = {"USER_AGENT": USER_AGENT}

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        stories = parse_reddit_page(text, brand=self.brand, is_competitor=self.is_competitor,
                                    page_url=url, errors=errors)
        return stories, next_reddit_page(text, url)
