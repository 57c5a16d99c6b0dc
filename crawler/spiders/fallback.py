"""Generic fallback for review pages without structured data: review-like blocks found by shape.

A shop's own review section or a forum thread repeats one block per story: siblings of the same
tag and class, each with a text of review length, a date, and an author or a rating. That
repetition is what `review_blocks()` looks for: a group of at least `MIN_BLOCKS` siblings of one
tag and first class, most of whose members look like that, outside navigation, headers, footers and
forms. Teasers of other pages (a heading that is a link) and link-heavy blocks are not stories,
so menus, product cards and "related articles" lists give nothing. Each story's `raw` says
`extractor: fallback` and which block it came from, since the shape-based reading is a guess a
user may want to check. A block marked as the company's own (staff, official, owner reply) is
the company reply of the story before it. The block's parts are read by their class names and
markup (`storywatch.crawler.spiders.block_fields`).
"""
from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from storywatch.crawler.spiders.base import PageStories, StorySpider, read_page
from storywatch.crawler.spiders.block_fields import BlockFields, read_block
from storywatch.crawler.spiders.schema_org import count_extractors, next_page_url

MIN_BLOCKS = 3
_MIN_SHARE = 0.6
_SKIPPED = {"nav", "header", "footer", "form", "menu", "aside", "select", "script", "style"}
_UTF8_HTML = lxml_html.HTMLParser(encoding="utf-8")


def review_blocks(text: str) -> list[BlockFields]:
    """The review-like blocks of a page, in page order (empty when no group of siblings fits)."""
    root = _html_root(text)
    if root is None:
        return []
    blocks: list[BlockFields] = []
    for parent in root.iter():
        if not isinstance(parent.tag, str) or _in_skipped(parent):
            continue
        for group in _sibling_groups(parent):
            read = [read_block(element) for element in group]
            usable = [fields for fields in read if fields is not None]
            if len(usable) >= MIN_BLOCKS and len(usable) >= _MIN_SHARE * len(group):
                blocks.extend(usable)
    return blocks


def parse_fallback_page(
    page: Any,
    *,
    brand: str,
    is_competitor: bool,
    page_url: str | None = None,
    fetched_at: str | None = None,
    errors: Counter | None = None,
) -> list[dict[str, Any]]:
    """Story records from the review-like blocks of a page without structured data."""
    page_errors: Counter = Counter()
    text, url = read_page(page, page_url)
    found = PageStories("fallback", brand, is_competitor, url, fetched_at, page_errors)
    blocks = review_blocks(text)
    story: dict[str, Any] | None = None
    for block in blocks:
        if block.by_company and story is not None and not story["company_reply"]:
            story["company_reply"] = block.body
            continue
        story = _add_block(block, found)
    if not blocks:
        page_errors["empty_page"] += 1
    if errors is not None:
        errors.update(page_errors)
    return found.stories


def _add_block(block: BlockFields, found: PageStories) -> dict[str, Any] | None:
    link = urljoin(found.page_url, "#" + block.element_id) if block.element_id else None
    return found.add(
        block.body, published_at=block.published, external_id=link, story_url=link,
        author=block.author, title=block.title, rating=block.rating,
        rating_raw=block.rating_raw, language=block.language, company_reply=block.reply,
        raw={"extractor": "fallback", "block": block.path},
    )


def next_fallback_page(text: str, url: str) -> str | None:
    """The next page: `rel="next"`, else a pagination link whose class or label says next."""
    found = next_page_url(text, url)
    root = None if found else _html_root(text)
    if root is None:
        return found
    hrefs = root.xpath('//a[@href][contains(concat(" ", normalize-space(@class), " "), " next ")'
                       ' or translate(@aria-label, "NEXT", "next") = "next page"'
                       ' or translate(@aria-label, "NEXT", "next") = "next"]/@href')
    return urljoin(url, hrefs[0].strip()) if hrefs else None


def _sibling_groups(parent: Any) -> list[list[Any]]:
    groups: dict[tuple[str, str], list[Any]] = {}
    for child in parent:
        if isinstance(child.tag, str) and child.tag not in _SKIPPED:
            # the first class names the block; later ones are modifiers (`post bg1`, `post bg2`)
            key = (child.tag, ((child.get("class") or "").split() or [""])[0])
            groups.setdefault(key, []).append(child)
    return [group for group in groups.values() if len(group) >= MIN_BLOCKS]


def _in_skipped(element: Any) -> bool:
    return any(ancestor.tag in _SKIPPED or ancestor.get("role") == "navigation"
               for ancestor in element.iterancestors() if isinstance(ancestor.tag, str)) or (
        element.tag in _SKIPPED or element.get("role") == "navigation")


def _html_root(text: str) -> Any:
    if not text.strip().startswith("<"):
        return None
    try:
        return lxml_html.fromstring(text.encode("utf-8"), parser=_UTF8_HTML)
    except (etree.ParserError, ValueError):
        return None


class FallbackSpider(StorySpider):
    """Crawls pages without structured data, reading their repeated review-like blocks."""

    name = "fallback"

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        stories = parse_fallback_page(text, brand=self.brand, is_competitor=self.is_competitor,
                                      page_url=url, errors=errors)
        count_extractors(self.crawler.stats, Counter({"fallback": len(stories)}))
        return stories, next_fallback_page(text, url)
