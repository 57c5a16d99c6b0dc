"""Limits that keep a crawl finite and honest: gzip bombs are counted errors, endless pagination
stops at a page cap or a time cap that the summary names, and a feed whose root element comes
after a long prolog is still read as a feed.

Real Scrapy crawls (through `storywatch crawl`) against loopback sites.
"""
from __future__ import annotations

import time
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.crawler.run import Source, crawl
from tests.support.loopback import LoopbackSite, Reply, endless_reviews, review_page

PAGES = Path(__file__).resolve().parent / "data" / "pages"


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def gzip_bomb(inflated_mb: int) -> bytes:
    """A gzip body of about inflated_mb/1000 MB that inflates to `inflated_mb` MB of spaces."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b" " * (1 << 20)
    return b"".join(packer.compress(chunk) for _ in range(inflated_mb)) + packer.flush()


@pytest.mark.slow  # two crawls (direct and CLI), each inflating 64 MB of gzip
def test_a_gzip_bomb_is_a_counted_error_not_an_empty_page(workdir: Path) -> None:
    bomb = Reply(body=gzip_bomb(64), headers={"Content-Type": "text/html",
                                              "Content-Encoding": "gzip"})
    good = Reply(body=review_page([("a", "Arrived on time")]).encode())
    with LoopbackSite({"/bomb": bomb, "/good": good}) as site:
        landing = workdir / "landing"
        bombed, fine = crawl([Source("Acme", False, "schema_org", site.url("/bomb")),
                              Source("Acme", False, "schema_org", site.url("/good"))],
                             landing, throttle=False)
        cli_run = invoke("crawl", "--workdir", workdir, "--url", site.url("/bomb"),
                         "--brand", "Acme")
    assert len(bomb.body) < 200_000  # small on the wire, 64 MB inflated (the cap is 8 MB)
    assert bombed.error_reasons == {"decompression_bomb": 1} and bombed.errors == 1
    assert bombed.failed and bombed.stories == 0
    assert fine.stories == 1 and not fine.failed
    assert cli_run.exit_code == 1
    assert "the crawl reported decompression_bomb: 1" in cli_run.output
    assert "not stored already" not in cli_run.output


def endless_config(tmp_path: Path, url: str, caps: str) -> Path:
    config = tmp_path / "storywatch.toml"
    config.write_text(f'[brand]\nname = "Acme"\n\n[[sources]]\nbrand = "Acme"\n'
                      f'format = "schema_org"\nurl = "{url}"\n\n[crawl]\n{caps}\n')
    return config


@pytest.mark.slow  # crawls page after page up to the cap
def test_endless_pagination_stops_at_the_page_cap(workdir: Path, tmp_path: Path) -> None:
    with LoopbackSite({}, endless_reviews("/e/")) as site:
        config = endless_config(tmp_path, site.url("/e/1"), "max_pages_per_source = 4")
        result = invoke("crawl", "--workdir", workdir, "--config", config)
        requested = site.count("/e/")
    assert result.exit_code == 0, result.output
    assert requested == 4
    assert "8 stories; cap reached (max_pages_per_source = 4), later pages not crawled" \
        in result.output
    assert "Loaded 1 landing files: 8 new stories" in result.output


@pytest.mark.slow  # waits for the crawl's time cap by design
def test_endless_pagination_stops_at_the_time_cap(workdir: Path, tmp_path: Path) -> None:
    with LoopbackSite({}, endless_reviews("/e/", delay=0.3)) as site:
        config = endless_config(tmp_path, site.url("/e/1"),
                                "max_pages_per_source = 0\nmax_minutes_per_source = 0.04")
        started = time.monotonic()
        result = invoke("crawl", "--workdir", workdir, "--config", config)
        took = time.monotonic() - started
        requested = site.count("/e/")
    assert result.exit_code == 0, result.output
    assert "cap reached (max_minutes_per_source = 0.04), later pages not crawled" in result.output
    assert "Loaded 1 landing files" in result.output  # what it found before the cap still lands
    assert 2 <= requested < 15 and took < 20  # 2.4 s of crawling, then it stopped


def test_the_default_caps_are_documented_and_applied() -> None:
    from storywatch.config import CrawlOptions
    from storywatch.crawler import settings

    options = CrawlOptions()
    assert (options.max_pages_per_source, options.max_minutes_per_source) == (200, 30.0)
    assert settings.STORYWATCH_MAX_PAGES_PER_SOURCE == 200
    assert settings.CLOSESPIDER_TIMEOUT == 30 * 60
    doc = (Path(__file__).resolve().parent.parent / "docs" / "crawling.md").read_text()
    assert "max_pages_per_source = 200" in doc and "max_minutes_per_source = 30" in doc


RSS = (PAGES / "rss.xml").read_text(encoding="utf-8")
DECLARATION, REST = RSS.split("\n", 1)


@pytest.mark.slow  # a crawl per feed, each in its own process
@pytest.mark.parametrize("feed", [
    DECLARATION + "\n<!-- " + "generated by a very chatty CMS. " * 200 + "-->\n" + REST,
    DECLARATION + "\n" + " \n" * 3000 + '<?xml-stylesheet type="text/xsl" href="/rss.xsl"?>\n'
    + "<!-- a -->\n" * 400 + REST,
    "\ufeff" + DECLARATION + "\n" + "\t" * 5000 + REST,
], ids=["long-comment", "whitespace-and-processing-instructions", "bom-and-tabs"])
def test_a_feed_whose_root_comes_after_2_kb_is_still_a_feed(workdir: Path, feed: str) -> None:
    assert feed.index("<rss") > 2048
    routes = {"/feed": Reply(body=feed.encode("utf-8"),
                             headers={"Content-Type": "application/xml; charset=utf-8"})}
    with LoopbackSite(routes) as site:
        result = invoke("crawl", "--workdir", workdir, "--url", site.url("/feed"),
                        "--brand", "Sofatown")
    assert result.exit_code == 0, result.output
    assert f"Found 2 stories at {site.url('/feed')} (format: feed)." in result.output
