"""Discourse forums through the JSON API: each customer post a story, staff posts the company's
replies, topics paged by `?page=N`, category listings followed topic by topic, re-crawls reading
only pages with new posts; detected by `crawl --url`, crawled end to end."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.crawler.run import Source, crawl
from storywatch.crawler.spiders.auto import detect_format
from storywatch.crawler.spiders.discourse import (
    json_url,
    listing_links,
    parse_discourse_page,
    topic_pages_to_read,
)
from storywatch.warehouse import connect_read_only
from tests.support.loopback import LoopbackSite, Reply

PAGES = Path(__file__).resolve().parent / "data" / "pages"
TOPIC = "/t/refund-still-not-received-after-return/4412.json"
CATEGORY = "/c/orders-and-refunds/7.json"
JSON = {"Content-Type": "application/json; charset=utf-8"}


def read(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def parse(name: str, errors: Counter, url: str = "https://forum.northwind.example" + TOPIC):
    return parse_discourse_page(read(name), brand="Northwind", is_competitor=False,
                                page_url=url, errors=errors)


def test_customer_posts_are_stories_and_staff_posts_their_company_replies() -> None:
    errors: Counter = Counter()
    (lena,) = parse("discourse_topic.json", errors)
    assert not errors
    assert lena["story_key"] == "discourse:9101" and lena["author"] == "lena_k"
    assert lena["title"] == "Refund still not received after return"
    assert lena["body"].startswith("Returned the desk in store on 12 February.")
    assert lena["published_at"] == "2026-03-02T09:14:27Z" and lena["rating"] is None
    assert lena["company_reply"].startswith("Hi Lena, sorry about the wait.")
    assert lena["company_replied_at"] == "2026-03-02T11:40:03Z"
    assert lena["labels"] == ["refunds", "returns"] and lena["helpful_votes"] == 4
    assert lena["story_url"] == ("https://forum.northwind.example/t/"
                                 "refund-still-not-received-after-return/4412/1")
    (sam,) = parse("discourse_topic_page3.json", errors)
    assert sam["company_reply"] == "Sam, the refund system had a backlog; yours was sent today."
    assert sam["company_replied_at"] == "2026-03-09T16:02:11Z"


def test_a_quoting_german_post_and_a_hidden_post() -> None:
    errors: Counter = Counter()
    (markus,) = parse("discourse_topic_page2.json", errors)
    assert errors == Counter({"deleted_post": 1})
    # the reply quotes Lena: only its own words are its story
    assert markus["language"] == "de"
    assert markus["body"] == ("Bei mir genauso: Rückgabe im Laden, Erstattung nach vier Wochen "
                              "immer noch nicht da.")


def test_topic_pages_and_listing_links() -> None:
    url = "https://f.example" + TOPIC
    first = read("discourse_topic.json")
    assert topic_pages_to_read(first, url, frozenset()) == [url + "?page=2", url + "?page=3"]
    # post ids only grow: pages holding only posts older than the newest stored one are skipped
    assert topic_pages_to_read(first, url, frozenset({"discourse:9118"})) == [url + "?page=3"]
    assert topic_pages_to_read(first, url, frozenset({"discourse:9125"})) == []
    assert topic_pages_to_read(read("discourse_topic_page2.json"), url + "?page=2",
                               frozenset()) == []
    topics, more = listing_links(read("discourse_category.json"), "https://f.example" + CATEGORY)
    assert topics == ["https://f.example" + TOPIC,
                      "https://f.example/t/wrong-colour-chair-delivered/4398.json"]
    assert more == "https://f.example/c/orders-and-refunds/7/l/latest.json?page=1"
    assert listing_links(read("discourse_category_page1.json"), "https://f.example/c/7")[1] is None


def test_an_empty_category_gives_no_story_and_no_error() -> None:
    errors: Counter = Counter()
    assert parse("discourse_category_empty.json", errors) == [] and not errors


def test_discourse_json_is_detected_from_the_page_itself() -> None:
    for name in ("discourse_topic.json", "discourse_category.json",
                 "discourse_category_empty.json", "discourse_topic.html"):
        assert detect_format(read(name))[0] == "discourse", name


def test_a_forum_page_url_leads_to_its_json() -> None:
    assert json_url("https://f.example/t/slug/4412/5") == "https://f.example/t/slug/4412.json"
    assert json_url("https://f.example/t/slug/4412?page=2") == (
        "https://f.example/t/slug/4412.json?page=2")
    assert json_url("https://f.example/c/orders/7/") == "https://f.example/c/orders/7.json"


def forum() -> dict[str, Reply]:
    pages = {TOPIC: "discourse_topic.json", TOPIC + "?page=2": "discourse_topic_page2.json",
             TOPIC + "?page=3": "discourse_topic_page3.json",
             "/t/wrong-colour-chair-delivered/4398.json": "discourse_topic_single.json",
             "/t/price-match-refused/4371.json": "discourse_topic_older.json",
             CATEGORY: "discourse_category.json",
             "/c/orders-and-refunds/7/l/latest.json?page=1": "discourse_category_page1.json",
             "/c/announcements/2.json": "discourse_category_empty.json",
             TOPIC.removesuffix(".json"): "discourse_topic.html"}
    return {path: Reply(body=read(name).encode(), headers=JSON) for path, name in pages.items()}


def test_a_category_is_crawled_topic_by_topic_and_a_recrawl_reads_only_new_pages(
    tmp_path: Path,
) -> None:
    empty_category = "/c/announcements/2.json"
    with LoopbackSite(forum()) as site:
        first, empty = crawl([Source("Northwind", False, "auto", site.url(CATEGORY)),
                              Source("Northwind", False, "auto", site.url(empty_category))],
                             tmp_path / "first", throttle=False)
        stories = [json.loads(line) for line in Path(first.landing_file).read_text().splitlines()]
        keys = [s["story_key"] for s in stories]
        assert (site.count(TOPIC + "?page=2"), site.count(TOPIC + "?page=3")) == (1, 1)
        (again,) = crawl([Source("Northwind", False, "discourse", site.url(CATEGORY))],
                         tmp_path / "again", throttle=False, known_keys=keys)
        # page 2 holds nothing newer than the stored stories; page 3 holds a newer staff post
        assert (site.count(TOPIC + "?page=2"), site.count(TOPIC + "?page=3")) == (1, 2)
        (newer,) = crawl([Source("Northwind", False, "discourse", site.url(TOPIC))],
                         tmp_path / "newer", throttle=False,
                         known_keys=[k for k in keys if k != "discourse:9118"])
        assert (site.count(TOPIC + "?page=2"), site.count(TOPIC + "?page=3")) == (2, 3)
    assert (first.detected_format, first.stories, first.pages) == ("discourse", 5, 7)
    assert first.error_reasons == {"deleted_post": 1}
    assert sorted(keys) == ["discourse:8990", "discourse:9050", "discourse:9101",
                            "discourse:9103", "discourse:9118"]
    assert {s["source"] for s in stories} == {"discourse"}
    assert all(s["rating"] is None and s["published_at"].startswith("2026-") for s in stories)
    assert sum(s["company_reply"] is not None for s in stories) == 2
    assert {s["language"] for s in stories} == {None, "de"}
    assert (again.stories, again.pages) == (4, 6)
    assert (newer.stories, newer.pages) == (3, 3)
    assert (empty.detected_format, empty.stories, empty.errors, empty.failed) == (
        "discourse", 0, 0, False)


def test_a_topic_given_by_its_html_url_is_read_through_the_json_api(tmp_path: Path) -> None:
    html_page = TOPIC.removesuffix(".json")
    with LoopbackSite(forum()) as site:
        (result,) = crawl([Source("Northwind", False, "auto", site.url(html_page))],
                          tmp_path / "landing", throttle=False)
        # the JSON API, not the RSS feed the page also advertises
        assert site.count(TOPIC + "?page=3") == 1 and not site.count(html_page + ".rss")
    assert (result.detected_format, result.stories, result.pages) == ("discourse", 3, 4)
    lines = Path(result.landing_file).read_text().splitlines()
    stories = {s["author"]: s for s in map(json.loads, lines)}  # later pages come in any order
    assert sorted(stories) == ["lena_k", "markus_b", "sam_r"]
    assert stories["lena_k"]["company_reply"].startswith("Hi Lena")


def stored(workdir: Path) -> list[tuple]:
    con = connect_read_only(workdir)
    try:
        return con.execute("SELECT source, author, rating, language FROM stories "
                           "ORDER BY published_at DESC").fetchall()
    finally:
        con.close()


def test_crawl_url_detects_a_forum_topic_and_stores_its_posts(workdir: Path) -> None:
    with LoopbackSite(forum()) as site:
        result = CliRunner().invoke(cli, ["crawl", "--workdir", str(workdir), "--url",
                                          site.url(TOPIC), "--brand", "Northwind"],
                                    catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "discourse" in result.output and "3 stories" in result.output
    assert stored(workdir) == [("discourse", "sam_r", None, None),
                               ("discourse", "markus_b", None, "de"),
                               ("discourse", "lena_k", None, None)]
