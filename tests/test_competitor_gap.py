"""The competitor gap is one definition: the view, the analysts' macro and the dashboard's named
query give the same numbers, filters work, and a warehouse from migration 006 upgrades to it."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

from storywatch.warehouse import connect_read_only, report_queries
from storywatch.warehouse import db as warehouse_db
from storywatch.warehouse.report_rollups import refresh_rollups, relations, rollups_current
from storywatch.warehouse.sql import view_columns
from tests.fixture_warehouse import build_fixture_warehouse, fixture_stories

ORDER = ["cause", "competitor"]
FILTERS = {
    "none": {},
    "brands": {"brands": ["Northwind", "HomeHaven"]},
    "sources": {"sources": ["trustpilot"]},  # only HomeHaven: we have no stories there
    "weeks": {"start": date(2025, 2, 5), "end": date(2025, 3, 9)},  # a Wednesday, a Sunday
    "causes": {"causes": ["refunds", "staff attitude"]},
    "all": {"brands": ["Northwind", "Brightmart"], "sources": ["schema_org"],
            "start": "2025-01-20", "end": "2025-03-16", "causes": ["staff attitude"]},
}
# The macro's parameter for each of the named query's filters.
MACRO_NAMES = {"brands": "brands", "sources": "sources", "causes": "causes",
               "start": "from_week", "end": "to_week"}


def monday(day: date | str) -> date:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return day - timedelta(days=day.weekday())


def net(sentiments: list[str]) -> float | None:
    if not sentiments:
        return None
    return round(100 * (sentiments.count("positive") - sentiments.count("negative"))
                 / len(sentiments), 1)


def spec_gap(brands=None, sources=None, start=None, end=None, causes=None) -> dict:
    """The gap worked out from the fixture's spec: (cause, competitor) -> ours and theirs."""
    scoped = [s for s in fixture_stories()
              if (brands is None or s.record["brand"] in brands)
              and (sources is None or s.record["source"] in sources)
              and (start is None or s.week >= monday(start))
              and (end is None or s.week <= monday(end))]
    competitors = {s.record["brand"] for s in scoped if s.record["is_competitor"]}
    named = defaultdict(list)
    for story in scoped:
        side = story.record["brand"] if story.record["is_competitor"] else "ours"
        for cause, _, _ in story.causes:
            if story.sentiment and (causes is None or cause in causes):
                named[(cause, side)].append(story.sentiment)
    found = {}
    for cause in {cause for cause, _ in named}:
        ours = named[(cause, "ours")]
        for competitor in competitors:
            theirs = named[(cause, competitor)]
            if ours or theirs:
                found[(cause, competitor)] = (len(ours), net(ours), len(theirs), net(theirs))
    return found


def as_spec(gap: pd.DataFrame) -> dict:
    def number(value):
        return None if pd.isna(value) else value

    return {(row.cause, row.competitor): (row.our_stories, number(row.our_net_score),
                                          row.competitor_stories,
                                          number(row.competitor_net_score))
            for row in gap.itertuples()}


def between(con: duckdb.DuckDBPyConnection, **filters: object) -> pd.DataFrame:
    """The analysts' macro with the named query's filters, as an analyst would call it."""
    named = ", ".join(f"{MACRO_NAMES[name]} := ?" for name in filters)
    return con.execute(f"SELECT * FROM competitor_gap_between({named}) ORDER BY ALL",
                       list(filters.values())).df()


@pytest.fixture(scope="module", params=["views", "rollups"])
def con(request, tmp_path_factory):
    """The fixture warehouse read through its views, or through current rollup tables."""
    workdir = tmp_path_factory.mktemp(f"gap_{request.param}")
    build_fixture_warehouse(workdir)
    if request.param == "rollups":
        writer = warehouse_db.connect(workdir)
        refresh_rollups(writer)
        writer.close()
    con = connect_read_only(workdir)
    assert rollups_current(con) == (request.param == "rollups")
    yield con
    con.close()


