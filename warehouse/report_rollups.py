"""Rollups: the story views materialised as tables and daily counts, used only while current.

Every dashboard question reads the views, and the views join stories, tags and causes, which is
too slow for a page of questions on a large warehouse (measured in docs/architecture.md).
`refresh_rollups()` (a writer: run it after `load` or `tag`) copies the views into tables and
records a fingerprint of what they were built from (row counts, newest update, current model,
the migrations that defined the views, and a digest of this module's code). `relations()` hands
the named queries the rollup tables only while the fingerprint still matches, so a stale rollup is
never read: the answer is the same either way, only faster. Each query names what it reads from
the `Relations` it is given; nothing rewrites SQL text.
"""
from __future__ import annotations

import sys
import weakref

import duckdb

from storywatch.versions import code_digest
from storywatch.warehouse.db import transaction
from storywatch.warehouse.query_base import VIEWS as STORY_VIEWS
from storywatch.warehouse.query_base import Relations

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


def owner_rows(causes: str, where: str = "TRUE") -> str:
    """SQL for one row per story and owner of the cause rows `causes` meeting `where`, with the
    owner's polarity in the story as `cause_sentiment`: negative when any of the owner's causes
    in it is a complaint, else positive when any is praised, else neutral: a story that praises
    one of an owner's policies and blames another still gives that owner something to fix
    (docs/sql.md). Here, not in query_base, so that a change of the rule changes the rollups'
    fingerprint (it digests this module's code)."""
    return f"""
        SELECT story_key, owner, brand, is_competitor, published_at, week, source, sentiment,
               CASE WHEN bool_or(cause_sentiment = 'negative') THEN 'negative'
                    WHEN bool_or(cause_sentiment = 'positive') THEN 'positive'
                    ELSE max(cause_sentiment) END AS cause_sentiment
        FROM {causes} WHERE {where} GROUP BY ALL
    """


# Tagged stories counted per brand, source, day and sentiment: the headline and weekly scores
# sum a few thousand rows instead of counting every story.
DAILY_SCORES = "rollup_daily_scores"
# The same per cause and the cause's own polarity (and per owner and the owner's polarity, a
# story counted once per owner): the Causes & owners page sums a few hundred thousand rows at
# most instead of joining every story to its causes.
DAILY_CAUSES = "rollup_daily_causes"
DAILY_OWNERS = "rollup_daily_owners"
DAILY_ROLLUP_SQL = """
    CREATE OR REPLACE TABLE {table} AS
    SELECT brand, is_competitor, source, CAST(published_at AS DATE) AS day, week,
           {columns} sentiment, count(*) AS stories
    FROM {view} GROUP BY ALL ORDER BY day
"""
# Each daily rollup: its grouping columns and what it counts, for DAILY_ROLLUP_SQL. The lake
# builds the same ones (scale/lake_flow.py).
DAILY = {DAILY_SCORES: ("", "story_facts"),
         DAILY_CAUSES: ("cause, owner, cause_sentiment,", "story_causes"),
         DAILY_OWNERS: ("owner, cause_sentiment,", f"({owner_rows('story_causes')})")}
# Connections over a fixed snapshot whose rollups were checked when it was opened (a lake
# session: its tables are pinned versions, so the fingerprint cannot change under it).
_CHECKED: weakref.WeakSet = weakref.WeakSet()


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute(FINGERPRINT_SQL, [code_digest(sys.modules[__name__])]).fetchone()[0]


def _daily(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """DAILY, or on a warehouse before migration 010 (no cause polarity yet) the same counting
    each cause with its story's sentiment, as that warehouse's queries did."""
    if con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'story_causes' "
                   "AND column_name = 'cause_sentiment'").fetchone()[0]:
        return DAILY
    story_polarity = "(SELECT *, sentiment AS cause_sentiment FROM story_causes)"
    return {table: (columns, view.replace("story_causes", story_polarity))
            for table, (columns, view) in DAILY.items()}


def refresh_rollups(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the rollup tables from the views (needs a read-write connection), all or nothing."""
    with transaction(con):
        for view, table in VIEWS.items():
            # Ordered by time, so a query for recent stories skips the older row groups.
            con.execute(f"CREATE OR REPLACE TABLE {table} AS "
                        f"SELECT * FROM {view} ORDER BY published_at")
        for table, (columns, view) in _daily(con).items():
            con.execute(DAILY_ROLLUP_SQL.format(table=table, columns=columns, view=view))
        con.execute("DELETE FROM rollup_state")
        con.execute("INSERT INTO rollup_state VALUES (?, now()::TIMESTAMP)", [_fingerprint(con)])


def mark_checked(con: duckdb.DuckDBPyConnection) -> None:
    """Record that `con` reads a fixed snapshot whose rollups its opener found current, so the
    named queries skip recomputing the fingerprint (costly over a lake's datasets). Only a
    session whose tables cannot change while it is open may be marked; never a DuckDB file."""
    _CHECKED.add(con)


def rollups_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the rollup tables match the stories and tags they were built from."""
    if con in _CHECKED:
        return True
    try:
        row = con.execute("SELECT fingerprint FROM rollup_state").fetchone()
    except duckdb.CatalogException:
        return False  # a warehouse from before migration 005
    return row is not None and row[0] == _fingerprint(con)


ROLLUPS = Relations(facts=VIEWS["story_facts"], causes=VIEWS["story_causes"],
                    owners=VIEWS["story_owners"], daily_scores=DAILY_SCORES,
                    daily_causes=DAILY_CAUSES, daily_owners=DAILY_OWNERS)


def relations(con: duckdb.DuckDBPyConnection, rollups: bool = True) -> Relations:
    """What a named query reads: the rollup tables while current (and `rollups` is True), else
    the views. Both give the same answers; `rollups=False` reads the views, e.g. to check that."""
    return ROLLUPS if rollups and rollups_current(con) else STORY_VIEWS
