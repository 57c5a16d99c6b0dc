"""Spider for Discourse forums through their public JSON API: topics and category listings.

A topic (`/t/{slug}/{id}.json`) holds its title, `tags` and `chunk_size`, `post_stream.posts` (one
page of posts: `id`, `post_number`, `username`, `created_at`, `cooked` HTML, `post_type`,
`reply_to_post_number`, `staff`/`moderator`/`admin`, `actions_summary` likes, `hidden`,
`deleted_at`) and `post_stream.stream`, the ids of every post in order; `?page=N` gives the Nth
chunk of that stream. On a forum where customers talk about a company, each regular post by a
customer is a story; a post by staff (a staff, moderator or admin flag) is the company's reply to
the post it answers (`reply_to_post_number`, else the topic's first post) when that post is on
the same page, and no story of its own. Quotes of other posts (`<aside class="quote">`) are left
out of a story, which tells its own words only. Post ids only grow, so a re-crawl asks only for
the pages holding posts newer than the newest stored one. A category listing (`/c/{slug}/{id}.json`)
holds `topic_list.topics` (no post text): each topic is crawled, and the listing's next page is
`topic_list.more_topics_url` (given without `.json`, which is added). A forum's HTML page (its
`<meta name="generator" content="Discourse ...">`) is followed to the same path's JSON.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import html as lxml_html

from storywatch.crawler.items import optional_int
from storywatch.crawler.spiders.base import (
    PageStories,
    StorySpider,
    load_json,
    query_int,
    with_query,
)

SOURCE = "discourse"
REGULAR_POST = 1  # 2: moderator action, 3: small action ("closed the topic"), 4: whisper
_LIKE = 2
_GENERATOR = re.compile(r"<meta[^>]+name=[\"']generator[\"'][^>]+content=[\"']Discourse",
                        re.IGNORECASE)
_TOPIC_POST = re.compile(r"^(/t/[^/]+/\d+)/\d+$")


def is_discourse_html(text: str) -> bool:
    """True for an HTML page that a Discourse forum served (its generator meta tag)."""
    return text.lstrip().startswith("<") and bool(_GENERATOR.search(text))


def json_url(url: str) -> str:
    """The JSON API URL of a forum page: `/t/slug/4412/5` -> `/t/slug/4412.json` (the topic),
    `/c/slug/7` -> `/c/slug/7.json`; the query (`?page=2`) is kept."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    path = _TOPIC_POST.sub(r"\1", path)
    return urlunsplit(parts._replace(path=path if path.endswith(".json") else path + ".json"))


def own_words(cooked: str) -> str:
    """A post's HTML without the quotes of other posts it holds."""
    if "<aside" not in cooked:
        return cooked
    fragment = lxml_html.fragment_fromstring(cooked, create_parent="div")
    for quote in fragment.xpath('.//aside[contains(concat(" ", @class, " "), " quote ")]'):
        quote.drop_tree()
    return lxml_html.tostring(fragment, encoding="unicode")


def _is_staff(post: dict[str, Any]) -> bool:
    return any(post.get(flag) is True for flag in ("staff", "moderator", "admin"))


def _likes(post: dict[str, Any]) -> int | None:
    for action in post.get("actions_summary") or []:
        if isinstance(action, dict) and action.get("id") == _LIKE:
            return optional_int(action.get("count"))
    return None


def _tags(topic: dict[str, Any]) -> list[str]:
    """The topic's tags, given as names or (newer forums) as objects with a `name`."""
    tags = topic.get("tags") or []
    return [str(tag.get("name") if isinstance(tag, dict) else tag) for tag in tags if tag]


