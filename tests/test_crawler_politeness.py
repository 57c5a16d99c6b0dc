"""Politeness: 429/503 are waited out (Retry-After), other errors retried a bounded number of
times then counted, Reddit's X-Ratelimit-* headers honoured, a descriptive User-Agent sent."""
from __future__ import annotations

from pathlib import Path

import pytest

from storywatch.crawler.middlewares import retry_after_seconds, site_of
from storywatch.crawler.run import Source, crawl
from tests.support.loopback import LoopbackSite, Reply, review_page

PAGES = Path(__file__).resolve().parent / "data" / "pages"
JSON = {"Content-Type": "application/json; charset=UTF-8"}


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds(b"3", default=5, cap=60) == 3.0
    assert retry_after_seconds("120", default=5, cap=60) == 60.0
    assert retry_after_seconds(None, default=5, cap=60) == 5.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", default=5, cap=60) == 0.0
    assert retry_after_seconds("soon", default=5, cap=60) == 5.0
    assert site_of("https://www.Example.com/x") == site_of("http://example.com/") == "example.com"


@pytest.fixture(scope="module")
def polite_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[LoopbackSite, list]:
    reddit_first = (PAGES / "reddit_listing.json").read_bytes()
    reddit_last = (PAGES / "reddit_listing_last.json").read_bytes()
    limited = {**JSON, "X-Ratelimit-Remaining": "0.0", "X-Ratelimit-Reset": "1",
               "X-Ratelimit-Used": "100"}
    routes = {
        "/busy/": Reply(body=review_page([("b1", "Worth the wait")]).encode(),
                        first=[(429, {"Retry-After": "1"}), (503, {"Retry-After": "0"})]),
        "/always-busy/": Reply(body=b"", first=[(429, {"Retry-After": "0"})] * 10),
        "/broken/": Reply(status=500, body=b"oops"),
        "/r/sofas/new.json": Reply(body=reddit_first, headers=limited),
        "/r/sofas/new.json?after=t3_1e3k9zb&count=3": Reply(body=reddit_last, headers=JSON),
    }
    with LoopbackSite(routes) as site:
        sources = [Source("Acme", False, "schema_org", site.url("/busy/")),
                   Source("Acme", False, "schema_org", site.url("/always-busy/")),
                   Source("Acme", False, "schema_org", site.url("/broken/")),
                   Source("Acme", False, "reddit", site.url("/r/sofas/new.json"))]
        results = crawl(sources, tmp_path_factory.mktemp("polite") / "landing", throttle=False,
                        settings={"STORYWATCH_BACKOFF_RETRIES": 2, "STORYWATCH_MAX_BACKOFF": 2})
    return site, results


def request_times(site: LoopbackSite, path: str) -> list[float]:
    return [t for p, t in zip(site.requested, site.request_times, strict=True) if p == path]


def test_429_and_503_are_waited_out_and_the_page_lands(polite_crawl: tuple) -> None:
    site, (busy, *_) = polite_crawl
    assert busy.stories == 1 and busy.errors == 0
    first, second, third = request_times(site, "/busy/")
    assert second - first >= 0.9  # Retry-After: 1
    assert third - second < 0.9


def test_backoff_and_retries_are_bounded_then_counted(polite_crawl: tuple) -> None:
    site, (_, always_busy, broken, _) = polite_crawl
    assert site.count("/always-busy/") == 3  # the request and 2 back-off retries
    assert always_busy.error_reasons == {"http_429": 1}
    assert site.count("/broken/") == 3  # RETRY_TIMES = 2
    assert broken.error_reasons == {"http_500": 1}


def test_reddit_rate_limit_headers_and_user_agent(polite_crawl: tuple) -> None:
    site, (*_, reddit) = polite_crawl
    assert reddit.stories == 3 and reddit.error_reasons == {"deleted_post": 1}
    (first,) = request_times(site, "/r/sofas/new.json")
    (second,) = request_times(site, "/r/sofas/new.json?after=t3_1e3k9zb&count=3")
    assert second - first >= 0.9  # X-Ratelimit-Remaining: 0, X-Ratelimit-Reset: 1
    assert any(agent.startswith("python:storywatch:") for agent in site.user_agents)
