"""Reddit, RSS/Atom and RDFa parse functions against saved pages shaped like the real ones, and
format detection for `storywatch crawl --url`."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from storywatch.crawler.run import Source, crawl
from storywatch.crawler.spiders.auto import detect_format
from storywatch.crawler.spiders.feed import next_feed_page, parse_feed_page
from storywatch.crawler.spiders.reddit import next_reddit_page, parse_reddit_page
from storywatch.crawler.spiders.schema_org import next_page_url, parse_schema_org_page
from tests.support.loopback import LoopbackSite, Reply

PAGES = Path(__file__).resolve().parent / "data" / "pages"
FETCHED = "2026-07-21T00:00:00Z"
SEARCH = "https://www.reddit.com/r/HomeImprovement/search.json?q=sofatown&restrict_sr=1"


def parse(function, name: str, url: str, errors: Counter) -> list[dict]:
    return function((PAGES / name).read_text(encoding="utf-8"), brand="Sofatown",
                    is_competitor=False, page_url=url, fetched_at=FETCHED, errors=errors)


def test_reddit_listing() -> None:
    errors: Counter = Counter()
    text_post, link_post = parse(parse_reddit_page, "reddit_listing.json", SEARCH, errors)
    assert errors == Counter({"deleted_post": 1})
    assert text_post["story_key"] == "reddit:1e3kq2m"
    assert text_post["source"] == "reddit" and text_post["external_id"] == "1e3kq2m"
    assert text_post["author"] == "sk_diy"
    assert text_post["title"] == "Sofatown delivery rescheduled 3 times"
    assert text_post["body"].startswith("Ordered a sectional from Sofatown in June. "
                                        "Delivery got moved three times & nobody called.")
    assert text_post["published_at"] == "2024-07-15T00:00:00Z"
    assert text_post["helpful_votes"] == 57
    assert text_post["labels"] == ["r/HomeImprovement", "Help"]
    assert text_post["story_url"] == ("https://www.reddit.com/r/HomeImprovement/comments/1e3kq2m/"
                                      "sofatown_delivery_rescheduled_3_times/")
    assert text_post["raw"]["num_comments"] == 23 and text_post["rating"] is None
    assert link_post["body"] == link_post["title"] == "Sofatown return was painless"
    text = (PAGES / "reddit_listing.json").read_text()
    assert next_reddit_page(text, SEARCH) == SEARCH + "&after=t3_1e3k9zb&count=3"
    last = (PAGES / "reddit_listing_last.json").read_text()
    assert next_reddit_page(last, SEARCH + "&after=t3_1e3k9zb&count=3") is None


def test_rss_feed() -> None:
    errors: Counter = Counter()
    refused, crew = parse(parse_feed_page, "rss.xml", "https://www.complaints.example/feed", errors)
    assert not errors
    assert refused["story_key"] == "feed:complaint-2231"
    assert refused["author"] == "Lena W." and refused["title"] == "Sofatown - refused my return"
    assert refused["body"] == ('Store said the sofa was "final sale" although the receipt says '
                               "30-day returns.\nCall me: +49 30 1234 5678.")
    assert refused["published_at"] == "2026-07-16T07:30:00Z"
    assert refused["labels"] == ["Returns", "Customer service"]
    assert refused["language"] == "en-us"
    assert refused["story_url"] == "https://www.complaints.example/sofatown-refused-my-return-c2231"
    assert crew["body"].endswith("took the packaging away. Five stars.")  # content:encoded wins
    assert crew["published_at"] == "2026-07-15T18:05:00Z"
    assert next_feed_page((PAGES / "rss.xml").read_text(), "https://x.example/feed") is None


def test_atom_feed_and_its_next_page() -> None:
    errors: Counter = Counter()
    url = "https://forum.sofatown.example/c/deliveries.atom"
    (topic,) = parse(parse_feed_page, "atom.xml", url, errors)
    assert not errors
    assert topic["external_id"] == "tag:forum.sofatown.example,2026:topic-881"
    assert topic["author"] == "chairless_in_leeds"
    assert topic["body"] == 'Tracking has said "out for delivery" for 9 days.'
    assert topic["published_at"] == "2026-07-16T07:15:00Z"
    assert topic["labels"] == ["deliveries"] and topic["language"] == "en"
    assert next_feed_page((PAGES / "atom.xml").read_text(), url) == url + "?page=2"


def test_rdfa_reviews() -> None:
    errors: Counter = Counter()
    url = "https://www.sofatown.example/products/oslo-3-seater/reviews"
    ingrid, ben = parse(parse_schema_org_page, "schema_org_rdfa.html", url, errors)
    assert not errors
    assert ingrid["external_id"] == url + "#review-77"
    assert ingrid["author"] == "Ingrid H." and ingrid["title"] == "Cushions flattened in a month"
    assert ingrid["body"] == ("Looks great, but the seat cushions went flat within four weeks.\n"
                              "Warranty claim still open.")
    assert ingrid["rating"] == 0.25 and ingrid["rating_raw"] == "2/5"
    assert ingrid["published_at"] == "2026-07-02T00:00:00Z"
    assert ben["author"] == "Ben" and ben["rating"] == 1.0  # schema: prefixed properties
    assert ben["published_at"] == "2026-06-28T13:30:00Z"
    assert next_page_url((PAGES / "schema_org_rdfa.html").read_text(), url) == url + "?page=2"


def test_broken_feeds_and_listings_are_counted() -> None:
    errors: Counter = Counter()
    assert parse_feed_page("<html><body>Hi</body></html>", brand="A", is_competitor=False,
                           page_url="http://x/", errors=errors) == []
    assert parse_feed_page('<?xml version="1.0"?><rss><channel><item>', brand="A",
                           is_competitor=False, page_url="http://x/", errors=errors) == []
    assert parse_reddit_page('{"error": 429}', brand="A", is_competitor=False,
                             page_url="http://x/", errors=errors) == []
    assert parse_reddit_page("<html>blocked</html>", brand="A", is_competitor=False,
                             page_url="http://x/", errors=errors) == []
    assert errors == Counter({"not_a_feed": 1, "malformed_feed": 1, "missing_body": 1,
                              "not_a_reddit_listing": 1, "html_not_json": 1})


@pytest.mark.parametrize(("name", "expected"), [
    ("rss.xml", "feed"), ("atom.xml", "feed"), ("appstore_feed.json", "appstore"),
    ("cfpb_search.json", "cfpb"), ("reddit_listing.json", "reddit"),
    ("trustpilot_next_data.html", "trustpilot"), ("trustpilot_jsonld_only.html", "schema_org"),
    ("schema_org_jsonld_graph.html", "schema_org"), ("schema_org_microdata.html", "schema_org"),
    ("schema_org_rdfa.html", "schema_org"),
])
def test_format_is_detected_from_the_page(name: str, expected: str) -> None:
    assert detect_format((PAGES / name).read_text(encoding="utf-8"))[0] == expected


def test_undetectable_pages_say_why() -> None:
    assert detect_format("") == (None, "the page is empty")
    fmt, why = detect_format('{"status": "ok", "items": []}')
    assert fmt is None and "unknown shape (top-level keys: items, status)" in why
    fmt, why = detect_format("<!DOCTYPE html><html><body><h1>Our shop</h1></body></html>")
    assert fmt is None and why.startswith("no stories in a known format")


def test_an_atom_feed_is_crawled_page_by_page(tmp_path: Path) -> None:
    atom = {"Content-Type": "application/atom+xml; charset=utf-8"}
    routes = {"/c/deliveries.atom": Reply(body=(PAGES / "atom.xml").read_bytes(), headers=atom),
              "/c/deliveries.atom?page=2": Reply(body=(PAGES / "atom_page2.xml").read_bytes(),
                                                 headers=atom)}
    with LoopbackSite(routes) as site:
        (result,) = crawl([Source("Sofatown", False, "feed", site.url("/c/deliveries.atom"))],
                          tmp_path / "landing", throttle=False)
    assert (result.stories, result.pages, result.errors) == (2, 2, 0)
    stories = [json.loads(line) for line in Path(result.landing_file).read_text().splitlines()]
    assert [s["title"] for s in stories] == ["Where is my armchair?", "Delivery slot kept"]
    assert {s["source"] for s in stories} == {"feed"}
