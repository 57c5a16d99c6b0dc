"""Named queries on the fixture warehouse: numbers worked out by hand and from its spec."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pandas as pd
import pytest

from storywatch.warehouse import connect, connect_read_only, queries, report_queries
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.report_rollups import refresh_rollups, relations, rollups_current
from tests.fixture_warehouse import (
    FIRST_WEEK,
    HOSTILE_TEXTS,
    LAST_WEEK,
    UNTAGGED_KEY,
    build_fixture_warehouse,
)


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
    counts = report_queries.cause_counts(con)
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
    sales = report_queries.cause_counts(con, brands=["HomeHaven"], owner="Sales")
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


def test_filters_by_source_and_cause(fixture):
    con, stories = fixture
    trustpilot = queries.brand_net_score(con, sources=["trustpilot"])
    assert list(trustpilot["brand"]) == ["HomeHaven"]
    refunds = {s.record["story_key"] for s in stories if s.causes and s.causes[0][0] == "refunds"}
    found = queries.stories(con, causes=["refunds"])
    assert set(found["story_key"]) == refunds
    weekly = queries.weekly_net_score(con, causes=["refunds"])
    assert weekly["stories"].sum() == len(refunds) and set(weekly["net_story_score"]) == {-100}


def net(sentiments: list[str]) -> float:
    return round(100 * (sentiments.count("positive") - sentiments.count("negative"))
                 / len(sentiments), 1)


def test_competitor_gap_matches_the_fixture_spec_and_the_view(fixture):
    con, stories = fixture
    by = {}
    for story in stories:
        for cause, _, _ in story.causes:
            side = story.record["brand"] if story.record["is_competitor"] else "ours"
            by.setdefault((cause, side), []).append(story.sentiment)
    gap = report_queries.competitor_gap(con)
    assert len(gap) == 10
    for row in gap.itertuples():
        ours, theirs = net(by[(row.cause, "ours")]), net(by[(row.cause, row.competitor)])
        assert (row.our_net_score, row.competitor_net_score) == (ours, theirs)
        assert row.gap == pytest.approx(ours - theirs)
    view = con.execute("SELECT * FROM competitor_gap ORDER BY cause, competitor").df()
    pd.testing.assert_frame_equal(gap, view, check_dtype=False)
    only_homehaven = report_queries.competitor_gap(con, brands=["Northwind", "HomeHaven"])
    assert set(only_homehaven["competitor"]) == {"HomeHaven"}


def test_owner_scores_and_cause_trend(fixture):
    con, stories = fixture
    owners = report_queries.owner_scores(con).set_index(["owner", "side"])
    ours = [s for s in stories if s.sentiment and not s.record["is_competitor"]]
    operations = [s for s in ours if s.causes and s.causes[0][1] == "Operations"]
    row = owners.loc[("Operations", "ours")]
    assert row["stories"] == len(operations)
    assert row["negative_share"] == round(
        100 * sum(s.sentiment == "negative" for s in operations) / len(ours), 1)
    trend = report_queries.cause_trend(con)
    assert trend["stories"].sum() == sum(len(s.causes) for s in ours)


def test_brand_change_and_movers_compare_with_the_period_before(con):
    week = report_queries.period_ending("week", date(2025, 3, 27))
    assert (week.start, week.previous_start, week.label) == (
        date(2025, 3, 24), date(2025, 3, 17), "week of 2025-03-24")
    change = report_queries.brand_change(con, week).set_index("brand")
    # Northwind: week 10 "pn" (0.0), week 11 "ppn" (+33.3).
    assert change.loc["Northwind", ["net_story_score", "previous_net_score", "change"]].tolist() \
        == [33.3, 0.0, 33.3]
    movers = report_queries.cause_movers(con, week)
    assert movers["moved"].abs().is_monotonic_decreasing
    staff = movers.set_index("cause").loc["staff attitude"]
    assert staff[["stories", "net_stories", "previous_net_stories", "moved"]].tolist() \
        == [1, -1, 1, -2]
    quotes = report_queries.mover_stories(con, week, list(movers["cause"]))
    assert set(quotes["brand"]) == {"Northwind"} and quotes.groupby("cause").size().max() <= 3
    month = report_queries.period_ending("month", date(2025, 3, 1))
    assert (month.start, month.until, month.previous_start, month.label) == (
        date(2025, 3, 1), date(2025, 4, 1), date(2025, 2, 1), "March 2025")


def test_top_stories_and_source_health(con):
    top = queries.top_stories(con)
    assert list(top["story_key"]) == ["fixture:homehaven-3", "fixture:northwind-5",
                                      "fixture:brightmart-7"]
    assert list(queries.top_stories(con, brands=["Northwind"], limit=1)["helpful_votes"]) == [25]
    five = queries.top_stories(con, limit=5)  # more than have votes: the longest come next
    assert list(five["story_key"][:3]) == list(top["story_key"])
    assert five["body"].str.len().iloc[3] >= five["body"].str.len().iloc[4]
    health = queries.source_health(con).set_index(["source", "brand"])
    assert health.loc[("trustpilot", "HomeHaven"), "errors_last_crawl"] == 3
    assert health.loc[("schema_org", "Brightmart"), "crawls"] == 0
    assert health["stories_stored"].sum() == 62


def every_answer(con) -> dict[str, pd.DataFrame]:
    week = report_queries.period_ending("week", date(2025, 3, 24))
    return {
        "weekly": queries.weekly_net_score(con), "brands": queries.brand_net_score(con),
        "stories": queries.stories(con), "refunds": queries.stories(con, cause="refunds"),
        "top": queries.top_stories(con), "causes": queries.causes(con),
        "gap": report_queries.competitor_gap(con), "owners": report_queries.owner_scores(con),
        "trend": report_queries.cause_trend(con), "counts": report_queries.cause_counts(con),
        "movers": report_queries.cause_movers(con, week),
        "change": report_queries.brand_change(con, week),
        **cause_answers(con),
    }


def cause_answers(con) -> dict[str, pd.DataFrame]:
    """The Causes & owners page's questions under filters (daily cause rollups when current)."""
    month = report_queries.period_ending("month", date(2025, 3, 24))
    scope = {"brands": ["Northwind", "HomeHaven"], "sources": ["trustpilot", "schema_org"],
             "start": date(2025, 1, 20), "end": date(2025, 3, 16)}
    refunds = {"causes": ["refunds", "staff attitude"]}
    return {
        "owners_scoped": report_queries.owner_scores(con, **scope),
        "owners_causes": report_queries.owner_scores(con, **refunds),
        "trend_scoped": report_queries.cause_trend(con, **scope, **refunds),
        "counts_scoped": report_queries.cause_counts(con, owner="Operations", **scope),
        "counts_causes": report_queries.cause_counts(con, **refunds),
        "movers_month": report_queries.cause_movers(con, month, limit=10),
        "movers_scoped": report_queries.cause_movers(con, month, brands=["Northwind"],
                                                     **refunds),
        "latest": pd.DataFrame({"day": [report_queries.latest_story_day(con)]}),
    }


