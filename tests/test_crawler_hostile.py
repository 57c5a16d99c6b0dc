"""Hostile and broken pages never crash a crawl: each is skipped with its reason, good pages land.

One real Scrapy crawl against a loopback site serving a good source next to malformed JSON-LD,
HTML where JSON was expected, a wrong charset, a 20 MB page, a pagination loop, an off-site
redirect and an empty body.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from storywatch.crawler.run import Source, SourceResult, crawl
from tests.support.loopback import LoopbackSite, Reply, review_page

PAGES = Path(__file__).resolve().parent / "data" / "pages"


def html(text: str, charset: str = "utf-8", encoding: str = "utf-8") -> Reply:
    return Reply(body=text.encode(encoding),
                 headers={"Content-Type": f"text/html; charset={charset}"})


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SourceResult]:
    landing = tmp_path_factory.mktemp("hostile") / "landing"
    routes = {
        "/good/": html(review_page([("g1", "Good one"), ("g2", "Good two")], "/good/2")),
        "/good/2": html(review_page([("g3", "Good three")])),
        "/malformed": Reply(body=(PAGES / "schema_org_malformed.html").read_bytes()),
        "/api/feed.json": html("<html><body><h1>Please enable JavaScript</h1></body></html>"),
        "/latin1": html(review_page([("c1", "Caf\u00e9 cr\u00e8me, d\u00e9j\u00e0 vu")]),
                        charset="utf-8", encoding="latin-1"),
        "/huge": html(review_page([("h1", "x" * (20 * 1024 * 1024))])),
        "/loop/1": html(review_page([("l1", "Loop one")], "/loop/2")),
        "/loop/2": html(review_page([("l2", "Loop two")], "/loop/1")),
        "/moved": Reply(status=301, headers={"Location": "http://localhost.invalid/reviews/"}),
        "/empty": html(""),
    }
    with LoopbackSite(routes) as site:
        names = {"good": ("schema_org", "/good/"), "malformed": ("schema_org", "/malformed"),
                 "html_for_json": ("appstore", "/api/feed.json"),
                 "charset": ("schema_org", "/latin1"), "huge": ("schema_org", "/huge"),
                 "loop": ("schema_org", "/loop/1"), "offsite": ("schema_org", "/moved"),
                 "empty": ("schema_org", "/empty")}
        sources = [Source("Acme", True, fmt, site.url(path)) for fmt, path in names.values()]
        results = crawl(sources, landing, throttle=False, log_file=landing.parent / "crawl.log")
    by_name = dict(zip(names, results, strict=True))
    by_name["landing"] = landing  # type: ignore[assignment]
    return by_name


def test_good_pages_still_land(hostile_crawl: dict) -> None:
    good = hostile_crawl["good"]
    assert good.stories == 3 and good.errors == 0
    assert good.pages == 2


@pytest.mark.parametrize(("name", "reasons", "stories"), [
    ("malformed", {"malformed_jsonld": 1, "http_404": 1}, 0),  # its rel=next is gone too
    ("html_for_json", {"html_not_json": 1}, 0),
    ("huge", {"page_too_large": 1}, 0),
    ("loop", {"pagination_loop": 1}, 2),
    ("offsite", {"offsite_redirect": 1}, 0),
    ("empty", {"empty_page": 1}, 0),
])
def test_each_hostile_page_is_skipped_with_its_reason(
    hostile_crawl: dict, name: str, reasons: dict, stories: int
) -> None:
    result = hostile_crawl[name]
    assert result.error_reasons == reasons
    assert result.errors == sum(reasons.values())
    assert result.stories == stories


def test_wrong_charset_is_counted_and_the_story_still_lands(hostile_crawl: dict) -> None:
    result = hostile_crawl["charset"]
    assert result.error_reasons == {"wrong_charset": 1}
    assert result.stories == 1
    landed = Path(result.landing_file).read_text(encoding="utf-8")
    assert "Caf\u00e9 cr\u00e8me, d\u00e9j\u00e0 vu" in landed


def test_no_partial_files_and_every_landed_story_is_unique(hostile_crawl: dict) -> None:
    landing: Path = hostile_crawl["landing"]
    assert not list(landing.glob("*.part"))
    keys = [json.loads(line)["story_key"] for path in landing.glob("*.jsonl")
            for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(keys) == len(set(keys)) == 6


def test_every_skip_is_logged_with_its_reason(hostile_crawl: dict) -> None:
    log = (hostile_crawl["landing"].parent / "crawl.log").read_text(encoding="utf-8")
    for reason in ("malformed_jsonld", "html_not_json", "wrong_charset", "page_too_large",
                   "pagination_loop", "empty_page"):
        assert f": {reason}" in log or f"({reason})" in log, reason
    assert "redirected off-site to http://localhost.invalid/reviews/" in log
