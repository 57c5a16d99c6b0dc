"""`storywatch crawl --url`: any one URL, its format detected, stories landed AND loaded; why
not when none; `storywatch sources` shows each source's errors; crawl options from the config."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.config import ConfigError, load_settings
from storywatch.warehouse import connect_read_only
from tests.support.loopback import LoopbackSite, Reply

PAGES = Path(__file__).resolve().parent / "data" / "pages"


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def site():
    routes = {
        "/feed": Reply(body=(PAGES / "rss.xml").read_bytes(),
                       headers={"Content-Type": "application/rss+xml; charset=utf-8"}),
        "/about": Reply(body=b"<!DOCTYPE html><html><body><h1>About us</h1></body></html>"),
        "/forum/": Reply(body=b'<!DOCTYPE html><html><head><link rel="alternate" '
                              b'type="application/rss+xml" title="Latest" href="/feed">'
                              b"</head><body><h1>Forum</h1></body></html>"),
    }
    with LoopbackSite(routes) as loopback:
        yield loopback


def test_crawl_url_detects_the_format_lands_and_loads(site: LoopbackSite, workdir: Path) -> None:
    result = invoke("crawl", "--workdir", workdir, "--url", site.url("/feed"),
                    "--brand", "Sofatown", "--competitor", "--max-pages", 2)
    assert result.exit_code == 0, result.output
    assert f"Found 2 stories at {site.url('/feed')} (format: feed)." in result.output
    assert "Loaded 1 landing files: 2 new stories" in result.output
    con = connect_read_only(workdir)
    try:
        rows = con.execute("SELECT source, brand, is_competitor, body FROM stories "
                           "ORDER BY story_key").fetchall()
    finally:
        con.close()
    assert [row[:3] for row in rows] == [("feed", "Sofatown", True)] * 2
    assert "Call me: [phone]." in rows[1][3]  # redacted before storage
    listing = invoke("sources", "--workdir", workdir)
    assert "Sofatown" in listing.output and "feed" in listing.output


def test_crawl_url_follows_the_feed_a_page_advertises(site: LoopbackSite, workdir: Path) -> None:
    result = invoke("crawl", "--workdir", workdir, "--url", site.url("/forum/"),
                    "--brand", "Sofatown")
    assert f"Found 2 stories at {site.url('/forum/')} (format: feed)." in result.output


@pytest.mark.slow  # three crawls, each in its own process
def test_crawl_url_says_why_nothing_was_found(site: LoopbackSite, workdir: Path) -> None:
    result = invoke("crawl", "--workdir", workdir, "--url", site.url("/about"),
                    "--brand", "Sofatown")
    assert result.exit_code == 1, result.output  # a page in no known format is a failed source
    assert f"Found no stories at {site.url('/about')}: no stories in a known format" \
        in result.output
    gone = invoke("crawl", "--workdir", workdir, "--url", site.url("/gone"), "--brand", "X")
    assert f"Found no stories at {site.url('/gone')}: the crawl reported http_404: 1." \
        in gone.output
    listing = invoke("sources", "--workdir", workdir)
    assert "errors: unknown_format: 1" in listing.output
    assert "errors: http_404: 1" in listing.output


def test_crawl_url_needs_a_brand(workdir: Path) -> None:
    result = CliRunner().invoke(cli, ["crawl", "--workdir", str(workdir), "--url", "http://x/"])
    assert result.exit_code == 2 and "--url needs --brand NAME" in result.output


def test_crawl_options_come_from_the_config_then_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "storywatch.toml"
    config.write_text('[crawl]\nredact = false\nbackoff_retries = 1\nuser_agent = "acme-bot/1"\n')
    settings = load_settings(tmp_path, config, environ={})
    assert settings.crawl.redact is False and settings.crawl.incremental is True
    assert settings.crawl.scrapy_settings() == {"STORYWATCH_BACKOFF_RETRIES": 1,
                                                "STORYWATCH_MAX_BACKOFF": 60.0,
                                                "STORYWATCH_MAX_PAGES_PER_SOURCE": 200,
                                                "CLOSESPIDER_TIMEOUT": 1800.0,
                                                "USER_AGENT": "acme-bot/1"}
    assert load_settings(tmp_path, config, environ={"STORYWATCH_REDACT": "1"}).crawl.redact
    assert not load_settings(tmp_path, None, environ={"STORYWATCH_REDACT": "0"}).crawl.redact
    with pytest.raises(ConfigError, match="set it to 1 or 0"):
        load_settings(tmp_path, config, environ={"STORYWATCH_REDACT": "maybe"})
    config.write_text('[[sources]]\nbrand = "Acme"\nurl = "https://acme.example/reviews"\n')
    (source,) = load_settings(tmp_path, config, environ={}).sources
    assert source.format == "auto"  # detected from the page when not given
    config.write_text("[crawl]\nredcat = true\n")
    with pytest.raises(ConfigError, match="unknown option 'redcat'"):
        load_settings(tmp_path, config, environ={})
    config.write_text("[crawl]\nmax_pages_per_source = 50\nmax_minutes_per_source = 2.5\n")
    caps = load_settings(tmp_path, config, environ={}).crawl.scrapy_settings()
    assert caps["STORYWATCH_MAX_PAGES_PER_SOURCE"] == 50 and caps["CLOSESPIDER_TIMEOUT"] == 150
    config.write_text("[crawl]\nmax_minutes_per_source = -1\n")
    with pytest.raises(ConfigError, match="must be 0 \\(no cap\\) or more"):
        load_settings(tmp_path, config, environ={})
