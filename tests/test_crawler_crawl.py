"""Real Scrapy crawls on loopback: the demo site end to end, robots.txt, bad pages, limits."""
from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from storywatch.crawler.items import STORY_FIELDS, html_to_text, to_utc_iso
from storywatch.crawler.redact import redact_text
from storywatch.crawler.run import CrawlError, Source, crawl
from storywatch.demo_site.site import PLANTED_STORIES, DemoSite

PAGES = Path(__file__).resolve().parent / "data" / "pages"
DEMO_STORIES = Path(__file__).resolve().parent.parent / "storywatch" / "demo_site" / "stories.jsonl"


def landed(landing: Path) -> list[dict]:
    return [json.loads(line) for path in sorted(landing.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def demo_site() -> Iterator[DemoSite]:
    with DemoSite() as site:
        yield site


def test_demo_crawl_lands_every_story_and_obeys_robots(demo_site: DemoSite, tmp_path: Path) -> None:
    expected = [json.loads(line) for path in (DEMO_STORIES, PLANTED_STORIES)
                for line in path.read_text().splitlines() if line.strip()]
    private = Source("Northwind", False, "schema_org", demo_site.base_url + "/private/reviews")
    results = crawl([*demo_site.sources(), private], tmp_path / "landing", throttle=False)

    assert sum(r.stories for r in results) == len(expected)
    assert not list((tmp_path / "landing").glob("*.part"))
    stories = landed(tmp_path / "landing")
    assert len(stories) == len(expected)
    assert len({s["story_key"] for s in stories}) == len(expected)
    # keys must not depend on the demo server's random port, or a re-run would duplicate stories
    assert not [s["story_key"] for s in stories if "127.0.0.1" in s["story_key"]]
    for story in stories:
        assert set(story) == set(STORY_FIELDS)
        assert story["body"] and "<" not in story["body"]
        assert story["published_at"] == to_utc_iso(story["published_at"])
        assert story["is_competitor"] is (story["brand"] != "Northwind")
        assert story["rating"] is None or 0.0 <= story["rating"] <= 1.0
    landed_mix = Counter((s["brand"], s["source"]) for s in stories)
    assert landed_mix == Counter((s["brand"], s["channel"]) for s in expected)
    assert sorted(s["body"] for s in stories) == sorted(redact_text(html_to_text(s["body"]))
                                                      for s in expected)

    *site_results, private_result = results
    for result in site_results:
        assert result.errors == 0, result.error_reasons
        assert result.landing_file and Path(result.landing_file).name.endswith(
            f"-{result.source.format}-" + Path(result.landing_file).name.split("-")[-1])
    assert len({r.landing_file for r in site_results}) == len(site_results)
    assert private_result.stories == 0 and private_result.landing_file is None
    assert private_result.error_reasons == {"robots_forbidden": 1}
    assert not [p for p in demo_site.requested_paths if p.startswith("/private/")]
    assert "/robots.txt" in demo_site.requested_paths


def test_story_fields_with_markup_survive_every_channel(tmp_path: Path) -> None:
    nasty = '<script>alert("x")</script> Tom & "Jerry" </p> <b>5 < 6</b>'
    channels = ["schema_org", "trustpilot", "appstore", "cfpb"]
    rows = [{"id": f"t-{i}", "brand": brand, "channel": channel, "author": nasty, "title": nasty,
             "body": f"{nasty} story {i}", "rating": 4, "published": "2026-08-03",
             "helpful_votes": 2, "company_reply": nasty, "reply_date": "2026-08-04",
             "app_version": "1.0", "product": "Credit card", "issue": "Fees", "state": "OH"}
            for i, (brand, channel) in enumerate(
                [(b, c) for b in ("Northwind", "Brightmart") for c in channels])]
    stories_path = tmp_path / "stories.jsonl"
    stories_path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    with DemoSite(stories_path) as site:
        results = crawl(site.sources(), tmp_path / "landing", throttle=False)
    assert [r.stories for r in results] == [1] * len(rows)
    for story in landed(tmp_path / "landing"):
        clean = 'alert("x") Tom & "Jerry"\n5 < 6'
        assert story["body"].startswith(clean + " story ")
        if story["source"] != "cfpb":
            assert story["author"] == clean
        assert story["title"] in (None, clean)


# A chain of saved pages linked by rel=next: good, malformed JSON-LD, microdata, empty.
PAGE_ROUTES = {
    "/reviews/": "schema_org_jsonld_graph.html",
    "/reviews/page/2/": "schema_org_malformed.html",
    "/reviews/page/3/": "schema_org_microdata.html",
    "/reviews?page=3": "empty.html",
    "/blank": "empty.html",
}


class _PagesHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        name = PAGE_ROUTES.get(self.path)
        data = (PAGES / name).read_bytes() if name else b"not found"
        self.send_response(200 if name else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture()
def pages_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PagesHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_bad_pages_are_skipped_and_counted(pages_site: str, tmp_path: Path) -> None:
    sources = [Source("Acme", True, "schema_org", pages_site + "/reviews/"),
               Source("Acme", True, "schema_org", pages_site + "/blank"),
               Source("Acme", True, "schema_org", pages_site + "/gone")]
    chain, blank, gone = crawl(sources, tmp_path / "landing", throttle=False)
    assert gone.error_reasons == {"http_404": 1}
    assert chain.stories == 4  # 2 on page 1, none on the broken page 2, 2 on page 3
    assert chain.error_reasons == {"malformed_jsonld": 1, "empty_page": 1}
    assert chain.errors == 2
    assert blank.stories == 0 and blank.landing_file is None
    assert blank.error_reasons == {"empty_page": 1}
    authors = {s["author"] for s in landed(tmp_path / "landing")}
    assert authors == {"Maria G.", "Tom", "Priya & Dev", "Anonymous"}


def test_max_pages_limits_each_source(tmp_path: Path) -> None:
    with DemoSite(page_size=2) as site:
        sources = [s for s in site.sources() if s.format in ("trustpilot", "schema_org")]
        results = crawl(sources, tmp_path / "landing", max_pages=1, throttle=False)
        per_source = {(s.brand, s.format): len(site.brand_stories(s.brand, s.format))
                      for s in sources}
    for result in results:
        expected = min(2, per_source[(result.source.brand, result.source.format)])
        assert result.stories == expected


def test_bad_configuration_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CrawlError, match="unknown source format 'rss'"):
        crawl([Source("Acme", False, "rss", "http://127.0.0.1:9/feed")], tmp_path)
    with pytest.raises(CrawlError, match="needs an http"):
        crawl([Source("Acme", False, "cfpb", "127.0.0.1:9/api")], tmp_path)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(CrawlError, match="cannot create the landing or log folder"):
        crawl([Source("Acme", False, "cfpb", "http://127.0.0.1:9/api")], tmp_path / "a-file")
    assert crawl([], tmp_path) == []
    with pytest.raises(TypeError, match="max_page"):  # a misspelt option fails before crawling
        crawl([Source("Acme", False, "cfpb", "http://127.0.0.1:9/api")], tmp_path, max_page=1)


def test_a_failing_crawl_process_raises_crawl_error(tmp_path: Path) -> None:
    source = Source("Acme", False, "cfpb", "http://127.0.0.1:9/api")
    with pytest.raises(CrawlError, match="the crawl process failed"):
        crawl([source], tmp_path / "landing", log_file=tmp_path)  # a folder cannot be a log
