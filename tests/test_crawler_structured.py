"""Structured data read through extruct: ratings on the page's own scale, "no rating" kept as
such, and the stories each extractor found, down to `storywatch crawl --url`'s summary."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.crawler.run import Source, crawl
from storywatch.crawler.spiders.schema_org import parse_schema_org_page
from tests.support.loopback import LoopbackSite, Reply

PAGES = Path(__file__).resolve().parent / "data" / "pages"
RECIPE = "/recipes/rhubarb-ginger-crumble-pie/reviews"
NO_REVIEWS = "/recipes/nettle-soup"


def parse(name: str, errors: Counter, extractors: Counter | None = None) -> list[dict]:
    return parse_schema_org_page((PAGES / name).read_text(encoding="utf-8"), brand="Hearth",
                                 is_competitor=False, page_url="https://www.hearth-table.example"
                                 + RECIPE, errors=errors, extractors=extractors)


@pytest.fixture(scope="module")
def site():
    routes = {RECIPE: Reply(body=(PAGES / "structured_recipe_zero_ratings.html").read_bytes()),
              RECIPE + "?page=2": Reply(body=(PAGES / "structured_recipe_page2.html").read_bytes()),
              NO_REVIEWS: Reply(body=(PAGES / "structured_no_reviews.html").read_bytes())}
    with LoopbackSite(routes) as loopback:
        yield loopback


def test_reviews_rated_0_are_kept_without_a_rating() -> None:
    errors, extractors = Counter(), Counter()
    stories = parse("structured_recipe_zero_ratings.html", errors, extractors)
    assert not errors
    assert len(stories) == 9
    assert {(s["rating"], s["rating_raw"]) for s in stories} == {(None, None)}
    assert extractors == Counter({"json-ld": 9, "microdata": 0, "rdfa": 0})
    beth, imke, jon = stories[0], stories[3], stories[4]
    # the page writes raw line breaks inside its JSON strings, as real pages do
    assert beth["body"] == ("Made this on Sunday.\n"
                            "The crust was perfect but I needed 10 more minutes in my oven.")
    assert beth["author"] == "Beth" and beth["published_at"] == "2026-06-10T09:00:00Z"
    assert imke["language"] == "de" and imke["body"].startswith("Sehr lecker!")
    assert jon["company_reply"] == "Thanks Jon, we have added the eggs to the shopping list."
    assert jon["company_replied_at"] == "2026-06-15T08:00:00Z"


def test_ten_reviews_on_their_own_scale_one_unrated_all_kept() -> None:
    errors: Counter = Counter()
    stories = parse("structured_recipe_page2.html", errors)
    assert not errors
    assert [s["author"] for s in stories] == [f"Reader {n}" for n in range(1, 11)]
    assert (stories[1]["rating"], stories[1]["rating_raw"]) == (0.1111, "2/10")
    assert (stories[9]["rating"], stories[9]["rating_raw"]) == (1.0, "10/10")
    unrated = stories[6]
    assert (unrated["rating"], unrated["rating_raw"]) == (None, None)
    assert unrated["body"].startswith("No stars from me")


def test_a_real_crawl_follows_the_pages_and_counts_each_extractor(site: LoopbackSite,
                                                                   tmp_path: Path) -> None:
    result, soup = crawl([Source("Hearth", False, "auto", site.url(RECIPE)),
                          Source("Hearth", False, "schema_org", site.url(NO_REVIEWS))],
                         tmp_path / "landing", throttle=False)
    assert (soup.stories, soup.error_reasons) == (0, {"empty_page": 1})
    assert soup.extractors == {"json-ld": 0, "microdata": 0, "rdfa": 0}
    assert (result.stories, result.pages, result.errors) == (19, 2, 0)
    assert result.detected_format == "schema_org"
    assert result.extractors == {"json-ld": 19, "microdata": 0, "rdfa": 0}
    stories = [json.loads(line) for line in Path(result.landing_file).read_text().splitlines()]
    assert sum(s["rating"] is None for s in stories) == 10


def test_crawl_url_names_the_format_and_the_stories_of_each_extractor(
        site: LoopbackSite, workdir: Path) -> None:
    result = CliRunner().invoke(cli, ["crawl", "--workdir", str(workdir), "--url",
                                      site.url(RECIPE), "--brand", "Hearth"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (f"Found 19 stories at {site.url(RECIPE)} (format: schema_org; json-ld 19, "
            "microdata 0, rdfa 0, fallback 0).") in result.output

