"""Named queries on the fixture warehouse: numbers worked out by hand and from its spec."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pandas as pd
import pytest

from tests.fixture_warehouse import (
    FIRST_WEEK,
    HOSTILE_TEXTS,
    LAST_WEEK,
    UNTAGGED_KEY,
    build_fixture_warehouse,
)
from warehouse import connect_read_only, queries


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("queries")
    stories = build_fixture_warehouse(workdir)
    con = connect_read_only(workdir)
    yield con, stories
    con.close()


@pytest.fixture()
def con(fixture):
    return fixture[0]


def test_counts_and_period(con):
    assert queries.story_count(con) == 62
    assert queries.tagged_story_count(con) == 61
    assert queries.story_period(con) == (FIRST_WEEK, LAST_WEEK)
    assert queries.story_period(con, brand="Nobody") is None


def test_brands_put_ours_first(con):
    found = queries.brands(con)
    assert list(found["brand"]) == ["Northwind", "Brightmart", "HomeHaven"]
    assert list(found["is_competitor"]) == [False, True, True]
    assert list(found["stories"]) == [27, 18, 17]


def test_weekly_net_score_by_hand(con):
    weekly = queries.weekly_net_score(con, brands=["Northwind"])
    assert len(weekly) == 12 and set(weekly["brand"]) == {"Northwind"}
    by_week = weekly.set_index("week")
    # Week 1 "nn", week 4 "nnp", week 11 "ppn" (the untagged story of week 11 does not count).
    assert by_week.loc[pd.Timestamp(2025, 1, 13), "net_story_score"] == -100.0
    week4 = by_week.loc[pd.Timestamp(2025, 2, 3)]
    assert week4[["stories", "negative", "net_story_score"]].tolist() == [3, 2, -33.3]
    week11 = by_week.loc[pd.Timestamp(2025, 3, 24)]
    assert week11[["stories", "positive", "net_story_score"]].tolist() == [3, 2, 33.3]


def test_weekly_net_score_matches_fixture_spec(fixture):
    con, stories = fixture
    expected = Counter()
    totals = Counter()
    for story in stories:
        if story.sentiment:
            key = (story.record["brand"], story.week)
            totals[key] += 1
            expected[key] += {"positive": 1, "negative": -1, "neutral": 0}[story.sentiment]
    weekly = queries.weekly_net_score(con)
    assert len(weekly) == len(totals)
    for row in weekly.itertuples():
        key = (row.brand, row.week.date())
        assert row.stories == totals[key]
        assert row.net_story_score == round(100 * expected[key] / totals[key], 1)


def test_brand_and_period_filters_narrow_results(con):
    everyone = queries.weekly_net_score(con)
    competitors = queries.weekly_net_score(con, brands=["Brightmart", "HomeHaven"])
    assert set(everyone["brand"]) == {"Northwind", "Brightmart", "HomeHaven"}
    assert set(competitors["brand"]) == {"Brightmart", "HomeHaven"}
    assert len(competitors) == len(everyone) - 12
    march = queries.weekly_net_score(con, start="2025-03-03", end=date(2025, 3, 16))
    assert sorted(set(march["week"].dt.date)) == [date(2025, 3, 3), date(2025, 3, 10)]


def test_brand_net_score_over_the_period(con):
    headline = queries.brand_net_score(con).set_index("brand")
    # Northwind: 12 positive, 12 negative, 2 neutral; HomeHaven 6 positive, 9 negative of 17.
    assert headline.loc["Northwind", ["stories", "net_story_score"]].tolist() == [26, 0.0]
    assert headline.loc["HomeHaven", "net_story_score"] == round(100 * (6 - 9) / 17, 1)
    only_ours = queries.brand_net_score(con, brands=["Northwind"])
    assert list(only_ours["brand"]) == ["Northwind"]


def test_cause_counts_follow_the_current_model(fixture):
    con, stories = fixture
    counts = queries.cause_counts(con)
    assert "old cause" not in set(counts["cause"])
    expected = Counter()
    for story in stories:
        for cause, owner, _ in story.causes:
            expected[(story.record["brand"], cause, owner, story.sentiment)] += 1
    for row in counts.itertuples():
        assert row.negative == expected[(row.brand, row.cause, row.owner, "negative")]
        assert row.positive == expected[(row.brand, row.cause, row.owner, "positive")]
        assert row.side == ("ours" if row.brand == "Northwind" else "competitor")
    refunds = counts.set_index(["brand", "cause"]).loc[("Northwind", "refunds")]
    assert (refunds["negative"], refunds["negative_share"]) == (3, round(100 * 3 / 26, 1))


def test_cause_counts_filter_by_brand_and_owner(con):
    sales = queries.cause_counts(con, brands=["HomeHaven"], owner="Sales")
    assert set(sales["brand"]) == {"HomeHaven"} and set(sales["owner"]) == {"Sales"}
    assert queries.causes(con).set_index("cause").loc["refunds", "owner"] == "Operations"


def test_stories_filters_and_evidence(con):
    everything = queries.stories(con)
    assert len(everything) == 62 and UNTAGGED_KEY in set(everything["story_key"])
    refunds = queries.stories(con, brand="Northwind", cause="refunds")
    assert len(refunds) == 3
    assert set(refunds["sentiment"]) == {"negative"}
    assert all("refund" in evidence for evidence in refunds["evidence"])
    positive = queries.stories(con, brand="Brightmart", sentiment="positive")
    assert len(positive) == 10
    assert len(queries.stories(con, limit=5)) == 5


def test_stories_search_is_a_plain_substring(con):
    found = queries.stories(con, search="SCRIPT>")
    assert list(found["story_key"]) == ["fixture:northwind-0"]
    assert HOSTILE_TEXTS[0] in found.iloc[0]["evidence"]
    assert queries.stories(con, search="%").empty  # no wildcard meaning
    assert queries.stories(con, search="'; DROP TABLE stories; --").empty
    assert queries.story_count(con) == 62


def test_links_are_only_http(con):
    hostile = queries.stories(con, search="javascript:")
    assert len(hostile) == 1 and hostile.iloc[0]["link"] is None
    assert queries.stories(con, brand="Northwind", limit=1).iloc[0]["link"].startswith("https://")


def test_strongest_stories_quote_each_side(con):
    quoted = queries.strongest_stories(con, per_brand=1)
    assert len(quoted) == 6
    northwind = quoted[quoted["brand"] == "Northwind"].set_index("sentiment")
    assert northwind.loc["negative", "sentiment_score"] == -0.75
    assert northwind.loc["positive", "sentiment_score"] == 0.95
    assert northwind.loc["positive", "body"].startswith("<script>")
