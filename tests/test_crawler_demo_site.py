"""The demo site serves each channel in the real site's shape, escaped, with robots.txt."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from storywatch.demo_site.site import DemoSite, DemoSiteError

STORY = {"id": "x-1", "brand": "Brightmart", "channel": "schema_org", "author": "Al <b>",
         "title": "A & B", "body": "Body <script>alert(1)</script>", "rating": 2,
         "published": "2026-08-03", "helpful_votes": 1, "company_reply": None,
         "reply_date": None, "app_version": None, "product": None, "issue": None, "state": None}


def get(url: str) -> str:
    with urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[DemoSite]:
    rows = [STORY, {**STORY, "id": "x-2", "brand": "Northwind", "channel": "trustpilot"},
            {**STORY, "id": "x-3", "brand": "Northwind", "channel": "appstore"},
            {**STORY, "id": "x-4", "brand": "HomeHaven", "channel": "cfpb"}]
    path = tmp_path / "stories.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    with DemoSite(path) as demo:
        yield demo


def test_sources_cover_each_brand_and_channel(site: DemoSite) -> None:
    sources = [(s.brand, s.format, s.is_competitor) for s in site.sources()]
    assert sources == [("Northwind", "trustpilot", False), ("Northwind", "appstore", False),
                       ("Brightmart", "schema_org", True), ("HomeHaven", "cfpb", True)]
    assert all(s.url.startswith(site.base_url + "/") for s in site.sources())


def test_html_pages_escape_story_fields_and_link_private(site: DemoSite) -> None:
    microdata = get(site.source_url("Brightmart", "schema_org"))
    assert 'itemtype="https://schema.org/Review"' in microdata
    assert "<script>alert(1)" not in microdata and "&lt;script&gt;alert(1)" in microdata
    assert "Al &lt;b&gt;" in microdata and "A &amp; B" in microdata
    assert 'href="/private/account"' in microdata
    trustpilot = get(site.source_url("Northwind", "trustpilot"))
    assert '<script id="__NEXT_DATA__" type="application/json">' in trustpilot
    assert '<script type="application/ld+json"' in trustpilot
    assert "<script>alert(1)" not in trustpilot and "\\u003cscript\\u003e" in trustpilot


def test_json_channels_and_robots(site: DemoSite) -> None:
    feed = json.loads(get(site.source_url("Northwind", "appstore")))
    assert feed["feed"]["entry"][0]["im:rating"] == {"label": "2"}
    assert "entry" not in json.loads(get(site.source_url("Northwind", "appstore")
                                         .replace("page=1/", "page=2/")))["feed"]
    api = json.loads(get(site.source_url("HomeHaven", "cfpb")))
    assert api["hits"]["total"]["value"] == 1
    assert api["hits"]["hits"][0]["_source"]["complaint_what_happened"] == STORY["body"]
    assert "Disallow: /private/" in get(site.base_url + "/robots.txt")
    with pytest.raises(HTTPError):
        get(site.base_url + "/nowhere")


def test_sources_need_a_running_site() -> None:
    with pytest.raises(DemoSiteError, match="call start"):
        DemoSite().sources()
