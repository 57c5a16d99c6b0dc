"""What every named-query module shares: the filters, what a query reads, and how it counts.

The dashboard's global filters (`brands`, `sources`, `causes`, `start`, `end`) and the few others
mean the same in every query because they are the fixed clauses below; user values only ever
reach SQL as `?` parameters. A query reads the relations a `Relations` names: the story views, or
their rollup tables while those are current (`report_rollups.relations(con, rollups=...)`, which
checks the rollups' fingerprint). The score itself is the SQL macro `net_score`
(migration 009); `scores()` here only says what to count for it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

Day = date | datetime | str | None
Names = Sequence[str] | None

# Fixed filter clauses, keyed by filter name.
CLAUSES = {
    # list_contains, not IN (SELECT unnest(?)): a semi join is far slower on a big table.
    "brands": "list_contains(CAST(? AS VARCHAR[]), brand)",
    "sources": "list_contains(CAST(? AS VARCHAR[]), source)",
    # {causes}: what the query reads for story_causes (its rollup copy while current).
    "causes": ("story_key IN (SELECT story_key FROM {causes} "
               "WHERE list_contains(CAST(? AS VARCHAR[]), cause))"),
    "cause_in": "list_contains(CAST(? AS VARCHAR[]), cause)",
    "brand": "brand = ?",
    "start": "week >= date_trunc('week', CAST(? AS TIMESTAMP))",
    "end": "week <= date_trunc('week', CAST(? AS TIMESTAMP))",
    "since": "published_at >= CAST(? AS TIMESTAMP)",
    "until": "published_at < CAST(? AS TIMESTAMP)",
    "competitor": "is_competitor = ?",
    "sentiment": "sentiment = ?",
    "owner": "owner = ?",
}
LISTS = {"brands", "sources", "causes", "cause_in"}


def polarity(column: str) -> tuple[str, str, str]:
    """The positive, negative and neutral conditions on a sentiment column."""
    return tuple(f"{column} = '{value}'" for value in ("positive", "negative", "neutral"))


# A story's own sentiment (brand scores) ...
POSITIVE, NEGATIVE, NEUTRAL = polarity("sentiment")
# ... and a cause's (or an owner's) polarity in it: praise of the staff inside a negative story is
# not a complaint about the staff (story_causes.cause_sentiment, migration 010).
CAUSE_POSITIVE, CAUSE_NEGATIVE, CAUSE_NEUTRAL = polarity("cause_sentiment")
# A story's permalink (or page) only when it is an http(s) address: never a javascript: link.
LINK = ("CASE WHEN regexp_matches(coalesce(story_url, source_url, ''), '^https?://') "
        "THEN coalesce(story_url, source_url) END")


@dataclass(frozen=True)
class Relations:
    """What a named query reads. The story views (or copies with the same columns) always;
    the daily counts only as rollup tables, so they are None while the rollups are stale."""

    facts: str = "story_facts"
    causes: str = "story_causes"
    owners: str = "story_owners"
    daily_scores: str | None = None
    daily_causes: str | None = None
    daily_owners: str | None = None


# What every query reads while the rollups are stale (or not asked for).
VIEWS = Relations()


def where(read: Relations | None = None, /, **filters: object) -> tuple[str, list[object]]:
    """The clauses for the filters given (None, or an empty list, filters nothing) and their
    parameters, in order; a `causes` filter looks the causes up in `read.causes`."""
    clauses, params = [], []
    for name, value in filters.items():
        if value is None or (name in LISTS and not value):
            continue
        clauses.append(CLAUSES[name].format(causes=(read or VIEWS).causes))
        params.append([str(item) for item in value] if name in LISTS else value)
    return (" AND ".join(clauses) or "TRUE"), params


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> pd.DataFrame:
    return con.execute(sql, params).df()


@dataclass(frozen=True)
class Counted:
    """Where to count stories: story rows (a view or its copy), or daily counts whose `stories`
    column is summed."""

    relation: str
    daily: bool = False

    def n(self, condition: str = "TRUE") -> str:
        """SQL for the number of stories meeting `condition` (a fixed clause above)."""
        if self.daily:
            return f"CAST(coalesce(sum(stories) FILTER (WHERE {condition}), 0) AS BIGINT)"
        return "count(*)" if condition == "TRUE" else f"count(*) FILTER (WHERE {condition})"


def counted(daily: str | None, rows: str) -> Counted:
    """The daily counts `daily` when there are (current rollups), else the story rows `rows`."""
    return Counted(daily, True) if daily else Counted(rows)


def scores(count: Counted, neutral: bool = True, column: str = "sentiment") -> str:
    """The score columns: stories, positive, negative, (neutral,) net_story_score, counting the
    sentiment `column` (`cause_sentiment` for a cause's or owner's own polarity)."""
    positive, negative, middle_condition = polarity(column)
    positive, negative = count.n(positive), count.n(negative)
    middle = f"{count.n(middle_condition)} AS neutral, " if neutral else ""
    return (f"{count.n()} AS stories, {positive} AS positive, {negative} AS negative, {middle}"
            f"net_score({positive}, {negative}, {count.n()}) AS net_story_score")
