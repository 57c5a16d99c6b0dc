"""Honest exit codes: `storywatch crawl` and `run` exit 1 when every source failed, with one line
naming each source and its errors (so a cron `&&` chain stops); when only some failed they exit 0
and say which. Real crawls against a loopback site.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from tests.support.loopback import LoopbackSite, Reply, review_page


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def site() -> Iterator[LoopbackSite]:
    routes = {"/good": Reply(body=review_page([("a", "Fast refund"), ("b", "Rude staff")]).encode()),
              "/about": Reply(body=b"<!DOCTYPE html><html><body>About us</body></html>"),
              "/robots.txt": Reply(body=b"User-agent: *\nDisallow: /private/\n",
                                   headers={"Content-Type": "text/plain"})}
    with LoopbackSite(routes) as loopback:
        yield loopback


def config_for(tmp_path: Path, site: LoopbackSite, *paths: str) -> Path:
    config = tmp_path / "storywatch.toml"
    config.write_text("".join(f'[[sources]]\nbrand = "Acme"\nformat = "schema_org"\n'
                              f'url = "{site.url(path)}"\n\n' for path in paths))
    return config


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Error:")]


def test_crawl_url_of_a_missing_page_exits_1_naming_the_url(site: LoopbackSite,
                                                            workdir: Path) -> None:
    result = invoke("crawl", "--workdir", workdir, "--url", site.url("/gone"), "--brand", "Acme")
    assert result.exit_code == 1
    assert f"Found no stories at {site.url('/gone')}: the crawl reported http_404: 1." \
        in result.output
    (error,) = error_lines(result.output)
    assert error.startswith(f"Error: the source failed: Acme auto {site.url('/gone')} "
                            "(http_404: 1). Check the URL and format")


def test_run_exits_1_when_every_source_failed(site: LoopbackSite, workdir: Path,
                                              tmp_path: Path) -> None:
    config = config_for(tmp_path, site, "/gone", "/private/reviews")
    result = invoke("run", "--workdir", workdir, "--config", config, "--no-progress")
    assert result.exit_code == 1, result.output
    (error,) = error_lines(result.output)
    assert error.startswith(
        f"Error: all 2 sources failed: Acme schema_org {site.url('/gone')} (http_404: 1); "
        f"Acme schema_org {site.url('/private/reviews')} (robots_forbidden: 1).")
    assert "Loaded 0 landing files" in result.output  # the other steps still ran


def test_partial_failure_exits_0_and_says_which_source_failed(site: LoopbackSite, workdir: Path,
                                                              tmp_path: Path) -> None:
    config = config_for(tmp_path, site, "/good", "/gone")
    result = invoke("crawl", "--workdir", workdir, "--config", config)
    assert result.exit_code == 0, result.output
    assert not error_lines(result.output)
    assert ("Crawled 2 stories from 2 sources. 1 failed: "
            f"Acme schema_org {site.url('/gone')} (http_404: 1).") in result.output
    (failed_line,) = [line for line in result.output.splitlines() if line.endswith("FAILED")]
    assert "0 stories, 1 errors (http_404: 1)" in failed_line