def test_view_and_named_query_give_the_same_gap(con):
    view = con.execute("SELECT * FROM competitor_gap ORDER BY cause, competitor").df()
    gap = report_queries.competitor_gap(con)
    pd.testing.assert_frame_equal(gap, view)
    assert len(gap) == 10 and as_spec(gap) == spec_gap()


@pytest.mark.parametrize("case", sorted(FILTERS))
def test_filters_give_the_spec_numbers_on_page_and_macro(con, case):
    filters = FILTERS[case]
    gap = report_queries.competitor_gap(con, **filters)
    assert not gap.empty and as_spec(gap) == spec_gap(**filters)
    assert (gap["gap"].dropna() == (gap["our_net_score"] - gap["competitor_net_score"])
            .dropna()).all()
    pd.testing.assert_frame_equal(gap, between(con, **filters))


def test_filters_narrow_the_answer_a_user_sees(con):
    homehaven = report_queries.competitor_gap(con, brands=["Northwind", "HomeHaven"])
    assert set(homehaven["competitor"]) == {"HomeHaven"}
    trustpilot = report_queries.competitor_gap(con, sources=["trustpilot"])
    assert set(trustpilot["our_stories"]) == {0} and trustpilot["gap"].isna().all()
    refunds = report_queries.competitor_gap(con, causes=["refunds"], brands=[])
    assert set(refunds["cause"]) == {"refunds"} and set(refunds["competitor"]) == {
        "Brightmart", "HomeHaven"}



def test_the_page_reads_current_rollups_not_the_views(tmp_path):
    """At millions of stories the views are ~15x slower: the named query must read the rollups.
    A rollup edited behind the fingerprint's back shows which one it read."""
    build_fixture_warehouse(tmp_path)
    writer = warehouse_db.connect(tmp_path)
    refresh_rollups(writer)
    writer.execute("DELETE FROM rollup_story_causes WHERE cause = 'refunds'")
    writer.close()
    con = connect_read_only(tmp_path)
    try:
        assert rollups_current(con)
        assert "refunds" not in set(report_queries.competitor_gap(con)["cause"])
        assert "refunds" in set(con.execute("SELECT cause FROM competitor_gap").df()["cause"])
    finally:
        con.close()

def test_a_warehouse_at_migration_006_upgrades_and_answers_the_same(tmp_path, monkeypatch):
    before_007 = [m for m in warehouse_db._migrations() if m[0] <= 6]
    monkeypatch.setattr(warehouse_db, "_migrations", lambda: before_007)
    build_fixture_warehouse(tmp_path)
    old = warehouse_db.connect(tmp_path)
    refresh_rollups(old)
    view = old.execute("SELECT * FROM competitor_gap ORDER BY cause, competitor").df()
    columns = view_columns(old, "competitor_gap")
    comment = old.execute("SELECT comment FROM duckdb_views() "
                          "WHERE view_name = 'competitor_gap'").fetchone()
    assert old.execute("SELECT count(*) FROM duckdb_functions() "
                       "WHERE function_name = 'competitor_gap_between'").fetchone() == (0,)
    old.close()
    monkeypatch.undo()

    upgraded = duckdb.connect(str(warehouse_db.database_path(tmp_path)))
    assert warehouse_db.migrate(upgraded)[0] == "007_competitor_gap_macro.sql"  # then 008+
    # A migration may redefine what a rollup sums, so rollups count as stale after any upgrade
    # (the rollup version hashes the applied migrations) until the next writer refreshes them.
    refresh_rollups(upgraded)
    upgraded.close()

    con = connect_read_only(tmp_path)
    try:
        # The upgrade changes no figure, and the page reads the refreshed rollups.
        assert relations(con).causes == "rollup_story_causes"
        pd.testing.assert_frame_equal(
            con.execute("SELECT * FROM competitor_gap ORDER BY cause, competitor").df(), view)
        pd.testing.assert_frame_equal(view_columns(con, "competitor_gap"), columns)
        assert con.execute("SELECT comment FROM duckdb_views() "
                           "WHERE view_name = 'competitor_gap'").fetchone() == comment
        pd.testing.assert_frame_equal(report_queries.competitor_gap(con), view)
        pd.testing.assert_frame_equal(between(con), view)
    finally:
        con.close()
