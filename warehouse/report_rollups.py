"""Rollups: the story views materialised as tables and daily counts, used only while current.

Every dashboard question reads the views, and the views join stories, tags and causes, which is
too slow for a page of questions on a large warehouse (measured in docs/architecture.md).
`refresh_rollups()` (a writer: run it after `load` or `tag`) copies the views into tables and
records a fingerprint of what they were built from (row counts, newest update, current model,
the migrations that defined the views, and a digest of this module's code). `relation_names()`
hands the named queries the rollup tables only while the fingerprint still matches, so a stale
rollup is never read: the answer is the same either way, only faster.
"""
from __future__ import annotations

import sys

import duckdb

from storywatch.versions import code_digest
from storywatch.warehouse.db import transaction

# A rollup built from other data, by other migrations (view and macro definitions) or by other
# code here is stale, never half-read.
FINGERPRINT_SQL = """
    SELECT concat_ws('|', ?, (SELECT count(*) FROM stories), (SELECT max(updated_at) FROM stories),
                     (SELECT count(*) FROM story_tags), (SELECT max(tagged_at) FROM story_tags),
                     (SELECT count(*) FROM cause_tags),
                     (SELECT string_agg(model_version, ',') FROM current_model),
                     (SELECT string_agg(name, ',' ORDER BY number) FROM schema_migrations))
"""
VIEWS = {"story_facts": "rollup_story_facts", "story_causes": "rollup_story_causes",
         "story_owners": "rollup_story_owners"}
# Tagged stories counted per brand, source, day and sentiment: the headline and weekly scores
# sum a few thousand rows instead of counting every story.
DAILY_SCORES = "rollup_daily_scores"
# The same per cause (and per owner, a story counted once per owner): the Causes & owners page
# sums a few hundred thousand rows at most instead of joining every story to its causes.
DAILY_CAUSES = "rollup_daily_causes"
DAILY_OWNERS = "rollup_daily_owners"
_DAILY = """
    CREATE OR REPLACE TABLE {table} AS
    SELECT brand, is_competitor, source, CAST(published_at AS DATE) AS day, week,
           {columns} sentiment, count(*) AS stories
    FROM {view} GROUP BY ALL ORDER BY day
"""


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute(FINGERPRINT_SQL, [code_digest(sys.modules[__name__])]).fetchone()[0]


def refresh_rollups(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the rollup tables from the views (needs a read-write connection), all or nothing."""
    with transaction(con):
        for view, table in VIEWS.items():
            # Ordered by time, so a query for recent stories skips the older row groups.
            con.execute(f"CREATE OR REPLACE TABLE {table} AS "
                        f"SELECT * FROM {view} ORDER BY published_at")
        con.execute(_DAILY.format(table=DAILY_SCORES, columns="", view="story_facts"))
        con.execute(_DAILY.format(table=DAILY_CAUSES, columns="cause, owner,",
                                  view="story_causes"))
        con.execute(_DAILY.format(table=DAILY_OWNERS, columns="owner,", view="story_owners"))
        con.execute("DELETE FROM rollup_state")
        con.execute("INSERT INTO rollup_state VALUES (?, now()::TIMESTAMP)", [_fingerprint(con)])


def rollups_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the rollup tables match the stories and tags they were built from."""
    try:
        row = con.execute("SELECT fingerprint FROM rollup_state").fetchone()
    except duckdb.CatalogException:
        return False  # a warehouse from before migration 005
    return row is not None and row[0] == _fingerprint(con)


def relation_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """What to read for each rolled-up view: the rollup tables when current, else the views.

    `daily_scores`, `daily_causes` and `daily_owners` name the daily counts tables only while
    they are current (else they are absent).
    """
    if rollups_current(con):
        return {**VIEWS, "daily_scores": DAILY_SCORES, "daily_causes": DAILY_CAUSES,
                "daily_owners": DAILY_OWNERS}
    return {view: view for view in VIEWS}
