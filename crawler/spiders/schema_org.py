"""Spider for schema.org Review markup, the format many review sites and shops publish.

Reviews are read from JSON-LD (a Review, an array, a Product/Organization with a `review` list, or
a `@graph`), from microdata (`itemscope itemtype=".../Review"` with `itemprop` fields) and from
RDFa (`typeof="Review"` with `property` fields, `schema:` prefixes allowed); pages
are followed through `<link rel="next">` / `<a rel="next">`. A malformed JSON-LD block or a page
without reviews is counted and skipped.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html
from parsel import Selector

from crawler.items import html_to_text, normalise_rating, rating_raw
from crawler.spiders.base import PageStories, StorySpider, read_page

_VALUE_ATTRIBUTE = {"meta": "content", "a": "href", "link": "href", "img": "src",
                    "time": "datetime", "data": "value", "meter": "value"}


def parse_schema_org_page(
    page: Any,
    *,
    brand: str,
    is_competitor: bool,
    page_url: str | None = None,
    source: str = "schema_org",
    fetched_at: str | None = None,
    errors: Counter | None = None,
) -> list[dict[str, Any]]:
    """Story records from the JSON-LD, microdata and RDFa schema.org Reviews on one page.

    Problems are added to `errors` (`malformed_jsonld`, `missing_body`, `bad_date`, `empty_page`).
    """
    page_errors: Counter = Counter()
    text, url = read_page(page, page_url)
    found = PageStories(source, brand, is_competitor, url, fetched_at, page_errors)
    nodes = jsonld_reviews(text, page_errors) + microdata_reviews(text) + rdfa_reviews(text)
    for node in nodes:
        review_to_story(node, found)
    if not nodes and not page_errors:
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
    if not text.strip():
        return []
    reviews: list[dict[str, Any]] = []
    page = Selector(text=text, type="html")
    for block in page.xpath('//script[@type="application/ld+json"]/text()').getall():
        try:
            data = json.loads(block)
        except json.JSONDecodeError:
            errors["malformed_jsonld"] += 1
            continue
        reviews.extend(_find_reviews(data))
    return reviews


def _find_reviews(data: Any) -> Iterable[dict[str, Any]]:
    if isinstance(data, list):
        for element in data:
            yield from _find_reviews(element)
    elif isinstance(data, dict):
        if "Review" in _types(data):
            yield data
            return
        for value in data.values():
            yield from _find_reviews(value)


def _types(node: dict[str, Any]) -> list[str]:
    kind = node.get("@type") or node.get("type") or []
    kinds = kind if isinstance(kind, list) else [kind]
    return [str(k).rsplit("/", 1)[-1] for k in kinds]


def microdata_reviews(text: str) -> list[dict[str, Any]]:
    """Every microdata `itemtype=".../Review"` item on the page, as a JSON-LD-like dict."""
    root = _html_root(text)
    if root is None:
        return []
    return [_markup_item(element, _MICRODATA)
            for element in root.xpath("//*[@itemscope][@itemtype]")
            if "Review" in _markup_types(element, _MICRODATA)]


def rdfa_reviews(text: str) -> list[dict[str, Any]]:
    """Every RDFa `typeof="Review"` (or `schema:Review`) item on the page, as a dict."""
    root = _html_root(text)
    if root is None:
        return []
    return [_markup_item(element, _RDFA) for element in root.xpath("//*[@typeof]")
            if "Review" in _markup_types(element, _RDFA)]


_UTF8_HTML = lxml_html.HTMLParser(encoding="utf-8")


def _html_root(text: str) -> Any:
    if not text.strip():
        return None
    try:
        return lxml_html.fromstring(text.encode("utf-8"), parser=_UTF8_HTML)
    except (etree.ParserError, ValueError):
        return None


# (attribute naming a property, attribute naming the type, does the element open a new item?)
_MICRODATA = ("itemprop", "itemtype", lambda element: element.get("itemscope") is not None)
_RDFA = ("property", "typeof", lambda element: element.get("typeof") is not None)


def _markup_types(element: Any, syntax: tuple) -> list[str]:
    return [kind.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
            for kind in (element.get(syntax[1]) or "").split()]


def _markup_item(scope: Any, syntax: tuple) -> dict[str, Any]:
    prop_attribute, _, opens_item = syntax
    item: dict[str, Any] = {"@type": (_markup_types(scope, syntax) or [""])[0]}
    if scope.get("itemid") or scope.get("resource"):
        item["@id"] = scope.get("itemid") or scope.get("resource")
    pending = list(scope)
    while pending:
        element = pending.pop(0)
        prop = element.get(prop_attribute)
        nested = opens_item(element)
        if prop:
            value = _markup_item(element, syntax) if nested else _microdata_value(element)
            for name in prop.split():
                item.setdefault(name.rsplit(":", 1)[-1].rsplit("/", 1)[-1], value)
        if not nested:
            pending[0:0] = list(element)
    return item


def _microdata_value(element: Any) -> str:
    attribute = _VALUE_ATTRIBUTE.get(str(element.tag).lower())
    if attribute and element.get(attribute) is not None:
        return element.get(attribute).strip()
    if element.get("content") is not None:
        return element.get("content").strip()
    return html_to_text(
        lxml_html.tostring(element, encoding="unicode", method="html", with_tail=False)
    )


def review_to_story(node: dict[str, Any], found: PageStories) -> dict[str, Any] | None:
    """One schema.org Review (JSON-LD or microdata dict) added to `found` as a story record, and
    returned; None if unusable (the reason counted in `found.errors`)."""
    body = _text(node.get("reviewBody") or node.get("description"))
    if not found.has_body(body):
        return None
    rating = node.get("reviewRating") if isinstance(node.get("reviewRating"), dict) else {}
    value, best = rating.get("ratingValue"), rating.get("bestRating") or 5
    link = node.get("url") or node.get("@id")
    link = urljoin(found.page_url, link) if isinstance(link, str) and link else None
    return found.add(
        body, published_at=node.get("datePublished"), external_id=link,
        story_url=link if link and link.startswith("http") else None,
        author=_name(node.get("author")), title=_text(node.get("name") or node.get("headline")),
        rating=normalise_rating(value, best, rating.get("worstRating") or 1),
        rating_raw=rating_raw(value, best), language=_name(node.get("inLanguage")), raw=node,
    )


def _name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("alternateName")
    return _text(value) or None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


class SchemaOrgSpider(StorySpider):
    """Crawls pages with schema.org Review markup, following rel=next links."""

    name = "schema_org"

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        stories = parse_schema_org_page(text, brand=self.brand, is_competitor=self.is_competitor,
                                        page_url=url, errors=errors)
        return stories, next_page_url(text, url)
