"""The generic fallback: stories read from repeated review-like blocks of pages without
structured data, and nothing invented from articles, product grids or menus; pages whose reviews
only JavaScript loads are named as such."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.crawler.run import Source, crawl
from storywatch.crawler.spiders.auto import detect_format
from storywatch.crawler.spiders.fallback import parse_fallback_page
from tests.support.loopback import LoopbackSite, Reply

PAGES = Path(__file__).resolve().parent / "data" / "pages"
SHOP = "https://www.larkspur.example/reviews"
THREAD = "/t/northwind-delivery-never-arrived/4410"
# the stories a reader finds on each saved page (their block ids): the fallback's ground truth
EXPECTED = {
    "fallback_shop_reviews.html": {"review-5521", "review-5517", "review-5503", "review-5498",
                                   "review-5490"},
    "fallback_shop_reviews_page2.html": {"review-5482", "review-5477", "review-5470"},
    "fallback_forum_thread.html": {"p88120", "p88131", "p88152"},  # p88140 is the company's
    "fallback_forum_thread_page2.html": {"p88170", "p88175", "p88181"},
    "fallback_shop_no_reviews.html": set(),
    "fallback_news_article.html": set(),
    "fallback_product_grid.html": set(),
    "fallback_navigation.html": set(),
    "js_only_reviews.html": set(),
}


def parse(name: str, errors: Counter | None = None) -> list[dict]:
    return parse_fallback_page((PAGES / name).read_text(encoding="utf-8"), brand="Larkspur",
                               is_competitor=False, page_url=SHOP, errors=errors)


def test_a_shops_own_review_section() -> None:
    errors: Counter = Counter()
    stories = parse("fallback_shop_reviews.html", errors)
    assert not errors
    assert [s["author"] for s in stories] == ["Hannah K.", "Marcus", "Jürgen W.", "Priya", "Tom B."]
    assert {s["raw"]["extractor"] for s in stories} == {"fallback"}
    assert {s["source"] for s in stories} == {"fallback"}
    hannah, marcus, jurgen = stories[:3]
    assert hannah["body"] == ("Ordered the washed linen set in sage. It arrived in two days, well "
                              "packed, and after three washes it is even softer. Worth the price.")
    assert hannah["title"] == "Softest sheets I have owned"
    assert (hannah["rating"], hannah["rating_raw"]) == (1.0, "5/5")
    assert hannah["published_at"] == "2026-07-14T00:00:00Z" and hannah["language"] == "en"
    assert hannah["external_id"] == SHOP + "#review-5521"
    assert marcus["rating_raw"] == "2/5" and "Helpful" not in marcus["body"]
    assert marcus["company_reply"] == ("Hi Marcus, we are sorry for the wait. Your refund was "
                                       "issued today and should show within 3 working days.")
    assert "Hi Marcus" not in marcus["body"]
    assert jurgen["language"] == "de" and jurgen["published_at"] == "2026-07-02T00:00:00Z"


def test_a_forum_thread_with_the_companys_answer() -> None:
    first, second, third = parse("fallback_forum_thread.html")
    assert [s["author"] for s in (first, second, third)] == ["kettlelover", "dmitri_k",
                                                             "camille.b"]
    assert first["body"].startswith("Ordered a stand mixer from Northwind on 28 June")
    assert "Member" not in first["body"] and first["rating"] is None
    assert first["published_at"] == "2026-07-10T08:41:00Z"
    assert second["company_reply"].startswith("Hi both, sorry about this.")
    assert third["language"] == "fr"


@pytest.mark.parametrize("name", ["fallback_news_article.html", "fallback_product_grid.html",
                                  "fallback_navigation.html", "fallback_shop_no_reviews.html"])
def test_pages_without_stories_give_none(name: str) -> None:
    errors: Counter = Counter()
    assert parse(name, errors) == []
    assert errors == Counter({"empty_page": 1})
    assert detect_format((PAGES / name).read_text(encoding="utf-8"))[0] is None


def test_precision_and_recall_on_the_saved_pages() -> None:
    found = {name: {s["external_id"].rsplit("#", 1)[1] for s in parse(name)} for name in EXPECTED}
    hits = sum(len(found[name] & EXPECTED[name]) for name in EXPECTED)
    invented = sum(len(found[name] - EXPECTED[name]) for name in EXPECTED)
    missed = sum(len(EXPECTED[name] - found[name]) for name in EXPECTED)
    assert (hits, invented, missed) == (14, 0, 0)  # precision 1.0, recall 1.0


@pytest.fixture(scope="module")
def site():
    page = {name: Reply(body=(PAGES / name).read_bytes()) for name in EXPECTED}
    routes = {"/reviews": page["fallback_shop_reviews.html"],
              "/reviews?page=2": page["fallback_shop_reviews_page2.html"],
              THREAD: page["fallback_forum_thread.html"],
              THREAD + "?page=2": page["fallback_forum_thread_page2.html"],
              "/p/8812/reviews": page["js_only_reviews.html"]}
    with LoopbackSite(routes) as loopback:
        yield loopback


@pytest.mark.parametrize(("path", "stories", "authors"), [
    ("/reviews", 8, {"Hannah K.", "Ana"}), (THREAD, 6, {"camille.b", "oldtoaster"})])
def test_a_real_crawl_reads_every_page(site: LoopbackSite, tmp_path: Path, path: str,
                                       stories: int, authors: set[str]) -> None:
    (result,) = crawl([Source("Northwind", False, "auto", site.url(path))], tmp_path / "landing",
                      throttle=False)
    assert (result.stories, result.pages, result.errors) == (stories, 2, 0)
    assert result.detected_format == "fallback"
    assert result.extractors == {"fallback": stories}
    landed = [json.loads(line) for line in Path(result.landing_file).read_text().splitlines()]
    assert authors <= {s["author"] for s in landed}
    assert {s["raw"]["extractor"] for s in landed} == {"fallback"}


def test_crawl_url_says_the_fallback_read_the_page(site: LoopbackSite, workdir: Path) -> None:
    result = CliRunner().invoke(cli, ["crawl", "--workdir", str(workdir), "--url",
                                      site.url("/reviews"), "--brand", "Larkspur"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (f"Found 8 stories at {site.url('/reviews')} (format: fallback; json-ld 0, "
            "microdata 0, rdfa 0, fallback 8).") in result.output
    assert "marked extractor: fallback" in result.output


def test_crawl_url_says_when_javascript_loads_the_reviews(site: LoopbackSite,
                                                          workdir: Path) -> None:
    url = site.url("/p/8812/reviews")
    result = CliRunner().invoke(cli, ["crawl", "--workdir", str(workdir), "--url", url,
                                      "--brand", "Northwind"], catch_exceptions=False)
    assert result.exit_code == 1
    assert f"Found no stories at {url}: the page has a review section (div#reviews)" in (
        result.output)
    assert "loaded by JavaScript" in result.output
    assert "/api/v2/products/8812/reviews?page=1&per_page=20" in result.output
    assert "Crawl the site's review feed or API instead" in result.output
