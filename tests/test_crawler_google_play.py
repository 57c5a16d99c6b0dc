"""Google Play app pages: reviews read from the HTML (ratings from aria-labels or star widths,
dates as written, developer replies, the page's language), detected by `crawl --url`, crawled
end to end."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.crawler.run import Source, crawl
from storywatch.crawler.spiders.auto import detect_format
from storywatch.crawler.spiders.google_play import parse_google_play_page, play_date, play_stars
from storywatch.warehouse import connect_read_only
from tests.support.loopback import LoopbackSite, Reply

PAGES = Path(__file__).resolve().parent / "data" / "pages"
APP = "/store/apps/details?id=example.northwind.shop"


def read(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def parse(name: str, errors: Counter) -> list[dict]:
    return parse_google_play_page(read(name), brand="Northwind", is_competitor=False,
                                  page_url="https://play.google.com" + APP, errors=errors)


def test_reviews_ratings_dates_and_developer_replies_are_read_from_the_html() -> None:
    errors: Counter = Counter()
    sam, ada, chris = parse("google_play_app.html", errors)
    assert not errors
    assert sam["story_key"] == "google_play:gp:AOqpTOGq1nW3xRk8dYbZ0aLmP2sT"
    assert sam["author"] == "Sam Lee" and sam["body"].startswith("The app said my order")
    assert (sam["rating"], sam["rating_raw"]) == (0.25, "2/5")  # "Rated 2 stars out of five"
    assert sam["published_at"] == "2026-03-03T00:00:00Z"  # "March 3, 2026"
    assert sam["helpful_votes"] == 1204  # "1,204 people found this review helpful"
    assert sam["company_reply"].startswith("Hi Sam, we are sorry about the pickup mix-up.")
    assert sam["company_replied_at"] == "2026-03-04T00:00:00Z"
    assert sam["raw"]["developer"] == "Northwind Retail Ltd" and sam["language"] == "en-US"
    assert (ada["rating"], ada["rating_raw"]) == (0.75, "4/5")  # a star bar 80% wide
    assert ada["helpful_votes"] is None and ada["company_reply"] is None
    assert chris["rating"] == 1.0 and chris["published_at"] == "2026-02-14T00:00:00Z"


def test_a_german_page_gives_german_stories_with_german_dates_and_labels() -> None:
    errors: Counter = Counter()
    (jurgen,) = parse("google_play_app_de.html", errors)
    assert not errors
    assert jurgen["language"] == "de" and jurgen["author"] == "Jürgen Weiß"
    assert (jurgen["rating"], jurgen["rating_raw"]) == (0.0, "1/5")  # "Mit 1 von 5 Sternen"
    assert jurgen["published_at"] == "2026-03-03T00:00:00Z"  # "3. März 2026"
    assert jurgen["company_reply"].startswith("Das tut uns leid")
    assert jurgen["company_replied_at"] == "2026-03-05T00:00:00Z"


def test_dates_and_stars_as_play_writes_them() -> None:
    assert play_date("Mar 3, 2026") == play_date("3 de marzo de 2026") == "2026-03-03"
    assert play_date("3 mars 2026") == "2026-03-03" and play_date("someday") == "someday"
    assert play_stars("Rated 3 stars out of five stars", None) == (3.0, 5)
    assert play_stars(None, "width: 60%;") == (3.0, 5) and play_stars(None, None) == (None, 5)


def test_an_app_without_reviews_gives_no_story_and_no_error() -> None:
    errors: Counter = Counter()
    assert parse("google_play_no_reviews.html", errors) == [] and not errors


def test_play_pages_are_detected_from_the_page_itself() -> None:
    for name in ("google_play_app.html", "google_play_app_de.html", "google_play_no_reviews.html"):
        assert detect_format(read(name))[0] == "google_play", name


def test_play_app_pages_are_crawled_end_to_end(tmp_path: Path) -> None:
    routes = {APP + "&hl=en": Reply(body=read("google_play_app.html").encode()),
              APP + "&hl=de": Reply(body=read("google_play_app_de.html").encode()),
              "/store/apps/details?id=example.northwind.pro":
                  Reply(body=read("google_play_no_reviews.html").encode())}
    with LoopbackSite(routes) as site:
        english, german, empty = crawl(
            [Source("Northwind", False, "auto", site.url(APP + "&hl=en")),
             Source("Northwind", False, "google_play", site.url(APP + "&hl=de")),
             Source("Northwind", False, "auto",
                    site.url("/store/apps/details?id=example.northwind.pro"))],
            tmp_path / "landing", throttle=False)
    assert (english.detected_format, english.stories, english.pages, english.errors) == (
        "google_play", 3, 1, 0)
    stories = [json.loads(line) for line in Path(english.landing_file).read_text().splitlines()]
    assert [s["rating"] for s in stories] == [0.25, 0.75, 1.0]
    assert {s["source"] for s in stories} == {"google_play"}
    assert stories[0]["company_reply"] and stories[0]["published_at"] == "2026-03-03T00:00:00Z"
    (jurgen,) = [json.loads(line) for line in Path(german.landing_file).read_text().splitlines()]
    assert (jurgen["language"], jurgen["rating"]) == ("de", 0.0)
    assert (empty.detected_format, empty.stories, empty.errors, empty.failed) == (
        "google_play", 0, 0, False)


def stored(workdir: Path) -> list[tuple]:
    con = connect_read_only(workdir)
    try:
        return con.execute("SELECT source, author, rating, language FROM stories "
                           "ORDER BY published_at DESC").fetchall()
    finally:
        con.close()


def test_crawl_url_detects_a_play_page_and_stores_its_reviews(workdir: Path) -> None:
    routes = {APP: Reply(body=read("google_play_app_de.html").encode())}
    with LoopbackSite(routes) as site:
        result = CliRunner().invoke(cli, ["crawl", "--workdir", str(workdir), "--url",
                                          site.url(APP), "--brand", "Northwind"],
                                    catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "google_play" in result.output and "1 stor" in result.output
    assert stored(workdir) == [("google_play", "Jürgen Weiß", 0.0, "de")]
