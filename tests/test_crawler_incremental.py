"""Incremental re-crawls, de-duplication across pages, and crash safety (kill -9 mid-crawl).

Real Scrapy crawls against loopback sites, real DuckDB warehouses in temp folders.
"""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from storywatch import pipeline
from storywatch.config import Settings, SourceConfig
from storywatch.crawler.run import CrawlOptions, Source, crawl, start_crawl
from storywatch.demo_site.site import DemoSite
from storywatch.warehouse import connect
from storywatch.warehouse.loader import landing_files
from tests.support.loopback import LoopbackSite, Reply, review_page


def page_requests(site: DemoSite) -> int:
    return sum(path != "/robots.txt" for path in site.requested_paths)


@pytest.mark.slow  # every demo source crawled twice, two stories a page
def test_a_recrawl_stops_at_stories_already_stored(workdir: Path) -> None:
    with DemoSite(page_size=2) as site:
        sources = site.sources()
        settings = Settings(workdir=workdir, sources=tuple(
            SourceConfig(s.brand, s.format, s.url, s.is_competitor) for s in sources))
        first = pipeline.crawl(settings, throttle=False)
        first_requests = page_requests(site)
        assert pipeline.load(settings).inserted == sum(r.stories for r in first)
        site.requested_paths.clear()
        second = pipeline.crawl(settings, throttle=False)
        second_requests = page_requests(site)
    assert first_requests >= 3 * len(sources)  # the first crawl paged through every source
    assert second_requests == len(sources)  # the re-crawl: one page per source
    assert [r.pages for r in second] == [1] * len(sources)
    report = pipeline.load(settings)
    assert report.inserted == 0 and report.unchanged == sum(r.stories for r in second)


@pytest.mark.slow  # two crawls in a row
def test_landed_but_unloaded_stories_count_as_known(workdir: Path) -> None:
    routes = {"/r/": Reply(body=review_page([("a", "One"), ("b", "Two")], "/r/2").encode()),
              "/r/2": Reply(body=review_page([("c", "Three")]).encode())}
    with LoopbackSite(routes) as site:
        settings = Settings(workdir=workdir, sources=(
            SourceConfig("Acme", "schema_org", site.url("/r/")),))
        pipeline.crawl(settings, throttle=False)
        assert site.count("/r/2") == 1
        pipeline.crawl(settings, throttle=False)  # nothing loaded: the landing files still count
    assert site.count("/r/2") == 1 and site.count("/r/") == 3


def test_the_same_story_on_two_pages_lands_once(tmp_path: Path) -> None:
    routes = {"/r/": Reply(body=review_page([("a", "One"), ("b", "Two")], "/r/2").encode()),
              "/r/2": Reply(body=review_page([("b", "Two"), ("c", "Three")]).encode())}
    with LoopbackSite(routes) as site:
        (result,) = crawl([Source("Acme", False, "schema_org", site.url("/r/"))],
                          tmp_path / "landing", throttle=False)
    assert result.stories == 3 and result.errors == 0
    lines = Path(result.landing_file).read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["external_id"].rsplit("/", 1)[1] for line in lines) == [
        "a", "b", "c"]


@pytest.mark.slow  # a crawl killed mid-way, then a full re-crawl
def test_kill_9_mid_crawl_leaves_nothing_loadable_and_a_rerun_loses_nothing(
    workdir: Path, tmp_path: Path
) -> None:
    pages = 30
    routes = {f"/r/{n}": Reply(body=review_page(
        [(f"{n}-1", f"Story {n} one"), (f"{n}-2", f"Story {n} two")],
        f"/r/{n + 1}" if n < pages else None).encode(), delay=0.1) for n in range(1, pages + 1)}
    landing = workdir / "landing"
    with LoopbackSite(routes) as site:
        source = Source("Acme", False, "schema_org", site.url("/r/1"))
        scratch = tmp_path / "scratch"
        scratch.mkdir()
        child = start_crawl([source], landing, scratch, CrawlOptions(throttle=False))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            parts = list(landing.glob("*.part")) if landing.is_dir() else []
            if parts and len(parts[0].read_text(encoding="utf-8").splitlines()) >= 4:
                break
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
        assert child.returncode == -signal.SIGKILL
        assert list(landing.glob("*.jsonl.part")) and not landing_files(workdir)
        settings = Settings(workdir=workdir, sources=(
            SourceConfig("Acme", "schema_org", source.url),))
        assert pipeline.load(settings).files == 0
        for reply in routes.values():
            reply.delay = 0.0
        (result,) = pipeline.crawl(settings, throttle=False)
    assert result.stories == 2 * pages
    assert pipeline.load(settings).inserted == 2 * pages
    con = connect(workdir)
    try:
        keys = [row[0] for row in con.execute("SELECT external_id FROM stories").fetchall()]
    finally:
        con.close()
    assert sorted(keys) == sorted(f"https://shop.example/r/{n}-{i}"
                                  for n in range(1, pages + 1) for i in (1, 2))


@pytest.mark.slow  # two crawls and loads in a row
def test_an_edited_story_updates_its_row_and_the_old_text_stays_in_landing(workdir: Path) -> None:
    routes = {"/r/": Reply(body=review_page([("a", "Slow delivery"), ("b", "Fine")]).encode())}
    with LoopbackSite(routes) as site:
        settings = Settings(workdir=workdir, sources=(
            SourceConfig("Acme", "schema_org", site.url("/r/")),))
        pipeline.crawl(settings, throttle=False)
        assert pipeline.load(settings).inserted == 2
        routes["/r/"] = Reply(body=review_page(
            [("a", "Slow delivery, but they refunded the fee"), ("b", "Fine")]).encode())
        pipeline.crawl(settings, throttle=False)
    report = pipeline.load(settings)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    con = connect(workdir)
    try:
        (body,) = con.execute("SELECT body FROM stories WHERE external_id LIKE '%/a'").fetchone()
    finally:
        con.close()
    assert body == "Slow delivery, but they refunded the fee"
    old, new = sorted((workdir / "landing").glob("*.jsonl"))  # names sort by time
    assert "Slow delivery\"" in old.read_text() and "refunded the fee" in new.read_text()
