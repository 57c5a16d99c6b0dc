"""Tripadvisor-style review pages: reviews in the embedded state (owner replies, languages,
helpful votes), schema.org when there is no state, paging through "Next", no-review pages."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.crawler.run import Source, crawl
from storywatch.crawler.spiders.auto import detect_format
from storywatch.crawler.spiders.tripadvisor import parse_tripadvisor_page
from tests.support.loopback import LoopbackSite, Reply

PAGES = Path(__file__).resolve().parent / "data" / "pages"
HOTEL = "/Hotel_Review-g187147-d1234567-Reviews-Harbour_View_Hotel-Paris.html"
PAGE_2 = "/Hotel_Review-g187147-d1234567-Reviews-or5-Harbour_View_Hotel-Paris.html"
INN = "/Hotel_Review-g187147-d7654321-Reviews-Quayside_Inn-Paris.html"
SCHEMA_ONLY = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Hotel",
 "name": "Harbour View Hotel", "review": [
 {"@type": "Review", "inLanguage": "it", "author": {"@type": "Person", "name": "Giulia R"},
  "datePublished": "2026-07-08", "name": "Colazione ottima",
  "reviewBody": "Colazione ottima e personale gentile, ma il parcheggio costa troppo.",
  "reviewRating": {"@type": "Rating", "ratingValue": 4, "bestRating": 5},
  "comment": {"@type": "Comment", "author": {"@type": "Organization", "name": "Harbour View"},
   "dateCreated": "2026-07-09", "text": "Grazie Giulia, we have lowered the parking price."}}]}
</script></head><body><h1>Harbour View Hotel</h1></body></html>"""


def parse(text: str, errors: Counter) -> list[dict]:
    return parse_tripadvisor_page(text, brand="Harbour View", is_competitor=True,
                                  page_url="https://www.tripadvisor.example" + HOTEL,
                                  errors=errors)


def test_reviews_in_the_embedded_state() -> None:
    errors: Counter = Counter()
    stories = parse((PAGES / "tripadvisor_state.html").read_text(encoding="utf-8"), errors)
    assert not errors
    assert [s["author"] for s in stories] == ["CityBreakJo", "Marie_L", "tom_travels", "G Patel",
                                              "Wanderer_K"]
    jo, marie, _, patel, wanderer = stories
    assert jo["source"] == "tripadvisor" and jo["story_key"] == "tripadvisor:987650011"
    assert jo["title"] == "Lovely view, noisy room" and jo["body"].startswith("The view of the")
    assert (jo["rating"], jo["rating_raw"]) == (0.25, "2/5") and jo["helpful_votes"] == 4
    assert jo["published_at"] == "2026-07-12T10:22:31Z"
    assert jo["company_reply"].startswith("Dear CityBreakJo, thank you for your feedback.")
    assert jo["company_replied_at"] == "2026-07-14T08:05:00Z"
    assert jo["story_url"].endswith("-r987650011-Harbour_View_Hotel-Paris.html")
    assert (marie["language"], marie["title"]) == ("fr", "Séjour parfait")
    assert wanderer["language"] == "de" and patel["rating"] == 0.0
    assert patel["company_reply"].startswith("We are sorry for the duplicate charge.")


def test_schema_org_reviews_when_the_page_has_no_state() -> None:
    errors: Counter = Counter()
    (giulia,) = parse(SCHEMA_ONLY, errors)
    assert not errors
    assert giulia["source"] == "tripadvisor" and giulia["language"] == "it"
    assert giulia["rating_raw"] == "4/5" and giulia["author"] == "Giulia R"
    assert giulia["company_reply"] == "Grazie Giulia, we have lowered the parking price."


def test_a_hotel_without_reviews() -> None:
    text = (PAGES / "tripadvisor_no_reviews.html").read_text(encoding="utf-8")
    errors: Counter = Counter()
    assert parse(text, errors) == [] and not errors
    assert detect_format(text)[0] == "tripadvisor"


@pytest.fixture(scope="module")
def site():
    routes = {HOTEL: Reply(body=(PAGES / "tripadvisor_state.html").read_bytes()),
              PAGE_2: Reply(body=(PAGES / "tripadvisor_state_page2.html").read_bytes()),
              INN: Reply(body=(PAGES / "tripadvisor_no_reviews.html").read_bytes())}
    with LoopbackSite(routes) as loopback:
        yield loopback


@pytest.mark.parametrize("fmt", ["auto", "tripadvisor"])
def test_a_real_crawl_pages_through_next(site: LoopbackSite, tmp_path: Path, fmt: str) -> None:
    (result,) = crawl([Source("Harbour View", True, fmt, site.url(HOTEL))], tmp_path / "landing",
                      throttle=False)
    assert (result.stories, result.pages, result.errors) == (7, 2, 0)
    assert result.extractors == {"tripadvisor-state": 7}
    landed = [json.loads(line) for line in Path(result.landing_file).read_text().splitlines()]
    assert sum(bool(s["company_reply"]) for s in landed) == 3
    assert {s["language"] for s in landed} == {"en", "fr", "de"}
    assert site.count(PAGE_2) >= 1


def test_crawl_url_of_a_hotel_without_reviews_says_so(site: LoopbackSite, workdir: Path) -> None:
    url = site.url(INN)
    result = CliRunner().invoke(cli, ["crawl", "--workdir", str(workdir), "--url", url,
                                      "--brand", "Quayside"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (f"Found no stories at {url}: the page is in the tripadvisor format "
            "(tripadvisor-state 0), but holds no stories.") in result.output
