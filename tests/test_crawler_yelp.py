"""Yelp business pages: reviews read from the page's Apollo state JSON (none are in JSON-LD),
paged through the page's own `?start=N` links, detected by `crawl --url`, crawled end to end."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.crawler.run import Source, crawl
from storywatch.crawler.spiders.auto import detect_format
from storywatch.crawler.spiders.yelp import next_yelp_page, parse_yelp_page
from storywatch.warehouse import connect_read_only
from tests.support.loopback import LoopbackSite, Reply

PAGES = Path(__file__).resolve().parent / "data" / "pages"
BIZ = "/biz/northwind-home-springfield"


def read(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def landed(result) -> list[dict]:
    return [json.loads(line) for line in Path(result.landing_file).read_text().splitlines()]


def test_reviews_come_from_the_apollo_state_with_owner_replies_and_languages() -> None:
    errors: Counter = Counter()
    url = "https://www.yelp.com" + BIZ
    maria, javier, tom = parse_yelp_page(read("yelp_biz.html"), brand="Northwind",
                                         is_competitor=False, page_url=url, errors=errors)
    assert not errors
    assert maria["story_key"] == "yelp:Rv8kQ1mZ0aB" and maria["author"] == "Maria G."
    assert maria["body"] == ('Waited three weeks for a dresser that was "in stock". The receipt '
                             "says 30-day returns but the store refused mine.")
    assert (maria["rating"], maria["rating_raw"]) == (0.25, "2/5")
    assert maria["published_at"] == "2026-03-03T23:21:09Z"  # -05:00 in the state
    assert maria["company_reply"].startswith("Maria, we are sorry.")
    assert maria["company_replied_at"] == "2026-03-04T14:12:00Z"
    assert maria["helpful_votes"] == 4 and maria["story_url"] == url + "?hrid=Rv8kQ1mZ0aB"
    assert (javier["language"], javier["rating"]) == ("es", 1.0)
    assert javier["body"].startswith("Entrega puntual") and javier["company_reply"] is None
    assert (tom["rating"], tom["language"]) == (0.75, "en")


def test_paging_follows_the_pages_own_start_links_on_the_crawled_host() -> None:
    here = "http://127.0.0.1:8000" + BIZ
    assert next_yelp_page(read("yelp_biz.html"), here) == here + "?start=10"
    assert next_yelp_page(read("yelp_biz_start10.html"), here + "?start=10") is None


def test_a_business_without_reviews_gives_no_story_and_no_error() -> None:
    errors: Counter = Counter()
    assert parse_yelp_page(read("yelp_biz_no_reviews.html"), brand="Northwind",
                           is_competitor=False, page_url="https://www.yelp.com/biz/x",
                           errors=errors) == []
    assert not errors


def test_reviews_shown_but_missing_from_the_state_are_counted_not_silently_lost() -> None:
    errors: Counter = Counter()
    page = re.sub(r"<!--\{.*\}-->", '<!--{"Business:nWh0meSpr1ng": {"name": "Northwind"}}-->',
                  read("yelp_biz.html"), flags=re.DOTALL)
    assert parse_yelp_page(page, brand="Northwind", is_competitor=False,
                           page_url="https://www.yelp.com" + BIZ, errors=errors) == []
    assert errors == Counter({"reviews_not_in_yelp_state": 1})


def test_yelp_pages_are_detected_from_the_page_itself() -> None:
    for name in ("yelp_biz.html", "yelp_biz_start10.html", "yelp_biz_no_reviews.html"):
        assert detect_format(read(name))[0] == "yelp", name


def test_a_yelp_business_is_crawled_page_by_page_and_a_recrawl_stops_at_stored_reviews(
    tmp_path: Path,
) -> None:
    routes = {BIZ: Reply(body=read("yelp_biz.html").encode()),
              BIZ + "?start=10": Reply(body=read("yelp_biz_start10.html").encode()),
              "/biz/northwind-outlet": Reply(body=read("yelp_biz_no_reviews.html").encode())}
    with LoopbackSite(routes) as site:
        first, empty = crawl([Source("Northwind", False, "auto", site.url(BIZ)),
                              Source("Northwind", False, "auto", site.url("/biz/northwind-outlet"))],
                             tmp_path / "first", throttle=False)
        stories = landed(first)
        assert site.count(BIZ + "?start=10") == 1
        (again,) = crawl([Source("Northwind", False, "yelp", site.url(BIZ))], tmp_path / "again",
                         throttle=False, known_keys=[s["story_key"] for s in stories])
        assert site.count(BIZ + "?start=10") == 1  # the re-crawl read page 1 only
    assert (first.detected_format, first.stories, first.pages, first.errors) == ("yelp", 4, 2, 0)
    assert [s["author"] for s in stories] == ["Maria G.", "Javier R.", "Tom B.", "Priya S."]
    assert [s["rating"] for s in stories] == [0.25, 1.0, 0.75, 0.0]
    assert {s["source"] for s in stories} == {"yelp"}
    assert stories[3]["published_at"] == "2026-01-09T14:00:00Z"
    assert [s["language"] for s in stories] == ["en", "es", "en", "en"]
    assert sum(s["company_reply"] is not None for s in stories) == 1
    assert (again.stories, again.pages) == (3, 1)
    assert (empty.detected_format, empty.stories, empty.errors, empty.failed) == (
        "yelp", 0, 0, False)


def stored(workdir: Path) -> list[tuple]:
    con = connect_read_only(workdir)
    try:
        return con.execute("SELECT source, author, rating, language FROM stories "
                           "ORDER BY published_at DESC").fetchall()
    finally:
        con.close()


def test_crawl_url_detects_a_yelp_page_and_stores_its_reviews(workdir: Path) -> None:
    routes = {BIZ: Reply(body=read("yelp_biz.html").encode()),
              BIZ + "?start=10": Reply(body=read("yelp_biz_start10.html").encode())}
    with LoopbackSite(routes) as site:
        result = CliRunner().invoke(cli, ["crawl", "--workdir", str(workdir), "--url",
                                          site.url(BIZ), "--brand", "Northwind"],
                                    catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "yelp" in result.output and "4 stories" in result.output
    assert stored(workdir) == [("yelp", "Maria G.", 0.25, "en"), ("yelp", "Javier R.", 1.0, "es"),
                               ("yelp", "Tom B.", 0.75, "en"), ("yelp", "Priya S.", 0.0, "en")]
