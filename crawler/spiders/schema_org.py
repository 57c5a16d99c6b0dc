"""Spider for schema.org Review markup, the format many review sites and shops publish.

Reviews are read through `storywatch.crawler.spiders.structured` (extruct) from JSON-LD (a Review, an array,
a Product/Organization/Recipe with a `review` list, or a `@graph`), from microdata
(`itemscope itemtype=".../Review"`) and from RDFa (`typeof="Review"`, `schema:` prefixes allowed);
pages are followed through `<link rel="next">` / `<a rel="next">`. Ratings are normalised on the
page's own `bestRating`/`worstRating` (default 5 and 1); a `ratingValue` of 0 or none means "no
rating" (sites write 0 for a review without stars), and the review is kept. A malformed JSON-LD
block or a page without reviews is counted and skipped. How many stories each syntax gave is kept
in the crawl's stats (`storywatch/extractor/json-ld`, `.../microdata`, `.../rdfa`).
"""
from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from storywatch.crawler.items import normalise_rating, rating_raw
from storywatch.crawler.spiders.base import PageStories, StorySpider, read_page
from storywatch.crawler.spiders.structured import (
    find_reviews,
    jsonld_items,
    page_tree,
    structured_reviews,
    types,
)

EXTRACTOR_STAT = "storywatch/extractor/"


def parse_schema_org_page(
    page: Any,
    *,
    brand: str,
    is_competitor: bool,
    page_url: str | None = None,
    source: str = "schema_org",
    fetched_at: str | None = None,
    errors: Counter | None = None,
    extractors: Counter | None = None,
) -> list[dict[str, Any]]:
    """Story records from the JSON-LD, microdata and RDFa schema.org Reviews on one page.

    Problems are added to `errors` (`malformed_jsonld`, `missing_body`, `bad_date`, `empty_page`),
    and the stories each syntax gave to `extractors` (`json-ld`, `microdata`, `rdfa`).
    """
    page_errors: Counter = Counter()
    text, url = read_page(page, page_url)
    found = PageStories(source, brand, is_competitor, url, fetched_at, page_errors)
    reviews = structured_reviews(text, url, page_errors)
    for syntax, nodes in reviews.items():
        before = len(found.stories)
        for node in nodes:
            review_to_story(node, found)
        if extractors is not None:
            extractors[syntax] += len(found.stories) - before
    if not any(reviews.values()) and not page_errors:
        page_errors["empty_page"] += 1
    if errors is not None:
        errors.update(page_errors)
    return found.stories


def next_page_url(page: Any, page_url: str | None = None) -> str | None:
    """The absolute URL of `<link rel="next">` or `<a rel="next">`, if the page has one."""
    text, url = read_page(page, page_url)
    if not text.strip():
        return None
    rel_next = "contains(concat(' ', normalize-space(@rel), ' '), ' next ')"
    page = Selector(text=text, type="html")
    href = page.xpath(f"(//link[{rel_next}] | //a[{rel_next}])/@href").get()
    return urljoin(url, href.strip()) if href else None


def jsonld_reviews(text: str, errors: Counter) -> list[dict[str, Any]]:
    """Every schema.org Review object in the page's JSON-LD blocks, however they are nested."""
    tree = page_tree(text) if "ld+json" in text else None
    return [] if tree is None else list(find_reviews(jsonld_items(tree, errors)))


def review_to_story(node: dict[str, Any], found: PageStories) -> dict[str, Any] | None:
    """One schema.org Review (a JSON-LD-like dict) added to `found` as a story record, and
    returned; None if unusable (the reason counted in `found.errors`)."""
    body = _text(node.get("reviewBody") or node.get("description") or node.get("text"))
    if not found.has_body(body):
        return None
    rating, shown = review_rating(node.get("reviewRating"))
    link = _first(node.get("url")) or node.get("@id")
    link = urljoin(found.page_url, link) if isinstance(link, str) and link else None
    published = next((_first(node[k]) for k in ("datePublished", "dateCreated", "dateModified")
                      if node.get(k)), None)
    reply = company_reply(node)
    return found.add(
        body, published_at=published, external_id=link,
        story_url=link if link and link.startswith("http") else None,
        author=_name(node.get("author")), title=_text(node.get("name") or node.get("headline")),
        rating=rating, rating_raw=shown, language=_name(node.get("inLanguage")),
        company_reply=reply[0] if reply else None,
        company_replied_at=reply[1] if reply else None, raw=node,
    )


def review_rating(rating: Any) -> tuple[float | None, str | None]:
    """A schema.org Rating as (0..1 on its own `worstRating`..`bestRating` scale, as shown, e.g.
    "4/5"); (None, None) for "not rated": no value, a value of 0 (which sites write for a review
    without stars) unless the page's own scale starts at 0 or lower, or a scale that is empty
    (`bestRating` 0: a rating object of zeros)."""
    rating = _first(rating)
    rating = rating if isinstance(rating, dict) else {"ratingValue": rating}
    value = _number(rating.get("ratingValue"))
    best = _number(rating.get("bestRating"))
    worst = _number(rating.get("worstRating"))
    top, bottom = 5.0 if best is None else best, 1.0 if worst is None else worst
    if value is None or top <= bottom or (value == 0 and bottom > 0):
        return None, None
    return normalise_rating(value, top, bottom), rating_raw(value, top)


def _number(value: Any) -> float | None:
    try:
        return float(_first(value))
    except (TypeError, ValueError):
        return None


def company_reply(node: dict[str, Any]) -> tuple[str, Any] | None:
    """The company's answer to a review: a `comment` written by an Organization, as (text,
    date); None when there is none."""
    comments = node.get("comment")
    for comment in comments if isinstance(comments, list) else [comments]:
        if not isinstance(comment, dict):
            continue
        author = _first(comment.get("author"))
        text = _text(comment.get("text") or comment.get("reviewBody"))
        if isinstance(author, dict) and "Organization" in types(author) and text:
            return text, _first(comment.get("dateCreated") or comment.get("datePublished"))
    return None


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _name(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = _first(value.get("name") or value.get("alternateName"))
    return _text(value) or None


def _text(value: Any) -> str:
    value = _first(value)
    return value.strip() if isinstance(value, str) else ""


class SchemaOrgSpider(StorySpider):
    """Crawls pages with schema.org Review markup, following rel=next links."""

    name = "schema_org"

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        extractors: Counter = Counter()
        stories = parse_schema_org_page(text, brand=self.brand, is_competitor=self.is_competitor,
                                        page_url=url, errors=errors, extractors=extractors)
        count_extractors(self.crawler.stats, extractors)
        return stories, next_page_url(text, url)


def count_extractors(stats: Any, extractors: Counter) -> None:
    """Add the stories each extractor gave on a page to the crawl's stats (0 included, so a
    summary can say which extractors were tried)."""
    for name, count in extractors.items():
        stats.inc_value(EXTRACTOR_STAT + name, count)