def _staff_replies(posts: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Staff posts by the post number they answer (the first post when they answer the topic)."""
    replies: dict[int, list[dict[str, Any]]] = {}
    for post in posts:
        if _is_staff(post):
            replies.setdefault(optional_int(post.get("reply_to_post_number")) or 1, []).append(post)
    return replies


def _readable_posts(topic: dict[str, Any], errors: Counter) -> list[dict[str, Any]]:
    stream = topic.get("post_stream") if isinstance(topic.get("post_stream"), dict) else {}
    posts = []
    for post in stream.get("posts") or []:
        if not isinstance(post, dict) or post.get("post_type", REGULAR_POST) != REGULAR_POST:
            continue
        if post.get("hidden") or post.get("deleted_at") or post.get("user_deleted"):
            errors["deleted_post"] += 1
            continue
        posts.append(post)
    return posts


def _add_post(post: dict[str, Any], topic: dict[str, Any], replies: list[dict[str, Any]],
              found: PageStories) -> None:
    body = own_words(str(post.get("cooked") or ""))
    if not found.has_body(body):
        return
    path = f"/t/{topic.get('slug') or 'topic'}/{topic.get('id')}/{post.get('post_number')}"
    found.add(
        body, published_at=post.get("created_at"), external_id=post.get("id"),
        author=post.get("username"), title=topic.get("title"),
        story_url=urljoin(found.page_url, path), helpful_votes=_likes(post),
        language=post.get("locale") or topic.get("locale"), labels=_tags(topic),
        company_reply="\n\n".join(own_words(str(r.get("cooked") or "")) for r in replies) or None,
        company_replied_at=replies[0].get("created_at") if replies else None, raw=post,
    )


def parse_discourse_page(
    page: str,
    *,
    brand: str,
    is_competitor: bool,
    page_url: str,
    fetched_at: str | None = None,
    errors: Counter | None = None,
) -> list[dict[str, Any]]:
    """Story records from one page of a Discourse topic's JSON (none from a category listing)."""
    errors = errors if errors is not None else Counter()
    found = PageStories(SOURCE, brand, is_competitor, page_url, fetched_at, errors)
    topic = load_json(page, errors)
    if topic is None:
        return []
    if not isinstance(topic, dict) or not isinstance(topic.get("post_stream"), dict):
        if not (isinstance(topic, dict) and isinstance(topic.get("topic_list"), dict)):
            errors["not_discourse_json"] += 1
        return []
    posts = _readable_posts(topic, errors)
    replies = _staff_replies(posts)
    for post in posts:
        if not _is_staff(post):
            _add_post(post, topic, replies.get(optional_int(post.get("post_number")) or 0, []),
                      found)
    return found.stories


def topic_pages_to_read(page: str, page_url: str, known_keys: frozenset[str]) -> list[str]:
    """From a topic's first page, the `?page=N` URLs of its later pages holding a post newer than
    the newest stored one (every later page when none is stored)."""
    topic = load_json(page, Counter())
    stream = topic.get("post_stream") if isinstance(topic, dict) else None
    if not isinstance(stream, dict) or query_int(page_url, "page", 1) != 1:
        return []
    ids = [optional_int(post_id) for post_id in stream.get("stream") or []]
    known = [i for i in ids if i is not None and f"{SOURCE}:{i}" in known_keys]
    newest = max(known, default=0)
    chunk = optional_int(topic.get("chunk_size")) or 20
    return [with_query(page_url, page=number + 1) for number in range(1, -(-len(ids) // chunk))
            if any(i is not None and i > newest for i in ids[number * chunk:(number + 1) * chunk])]


def listing_links(page: str, page_url: str) -> tuple[list[str], str | None]:
    """A category listing's topic URLs (`/t/{slug}/{id}.json`) and its next page's JSON URL."""
    document = load_json(page, Counter())
    topics = document.get("topic_list") if isinstance(document, dict) else None
    if not isinstance(topics, dict):
        return [], None
    urls = [urljoin(page_url, f"/t/{topic.get('slug') or 'topic'}/{topic['id']}.json")
            for topic in topics.get("topics") or []
            if isinstance(topic, dict) and optional_int(topic.get("id")) is not None]
    more = topics.get("more_topics_url")
    if not isinstance(more, str) or not more.strip():
        return urls, None
    return urls, json_url(urljoin(page_url, more.strip()))


class DiscourseSpider(StorySpider):
    """Crawls a Discourse topic, or every topic of a category listing, through the JSON API."""

    name = "discourse"

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        if is_discourse_html(text):
            return [], json_url(url)
        stories = parse_discourse_page(text, brand=self.brand, is_competitor=self.is_competitor,
                                       page_url=url, errors=errors)
        topics, next_listing = listing_links(text, url)
        # A listing fans out to many topics and a topic to the pages with new posts, while a
        # page returns one next URL (also when AutoSpider runs this method): the rest are handed
        # to the engine. A topic listed twice (bumped while paging) is read once, silently.
        follow = topics + topic_pages_to_read(text, url, self.known_keys)
        for link in follow:
            request = self.page_request(link) if link not in self.requested_urls else None
            if request is not None:
                self.crawler.engine.crawl(request)
        return stories, next_listing
