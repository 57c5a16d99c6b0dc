"""Spider parse functions against saved pages shaped like the real sites' pages and APIs."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from storywatch.crawler.spiders.appstore import next_appstore_page, parse_appstore_page
from storywatch.crawler.spiders.cfpb import next_cfpb_page, parse_cfpb_page
from storywatch.crawler.spiders.feed import parse_feed_page
from storywatch.crawler.spiders.reddit import parse_reddit_page
from storywatch.crawler.spiders.schema_org import next_page_url, parse_schema_org_page
from storywatch.crawler.spiders.trustpilot import next_trustpilot_page, parse_trustpilot_page

PAGES = Path(__file__).resolve().parent / "data" / "pages"
FETCHED = "2026-07-21T00:00:00Z"
SHOP = "https://www.acme-outdoor.example/reviews/"
TP = "https://www.trustpilot.com/review/www.sofatown.example"
FEED = "https://itunes.apple.com/us/rss/customerreviews/page=1/id=1234567890/sortby=mostrecent/json"
CFPB = ("https://www.consumerfinance.gov/data-research/consumer-complaints/search/api/v1/"
        "?company=SOFA+TOWN&has_narrative=true&frm=0&size=25")


def parse(function, name: str, url: str, errors: Counter | None = None) -> list[dict]:
    return function((PAGES / name).read_text(encoding="utf-8"), brand="Acme", is_competitor=True,
                    page_url=url, fetched_at=FETCHED, errors=errors)


def test_jsonld_graph_page() -> None:
    errors: Counter = Counter()
    first, second = parse(parse_schema_org_page, "schema_org_jsonld_graph.html", SHOP, errors)
    assert not errors
    assert first["source"] == "schema_org"
    assert first["external_id"] == "https://www.acme-outdoor.example/reviews/#review-1041"
    assert first["story_key"] == "schema_org:" + first["external_id"]
    assert first["story_url"] == first["external_id"]
    assert first["source_url"] == SHOP
    assert first["brand"] == "Acme" and first["is_competitor"] is True
    assert first["author"] == "Maria G."
    assert first["title"] == "Tent arrived with a torn fly"
    assert first["body"] == ("The tent arrived with a torn rain fly.\n"
                             "Support sent a replacement & a prepaid label within 2 days.")
    assert first["rating"] == 0.75 and first["rating_raw"] == "4/5"
    assert first["published_at"] == "2026-07-14T07:12:00Z"
    assert first["fetched_at"] == FETCHED
    assert first["language"] == "en"
    assert first["raw"]["@type"] == "Review"
    assert second["author"] == "Tom"
    assert second["title"] == "Refund took six weeks"
    assert second["body"] == "Returned boots in May, refund only showed up in July."
    assert second["rating_raw"] == "2/10" and second["rating"] == 0.1111
    assert second["external_id"] == "https://www.acme-outdoor.example/reviews/#review-1040"
    text = (PAGES / "schema_org_jsonld_graph.html").read_text()
    assert next_page_url(text, SHOP) == "https://www.acme-outdoor.example/reviews/page/2/"


def test_jsonld_product_review_list_and_array() -> None:
    errors: Counter = Counter()
    stories = parse(parse_schema_org_page, "schema_org_jsonld_product.html", SHOP, errors)
    assert errors == Counter({"missing_body": 1})
    assert [s["author"] for s in stories] == ["Sam P.", "Kim"]
    sam, kim = stories
    assert sam["title"] == "Great for solo trips" and sam["rating"] == 1.0
    assert sam["external_id"] is None and sam["story_url"] is None
    assert sam["story_key"].startswith("schema_org:") and len(sam["story_key"]) == 51
    assert kim["rating_raw"] == "3/5" and kim["published_at"] == "2026-06-20T00:00:00Z"
    text = (PAGES / "schema_org_jsonld_product.html").read_text()
    assert next_page_url(text, SHOP) == SHOP + "?reviews=2"


def test_microdata_page() -> None:
    errors: Counter = Counter()
    first, second = parse(parse_schema_org_page, "schema_org_microdata.html", SHOP, errors)
    assert not errors
    assert first["author"] == "Priya & Dev"
    assert first["title"] == 'Staff knew "exactly" what I needed'
    assert first["body"] == ("Asked about a leaking tap.\n"
                             "They sold me a $4 washer instead of a new tap.")
    assert first["rating"] == 1.0 and first["rating_raw"] == "5/5"
    assert first["published_at"] == "2026-05-02T00:00:00Z"
    assert first["external_id"] == "https://www.acme-outdoor.example/reviews/881"
    assert second["author"] == "Anonymous"
    assert second["rating"] == 0.0
    assert second["published_at"] == "2026-04-28T22:05:00Z"
    assert second["body"] == "Only one till open on a Saturday."
    text = (PAGES / "schema_org_microdata.html").read_text()
    assert next_page_url(text, SHOP) == "https://www.acme-outdoor.example/reviews?page=3"


def test_malformed_and_empty_pages_are_counted_not_raised() -> None:
    errors: Counter = Counter()
    assert parse(parse_schema_org_page, "schema_org_malformed.html", SHOP, errors) == []
    assert parse(parse_schema_org_page, "empty.html", SHOP, errors) == []
    assert errors == Counter({"malformed_jsonld": 1, "empty_page": 1})
    assert next_page_url("", SHOP) is None


def test_trustpilot_next_data_page() -> None:
    errors: Counter = Counter()
    first, second = parse(parse_trustpilot_page, "trustpilot_next_data.html", TP, errors)
    assert not errors
    assert first["source"] == "trustpilot"
    assert first["external_id"] == "66b0f3e2a1c4d5e6f7a8b9c0"
    assert first["story_key"] == "trustpilot:66b0f3e2a1c4d5e6f7a8b9c0"
    assert first["story_url"] == "https://www.trustpilot.com/reviews/66b0f3e2a1c4d5e6f7a8b9c0"
    assert first["author"] == "Jordan B."
    assert first["title"] == "Missed delivery twice"
    assert first["body"] == ("Ordered a sofa, delivery window was 8-12 and nobody came.\n"
                             "Called 3 times.")
    assert first["rating"] == 0.0 and first["rating_raw"] == "1/5"
    assert first["published_at"] == "2026-07-01T18:22:41Z"
    assert first["helpful_votes"] == 7
    assert first["company_reply"] == (
        "Hi Jordan, we're sorry & have passed this to our delivery team.")
    assert first["company_replied_at"] == "2026-07-02T08:00:00Z"
    assert first["language"] == "en"
    assert second["company_reply"] is None and second["helpful_votes"] == 0
    text = (PAGES / "trustpilot_next_data.html").read_text()
    assert next_trustpilot_page(text, TP, found=2) == TP + "?page=2"
    assert next_trustpilot_page(text, TP + "?page=3", found=2) is None  # totalPages is 3
    assert next_trustpilot_page(text, TP, found=0) is None


def test_trustpilot_falls_back_to_jsonld() -> None:
    errors: Counter = Counter()
    (story,) = parse(parse_trustpilot_page, "trustpilot_jsonld_only.html", TP, errors)
    assert not errors
    assert story["story_key"] == "trustpilot:66b0f3e2a1c4d5e6f7a8b9c0"
    assert story["author"] == "Jordan B."
    assert story["title"] == "Missed delivery twice"
    assert story["rating_raw"] == "1/5"
    assert story["published_at"] == "2026-07-01T18:22:41Z"
    text = (PAGES / "trustpilot_jsonld_only.html").read_text()
    assert next_trustpilot_page(text, TP + "?page=7", found=1) == TP + "?page=8"


def test_appstore_feed_page() -> None:
    errors: Counter = Counter()
    first, second = parse(parse_appstore_page, "appstore_feed.json", FEED, errors)
    assert not errors
    assert first["source"] == "appstore"
    assert first["external_id"] == "11223344551" and first["story_key"] == "appstore:11223344551"
    assert first["author"] == "nightowl_88"
    assert first["title"] == "Login loop again"
    assert first["body"] == "Every update logs me out and the reset email never arrives."
    assert first["rating"] == 0.25 and first["rating_raw"] == "2/5"
    assert first["published_at"] == "2026-07-20T05:41:05Z"
    assert first["helpful_votes"] == 12
    assert first["labels"] == ["version:7.4.1"]
    assert second["body"] == "Order ahead, walk in, done."
    assert next_appstore_page(FEED, 2) == FEED.replace("page=1/", "page=2/")
    assert next_appstore_page(FEED.replace("page=1/", "page=10/"), 2) is None
    assert next_appstore_page(FEED, 0) is None


def test_appstore_single_entry_and_empty_feed() -> None:
    errors: Counter = Counter()
    (story,) = parse(parse_appstore_page, "appstore_single_entry.json", FEED, errors)
    assert story["author"] == "nightowl_88"
    assert parse(parse_appstore_page, "appstore_empty.json", FEED, errors) == []
    assert not errors


def test_cfpb_api_page() -> None:
    errors: Counter = Counter()
    first, second = parse(parse_cfpb_page, "cfpb_search.json", CFPB, errors)
    assert errors == Counter({"missing_body": 1})
    assert first["source"] == "cfpb"
    assert first["external_id"] == "9876543" and first["story_key"] == "cfpb:9876543"
    assert first["story_url"] == ("https://www.consumerfinance.gov/data-research/"
                                  "consumer-complaints/search/detail/9876543")
    assert first["author"] is None and first["rating"] is None
    assert first["body"].startswith("I was charged XXXX in deferred interest")
    assert first["published_at"] == "2026-07-03T17:00:00Z"
    assert first["labels"] == ["Fees or interest", "Credit card"]
    assert first["company_reply"].startswith("Company has responded")
    assert first["raw"]["state"] == "OH"
    assert second["company_reply"] is None
    text = (PAGES / "cfpb_search.json").read_text()
    assert next_cfpb_page(text, CFPB) == CFPB.replace("frm=0", "frm=25")
    assert next_cfpb_page(text, CFPB.replace("frm=0", "frm=25")) is None  # total is 30


def _rss(*items: tuple[str, str]) -> str:
    entries = "".join(f"<item><description>{body}</description><pubDate>{date}</pubDate></item>"
                      for body, date in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{entries}</channel></rss>'


# each page: a story without text, one with a date no format can read, one good story
UNUSABLE_STORIES = [
    (parse_appstore_page, FEED, json.dumps({"feed": {"entry": [
        {"im:rating": {"label": "3"}, "content": {"label": " "}},
        {"im:rating": {"label": "3"}, "content": {"label": "x"}, "updated": {"label": "soon"}},
        {"im:rating": {"label": "4"}, "content": {"label": "Fine"},
         "updated": {"label": "2026-07-01"}}]}})),
    (parse_cfpb_page, CFPB, json.dumps({"hits": {"hits": [
        {"_source": {"complaint_what_happened": ""}},
        {"_source": {"complaint_what_happened": "x", "date_received": "soon"}},
        {"_source": {"complaint_what_happened": "Fine", "date_received": "2026-07-01"}}]}})),
    (parse_feed_page, "https://f.example/feed",
     _rss(("", "Tue, 01 Jul 2026 10:00:00 GMT"), ("x", "soon"),
          ("Fine", "Wed, 01 Jul 2026 10:00:00 GMT"))),
    (parse_reddit_page, "https://www.reddit.com/r/x/new.json", json.dumps({"data": {"children": [
        {"kind": "t3", "data": {"selftext": "", "title": ""}},
        {"kind": "t3", "data": {"selftext": "x", "created_utc": "soon"}},
        {"kind": "t3", "data": {"selftext": "Fine", "created_utc": 1782900000}}]}})),
    (parse_schema_org_page, SHOP, '<script type="application/ld+json">' + json.dumps([
        {"@type": "Review", "reviewBody": ""},
        {"@type": "Review", "reviewBody": "x", "datePublished": "soon"},
        {"@type": "Review", "reviewBody": "Fine", "datePublished": "2026-07-01"}]) + "</script>"),
    (parse_trustpilot_page, TP, '<script id="__NEXT_DATA__">' + json.dumps(
        {"props": {"pageProps": {"reviews": [
            {"text": ""}, {"text": "x", "dates": {"publishedDate": "soon"}},
            {"text": "Fine", "dates": {"publishedDate": "2026-07-01"}}]}}}) + "</script>"),
]


@pytest.mark.parametrize(("function", "url", "page"), UNUSABLE_STORIES,
                         ids=[case[0].__name__ for case in UNUSABLE_STORIES])
def test_every_format_skips_and_counts_unusable_stories_alike(function, url, page) -> None:
    errors: Counter = Counter()
    (story,) = function(page, brand="Acme", is_competitor=True, page_url=url, fetched_at=FETCHED,
                        errors=errors)
    assert errors == Counter({"missing_body": 1, "bad_date": 1})
    assert story["body"] == "Fine" and story["brand"] == "Acme" and story["is_competitor"]
    assert story["source_url"] == url and story["fetched_at"] == FETCHED
