"""Pages whose reviews storywatch cannot read: reviews that only JavaScript loads.

Many shops render an empty review container and fill it in the browser from an API. storywatch
does not run JavaScript, so such a page gives no story however well its format is known;
`reviews_loaded_by_javascript()` recognises that shape (a review container without text, and
script bundles or an API address for the reviews) and says so, with the address to crawl instead
when the page gives one.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

_LOWER = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_NAMED = " or ".join(f"contains({_LOWER.format(attribute)}, '{word}')"
                     for attribute in ("@id", "@class") for word in ("reviews", "comments"))
_CONTAINER = ("//*[self::div or self::section or self::ul or self::ol or self::article"
              f" or self::aside][{_NAMED}]")
_API_ATTRIBUTE = re.compile(r"(endpoint|api|src|url|feed)", re.IGNORECASE)
_API_IN_SCRIPT = re.compile(r"""["'](/[^"'\s]*(?:api|graphql)[^"'\s]*review[^"'\s]*)["']""",
                            re.IGNORECASE)
_MAX_TEXT = 40
_UTF8_HTML = lxml_html.HTMLParser(encoding="utf-8")


def reviews_loaded_by_javascript(text: str, url: str = "") -> str | None:
    """Why the page's reviews cannot be read when JavaScript loads them, or None."""
    if not text.lstrip().startswith("<"):
        return None
    try:
        root = lxml_html.fromstring(text.encode("utf-8"), parser=_UTF8_HTML)
    except (etree.ParserError, ValueError):
        return None
    empty = [element for element in root.xpath(_CONTAINER) if _looks_empty(element)]
    bundles = root.xpath("//script/@src")
    if not empty or not bundles:
        return None
    api = _api_hint(empty, root)
    where = f"; its API is {urljoin(url, api)}" if api else ""
    scripts = f"{len(bundles)} script bundle" + ("s" if len(bundles) > 1 else "")
    return (f"the page has a review section ({_describe(empty[0])}) that is empty in the HTML: "
            f"its reviews are loaded by JavaScript ({scripts}{where}), "
            "which storywatch does not run. Crawl the site's review feed or API instead "
            "(docs/crawling.md lists the formats)")


def _looks_empty(element: Any) -> bool:
    # a "please enable JavaScript" message in <noscript> is not content
    shown = "".join(element.xpath(".//text()[not(ancestor::noscript)]"))
    return len(" ".join(shown.split())) < _MAX_TEXT


def _api_hint(containers: list[Any], root: Any) -> str | None:
    for element in containers:
        for name, value in element.attrib.items():
            if name.startswith("data-") and _API_ATTRIBUTE.search(name) and "/" in value:
                return value.strip()
    for script in root.xpath("//script[not(@src)]/text()"):
        if (found := _API_IN_SCRIPT.search(script)) is not None:
            return found.group(1)
    return None


def _describe(element: Any) -> str:
    if element.get("id"):
        return f"{element.tag}#{element.get('id')}"
    return ".".join([element.tag, *(element.get("class") or "").split()[:1]])
