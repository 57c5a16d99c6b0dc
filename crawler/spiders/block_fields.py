"""The parts of one review-like HTML block, read from its markup and class names.

`read_block()` turns a block (a review card, a forum post) into `BlockFields`: the story text, a
date, the author, a rating, a company reply, a title and a language, or None when the block does
not look like a story: its text is too short, most of its text is links, its heading links to
another page (a teaser), or it has no date and neither author nor rating. Parts are recognised by
the class names and attributes sites use for them (`author`, `username`, `<time datetime>`,
`stars` with an `aria-label` like "4 out of 5 stars", a star width `style="width: 80%"`,
`★★★★☆`, `owner-response`...). The text is what is left once those parts, buttons and short
links ("Report", "Helpful?") are taken out.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import html as lxml_html

from storywatch.crawler.items import (
    InvalidDate,
    html_to_text,
    normalise_rating,
    rating_raw,
    to_utc_iso,
)

MIN_TEXT = 40
MIN_WORDS = 6
_AUTHOR = re.compile(r"(^|[-_ ])(author|user(name)?|reviewer|byline|poster|nickname|customer"
                     r"-name|member-name)($|[-_ ])")
_DATE = re.compile(r"(^|[-_ ])(date|time|posted|published|timestamp)($|[-_ ])")
_RATING = re.compile(r"(^|[-_ ])(stars?|rating|score)($|[-_ ])")
_REPLY = re.compile(r"(^|[-_ ])(reply|response|owner|merchant|seller|company)($|[-_ ])")
_COMPANY = re.compile(r"(^|[-_ ])(staff|official|employee)($|[-_ ])")
_NOISE = re.compile(r"(^|[-_ ])(helpful|votes?|report|actions|share|avatar|badge|rank|signature"
                    r"|postprofile|profile)($|[-_ ])")
_OUT_OF = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:/|out of|of|von|sur|de|su)\s*(\d+)", re.IGNORECASE)
_WIDTH = re.compile(r"width\s*:\s*(\d+(?:\.\d+)?)%")
_BY = re.compile(r"^(?:posted by|written by|reviewed by|by|von|par|door|di)\s+", re.IGNORECASE)
_MONTH_DATE = re.compile(
    r"\b(?:(\d{1,2})\s+)?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+"
    r"(?:(\d{1,2}),?\s+)?(\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})"
                       r"(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?")
_DOTTED_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")


@dataclass(frozen=True)
class BlockFields:
    """What one review-like block says; `path` is its tag and classes, e.g. `div.review`."""

    body: str
    published: str
    author: str | None
    title: str | None
    rating: float | None
    rating_raw: str | None
    language: str | None
    reply: str | None
    element_id: str | None
    path: str
    by_company: bool


def read_block(block: Any) -> BlockFields | None:
    """The story a block tells, or None when the block does not look like one."""
    full = " ".join(block.text_content().split())
    if len(full) < MIN_TEXT or _link_share(block, full) > 0.5 or _is_teaser(block):
        return None
    author, stamp = _first(block, _AUTHOR, with_text=True), _date_element(block)
    rated, reply = _first(block, _RATING), _first(block, _REPLY)
    published = _read_date(stamp)
    rating = _read_rating(rated)
    body = _body_text(block, [e for e in (author, stamp, rated, reply) if e is not None])
    if published is None or (author is None and rating is None) or not _story_length(body):
        return None
    heading = block.xpath(".//h2|.//h3|.//h4|.//h5|.//h6")
    return BlockFields(
        body=body, published=published, author=_author_name(author),
        title=_clean(heading[0].text_content()) if heading else None,
        rating=rating[0] if rating else None, rating_raw=rating[1] if rating else None,
        language=(block.xpath("ancestor-or-self::*[@lang][1]/@lang") or [None])[0],
        reply=_reply_text(reply), by_company=_by_company(block),
        element_id=block.get("id") or block.get("data-review-id") or block.get("data-post-id"),
        path=".".join([block.tag, *(block.get("class") or "").split()]),
    )


def _matching(block: Any, pattern: re.Pattern) -> list[Any]:
    return [element for element in block.iterdescendants()
            if isinstance(element.tag, str)
            and pattern.search(" ".join([element.get("class") or "", element.get("itemprop") or "",
                                         element.get("rel") or ""]).lower())]


def _first(block: Any, pattern: re.Pattern, *, with_text: bool = False) -> Any:
    found = [element for element in _matching(block, pattern)
             if not with_text or element.text_content().strip()]
    return found[0] if found else None


def _date_element(block: Any) -> Any:
    times = block.xpath(".//time")
    return times[0] if times else _first(block, _DATE)


def _link_share(block: Any, full: str) -> float:
    linked = sum(len(" ".join(a.text_content().split())) for a in block.xpath(".//a"))
    return linked / max(1, len(full))


def _is_teaser(block: Any) -> bool:
    return bool(block.xpath("(.//h1|.//h2|.//h3|.//h4)//a[@href] | .//a[@href]//h2"
                            " | .//a[@href]//h3"))


def _read_date(element: Any) -> str | None:
    if element is None:
        return None
    for value in (element.get("datetime"), element.get("content"), element.get("title")):
        if value:
            try:
                return to_utc_iso(value.strip())
            except InvalidDate:
                pass
    return date_in_text(element.text_content())


def date_in_text(text: str) -> str | None:
    """The first date written in `text` (`2026-07-14`, `July 14, 2026`, `14 Jul 2026`,
    `14.07.2026`) as ISO UTC text; None when there is none."""
    if (iso := _ISO_DATE.search(text)) is not None:
        try:
            return to_utc_iso(iso.group(0))
        except InvalidDate:
            return None
    if (named := _MONTH_DATE.search(text)) is not None:
        day = named.group(1) or named.group(3)
        if day is None:
            return None
        try:
            moment = datetime.strptime(f"{day} {named.group(2)} {named.group(4)}", "%d %b %Y")
        except ValueError:
            return None
        return to_utc_iso(moment)
    if (dotted := _DOTTED_DATE.search(text)) is not None:
        day, month, year = (int(part) for part in dotted.groups())
        try:
            return to_utc_iso(datetime(year, month, day))
        except ValueError:
            return None
    return None


def _read_rating(element: Any) -> tuple[float | None, str] | None:
    if element is None:
        return None
    for value in (element.get("aria-label"), element.get("title"), element.text_content()):
        if value and (found := _OUT_OF.search(value)) is not None:
            stars, best = found.group(1).replace(",", "."), found.group(2)
            return normalise_rating(stars, best, 1), rating_raw(stars, best)
    shown = element.get("data-rating") or element.get("data-score")
    if shown:
        return normalise_rating(shown, 5, 1), rating_raw(shown, 5)
    widths = [_WIDTH.search(e.get("style") or "") for e in element.iter() if e.get("style")]
    if widths and widths[0] is not None:
        stars = round(float(widths[0].group(1)) / 20, 1)
        return normalise_rating(stars, 5, 1), rating_raw(stars, 5)
    text = element.text_content()
    if "★" in text:
        stars = text.count("★")
        return normalise_rating(stars, stars + text.count("☆"), 1), rating_raw(
            stars, stars + text.count("☆"))
    return None


def _body_text(block: Any, parts: list[Any]) -> str:
    # the story is what is left once its labelled parts, buttons and short links are removed
    bare = copy.deepcopy(block)
    marked = {id(element) for element in parts}
    for original, twin in zip(block.iter(), bare.iter(), strict=True):
        if id(original) in marked:
            twin.set("data-storywatch-part", "1")
    for element in bare.xpath(".//*[@data-storywatch-part] | .//button | .//h2 | .//h3"
                              " | .//h4 | .//h5 | .//h6 | .//img | .//script | .//style"):
        _drop(element)
    for element in list(bare.iter()):
        if element is not bare and isinstance(element.tag, str) and (
                _NOISE.search((element.get("class") or "").lower()) or _short_link(element)):
            _drop(element)
    return html_to_text(lxml_html.tostring(bare, encoding="unicode", with_tail=False))


def _short_link(element: Any) -> bool:
    return element.tag == "a" and len(element.text_content().strip()) < 30


def _drop(element: Any) -> None:
    if element.getparent() is not None:
        element.drop_tree()


def _story_length(body: str) -> bool:
    return len(body) >= MIN_TEXT and len(body.split()) >= MIN_WORDS


def _author_name(element: Any) -> str | None:
    if element is None:
        return None
    name = _BY.sub("", _clean(element.text_content()))
    return name[:80] or None


def _reply_text(element: Any) -> str | None:
    if element is None:
        return None
    bare = copy.deepcopy(element)
    for label in bare.xpath(".//h2|.//h3|.//h4|.//h5|.//h6|.//strong[1]|.//time"):
        _drop(label)
    text = html_to_text(lxml_html.tostring(bare, encoding="unicode", with_tail=False))
    # a label such as a "company-name" span is not an answer
    return text if len(text.split()) >= MIN_WORDS else None


def _by_company(block: Any) -> bool:
    own = (block.get("class") or "").lower()
    return bool(_COMPANY.search(own) or _matching(block, _COMPANY))


def _clean(text: str) -> str:
    return " ".join(text.split())
