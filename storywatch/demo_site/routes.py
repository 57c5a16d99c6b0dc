"""URL routing for the demo site: which page of which brand's stories a path asks for.

`route()` maps a request path and query to `(status, content type, body)` using the real sources'
URL shapes: `/reviews/{brand}/?page=N` (schema.org), `/review/www.{brand}.example?page=N`
(Trustpilot), `/us/rss/customerreviews/page={n}/id={app}/sortby=mostrecent/json` (App Store) and
`/data-research/consumer-complaints/search/api/v1/?company=...&frm=...&size=...` (CFPB).
"""
from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from storywatch.demo_site import pages as demo_pages
from storywatch.demo_site.site import ROBOTS_TXT, DemoSite, _slug, app_id, cfpb_company

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
Answer = tuple[int, str, str]
_APPSTORE = re.compile(r"^/us/rss/customerreviews/page=(\d+)/id=(\d+)/sortby=mostrecent/json$")
_TRUSTPILOT = re.compile(r"^/review/www\.([a-z0-9]+)\.example/?$")
_SCHEMA_ORG = re.compile(r"^/reviews/([a-z0-9]+)/?$")
CFPB_PATH = "/data-research/consumer-complaints/search/api/v1/"


def route(site: DemoSite, path: str, query: dict[str, list[str]]) -> Answer:
    """The answer to GET `path?query` on the demo site."""
    if path == "/robots.txt":
        return 200, "text/plain; charset=utf-8", ROBOTS_TXT
    if path == "/":
        return 200, HTML, _index(site)
    if path.startswith("/private/"):
        return _schema_org(site, "Northwind", 1, "/private/reviews")
    page = _int(query, "page", 1)
    if match := _SCHEMA_ORG.match(path):
        brand = site.brand_for(match.group(1))
        return _schema_org(site, brand, page, path) if brand else _not_found()
    if match := _TRUSTPILOT.match(path):
        brand = site.brand_for(match.group(1))
        return _trustpilot(site, brand, page) if brand else _not_found()
    if match := _APPSTORE.match(path):
        brand = next((b for b in _brands(site) if app_id(b) == match.group(2)), None)
        return _appstore(site, brand, int(match.group(1))) if brand else _not_found()
    if path == CFPB_PATH:
        return _cfpb(site, query)
    return _not_found()


def _int(query: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return max(0, int((query.get(name) or [default])[0]))
    except ValueError:
        return default


def _brands(site: DemoSite) -> list[str]:
    return sorted({s["brand"] for s in site.stories})


def _not_found() -> Answer:
    return 404, HTML, demo_pages.html_page("Page not found", "<p>This page does not exist.</p>")


def _slice(stories: list[dict[str, Any]], page: int, size: int) -> list[dict[str, Any]]:
    return stories[(page - 1) * size: page * size] if page >= 1 else []


def _schema_org(site: DemoSite, brand: str, page: int, path: str) -> Answer:
    stories = site.brand_stories(brand, "schema_org")
    chunk = _slice(stories, page, site.page_size)
    if not chunk and page > 1:
        return _not_found()
    next_url = f"{path}?page={page + 1}" if page * site.page_size < len(stories) else None
    canonical = f"https://www.{_slug(brand)}.example/reviews/"
    if brand == "Brightmart":
        body = demo_pages.schema_org_microdata_page(brand, chunk, canonical, next_url=next_url)
    else:
        body = demo_pages.schema_org_jsonld_page(brand, chunk, canonical,
                                                 graph=brand == "Northwind", next_url=next_url)
    return 200, HTML, body


def _trustpilot(site: DemoSite, brand: str, page: int) -> Answer:
    stories = site.brand_stories(brand, "trustpilot")
    chunk = _slice(stories, page, site.page_size)
    if not chunk and page > 1:
        return _not_found()
    domain = f"www.{_slug(brand)}.example"
    more = page * site.page_size < len(stories)
    body = demo_pages.trustpilot_page(
        brand, domain, chunk, page=page, per_page=site.page_size, total=len(stories),
        base=site.base_url or "", next_url=f"/review/{domain}?page={page + 1}" if more else None)
    return 200, HTML, body


def _appstore(site: DemoSite, brand: str, page: int) -> Answer:
    if not 1 <= page <= 10:
        return 400, JSON, json.dumps({"error": "page must be 1..10"})
    chunk = _slice(site.brand_stories(brand, "appstore"), page, site.page_size)
    feed = demo_pages.appstore_feed(brand, app_id(brand), chunk, page=page,
                                    base=site.base_url or "")
    return 200, JSON, json.dumps(feed, ensure_ascii=False)


def _cfpb(site: DemoSite, query: dict[str, list[str]]) -> Answer:
    company = (query.get("company") or [""])[0]
    brand = next((b for b in _brands(site) if cfpb_company(b) == company), None)
    stories = site.brand_stories(brand, "cfpb") if brand else []
    start, size = _int(query, "frm", 0), _int(query, "size", 25) or 25
    answer = demo_pages.cfpb_answer(company, stories[start: start + size], total=len(stories))
    return 200, JSON, json.dumps(answer, ensure_ascii=False)


def _index(site: DemoSite) -> str:
    links = "\n".join(
        f'<li><a href="{escape(s.url)}">{escape(s.brand)}: {escape(s.format)}</a></li>'
        for s in site.sources())
    return demo_pages.html_page("Demo review sources", f"<ul>{links}</ul>")
