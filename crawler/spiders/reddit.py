"""Spider for Reddit listing and search JSON (`/r/{sub}/new.json`, `/search.json?q=...`).

A listing is `{"kind": "Listing", "data": {"after": "t3_...", "children": [{"kind": "t3",
"data": {...}}]}}`; each post's `data` holds id, name, title, selftext, author, created_utc,
score, num_comments, permalink and subreddit. A post is a story (a link post without text tells
its story in the title); deleted or removed posts are skipped and counted. Pages are followed with
`?after=<name>&count=N` while the listing gives `after`. Reddit asks for a descriptive User-Agent,
which this spider sends, and announces its rate limit in `X-Ratelimit-*` headers, which
`crawler.middlewares.BackoffMiddleware` honours.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

from crawler.items import InvalidDate, make_story, optional_int
from crawler.spiders.base import StorySpider, load_json

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
    data = listing(page, errors) or {}
    stories = []
    for child in data.get("children") or []:
        post = child.get("data") if isinstance(child, dict) else None
        if not isinstance(post, dict) or child.get("kind", "t3") != "t3":
            continue
        selftext = str(post.get("selftext") or "").strip()
        if selftext in _GONE or post.get("author") == "[deleted]" and not selftext:
            errors["deleted_post"] += 1
            continue
        body = selftext or str(post.get("title") or "").strip()
        if not body:
            errors["missing_body"] += 1
            continue
        permalink = post.get("permalink")
        try:
            stories.append(make_story(
                source=SOURCE, brand=brand, is_competitor=is_competitor, body=body,
                source_url=page_url, published_at=post.get("created_utc"), fetched_at=fetched_at,
                external_id=post.get("id"), author=post.get("author"), title=post.get("title"),
                story_url=urljoin(page_url, permalink) if isinstance(permalink, str) else None,
                helpful_votes=optional_int(post.get("score")),
                labels=[f"r/{post['subreddit']}" if post.get("subreddit") else None,
                        post.get("link_flair_text")],
                raw=post,
            ))
        except InvalidDate:
            errors["bad_date"] += 1
    return stories


def next_reddit_page(page: str, page_url: str) -> str | None:
    """The listing URL with `after` set to the listing's `after`, while there is one."""
    data = listing(page, Counter()) or {}
    after, children = data.get("after"), data.get("children") or []
    if not after or not children:
        return None
    parts = urlsplit(page_url)
    query = parse_qs(parts.query)
    seen = optional_int((query.get("count") or ["0"])[0]) or 0
    query["after"], query["count"] = [str(after)], [str(seen + len(children))]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


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