def test_rollups_give_the_same_answers_and_are_dropped_when_stale(tmp_path):
    build_fixture_warehouse(tmp_path)
    con = connect(tmp_path)
    try:
        from_views = every_answer(con)
        assert relations(con).facts == "story_facts"
        refresh_rollups(con)
        assert rollups_current(con) and relations(con).facts == "rollup_story_facts"
        assert relations(con).daily_causes == "rollup_daily_causes"
        assert all(not frame.empty for frame in from_views.values())
        for name, answer in every_answer(con).items():
            pd.testing.assert_frame_equal(answer, from_views[name], obj=name)
        upsert_stories(con, [{"story_key": "t:new", "source": "t", "brand": "Northwind",
                              "body": "New.", "published_at": "2025-03-25T00:00:00Z"}])
        assert not rollups_current(con)
        assert "t:new" in set(queries.stories(con)["story_key"])
    finally:
        con.close()


def test_dashboard_start_refreshes_stale_rollups(tmp_path):
    from storywatch.dashboard_server import prepare_rollups

    assert prepare_rollups(tmp_path / "nothing") is False
    build_fixture_warehouse(tmp_path)
    assert prepare_rollups(tmp_path) is True
    assert prepare_rollups(tmp_path) is False  # already current
    con = connect_read_only(tmp_path)
    assert rollups_current(con)
    con.close()
