"""Named queries about causes: the competitor gap, owners, trends and the causes that moved most.

These answer marketing's "which policies cost us stories, and are we better or worse than the
competition on each?" and the exec report's "what changed since last week (or month)?". They take
the same filters as `storywatch.warehouse.queries` (brands, sources, causes, start, end) and bind every
value as a parameter. A `Period` is a calendar week (Monday to Sunday) or a calendar month; the
previous period is the one just before it, so "moved" always compares like with like.
"""
from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import duckdb
import pandas as pd

from storywatch.warehouse.queries import LINK, Day, Names, _frame, _read, _where
from storywatch.warehouse.report_rollups import relation_names

PeriodKind = Literal["week", "month"]
POSITIVE, NEGATIVE = "sentiment = 'positive'", "sentiment = 'negative'"
_NET = f"count(*) FILTER (WHERE {POSITIVE}) - count(*) FILTER (WHERE {NEGATIVE})"


def _counter(counted: bool) -> Callable[..., str]:
    """How to count stories: rows of a view, or sum the `stories` column of a daily rollup."""
    def number(condition: str = "TRUE") -> str:
        if counted:
            return f"CAST(coalesce(sum(stories) FILTER (WHERE {condition}), 0) AS BIGINT)"
        return "count(*)" if condition == "TRUE" else f"count(*) FILTER (WHERE {condition})"
    return number


def _daily(con: duckdb.DuckDBPyConnection, name: str, view: str) -> tuple[str, bool]:
    """The daily rollup `name` while it is current (counted rows), else the view (story rows)."""
    table = relation_names(con).get(name)
    return (table, True) if table else (view, False)


@dataclass(frozen=True)
class Period:
    """A report period [start, until) and the equally long period just before it."""

    kind: PeriodKind
    start: date
    until: date
    previous_start: date

    @property
    def label(self) -> str:
        if self.kind == "week":
            return f"week of {self.start:%Y-%m-%d}"
        return f"{self.start:%B %Y}"

    @property
    def slug(self) -> str:
        return f"week_{self.start:%Y-%m-%d}" if self.kind == "week" else f"month_{self.start:%Y-%m}"


def period_ending(kind: PeriodKind, end: date) -> Period:
    """The calendar week or month holding `end`.

    Example:
        >>> period_ending("month", date(2025, 3, 24)).label
        'March 2025'
    """
    if kind == "week":
        start = end - timedelta(days=end.weekday())
        return Period(kind, start, start + timedelta(days=7), start - timedelta(days=7))
    if kind != "month":
        raise ValueError(f"period must be week or month, not {kind!r}")
    start = end.replace(day=1)
    until = start + timedelta(days=calendar.monthrange(start.year, start.month)[1])
    previous = (start - timedelta(days=1)).replace(day=1)
    return Period(kind, start, until, previous)


def latest_story_day(con: duckdb.DuckDBPyConnection) -> date | None:
    """The publication day of the newest tagged story, or None when nothing is tagged."""
    row = _read(con, "SELECT max(published_at) FROM story_facts WHERE sentiment IS NOT NULL",
                []).fetchone()
    return None if row[0] is None else row[0].date()


def brand_change(
    con: duckdb.DuckDBPyConnection, period: Period, brands: Names = None, sources: Names = None,
    causes: Names = None,
) -> pd.DataFrame:
    """Per brand: stories and net story score in the period, the previous one, and the change."""
    where, params = _where(brands=brands, sources=sources, causes=causes)
    return _frame(con, f"""
        WITH scored AS (
            SELECT brand, bool_or(is_competitor) AS is_competitor,
                   published_at >= CAST(? AS TIMESTAMP) AS is_now,
                   count(*) AS stories,
                   count(*) FILTER (WHERE sentiment = 'positive') AS positive,
                   count(*) FILTER (WHERE sentiment = 'negative') AS negative,
                   round(100.0 * ({_NET}) / count(*), 1) AS net_story_score
            FROM story_facts
            WHERE sentiment IS NOT NULL AND published_at >= CAST(? AS TIMESTAMP)
              AND published_at < CAST(? AS TIMESTAMP) AND {where}
            GROUP BY brand, is_now
        )
        SELECT brand, bool_or(is_competitor) AS is_competitor,
               coalesce(max(stories) FILTER (WHERE is_now), 0) AS stories,
               coalesce(max(positive) FILTER (WHERE is_now), 0) AS positive,
               coalesce(max(negative) FILTER (WHERE is_now), 0) AS negative,
               max(net_story_score) FILTER (WHERE is_now) AS net_story_score,
               coalesce(max(stories) FILTER (WHERE NOT is_now), 0) AS previous_stories,
               max(net_story_score) FILTER (WHERE NOT is_now) AS previous_net_score,
               round(max(net_story_score) FILTER (WHERE is_now)
                     - max(net_story_score) FILTER (WHERE NOT is_now), 1) AS change
        FROM scored GROUP BY brand ORDER BY is_competitor, brand
    """, [period.start, period.previous_start, period.until, *params])


def cause_movers(
    con: duckdb.DuckDBPyConnection, period: Period, brands: Names = None, sources: Names = None,
    causes: Names = None, limit: int = 5,
) -> pd.DataFrame:
    """Our causes that moved most: change in net stories (positive minus negative) naming each.

    Competitors are left out (the report is about what our own functions can change).
    `moved` below zero means the cause brought more negative stories than in the previous period.
    """
    where, params = _where(brands=brands, sources=sources, cause_in=causes, competitor=False)
    relation, counted = _daily(con, "daily_causes", "story_causes")
    n, at = _counter(counted), "day" if counted else "published_at"
    now, before = f"{at} >= CAST(? AS TIMESTAMP)", f"{at} < CAST(? AS TIMESTAMP)"
    return _frame(con, f"""
        WITH windows AS (
            SELECT cause, any_value(owner) AS owner, {n(now)} AS stories,
                   {n(before)} AS previous_stories,
                   {n(f"{now} AND {POSITIVE}")} - {n(f"{now} AND {NEGATIVE}")} AS net_stories,
                   {n(f"{before} AND {POSITIVE}")} - {n(f"{before} AND {NEGATIVE}")}
                       AS previous_net_stories
            FROM {relation}
            WHERE sentiment IS NOT NULL AND {at} >= CAST(? AS TIMESTAMP)
              AND {at} < CAST(? AS TIMESTAMP) AND {where}
            GROUP BY cause
        )
        SELECT cause, owner, stories, net_stories,
               round(100.0 * net_stories / nullif(stories, 0), 1) AS net_story_score,
               previous_stories, previous_net_stories,
               round(100.0 * previous_net_stories / nullif(previous_stories, 0), 1)
                   AS previous_net_score,
               net_stories - previous_net_stories AS moved
        FROM windows
        ORDER BY abs(moved) DESC, stories DESC, cause LIMIT ?
    """, [period.start] * 6 + [period.previous_start, period.until, *params, int(limit)])


def mover_stories(
    con: duckdb.DuckDBPyConnection, period: Period, causes: Sequence[str],
    brands: Names = None, per_cause: int = 3,
) -> pd.DataFrame:
    """Up to `per_cause` of our stories per cause in the period, the most clearly felt first."""
    if not causes:
        return pd.DataFrame(columns=["cause", "brand", "sentiment", "published_at", "evidence",
                                     "title", "body", "link", "story_key"])
    where, params = _where(brands=brands, cause_in=causes, competitor=False)
    return _frame(con, f"""
        SELECT c.cause, f.brand, f.sentiment, f.published_at, c.evidence, f.title, f.body,
               {LINK} AS link, f.story_key
        FROM (SELECT * FROM story_causes WHERE {where}) c
        JOIN story_facts f USING (story_key)
        WHERE f.published_at >= CAST(? AS TIMESTAMP) AND f.published_at < CAST(? AS TIMESTAMP)
        QUALIFY row_number() OVER (PARTITION BY c.cause
                                   ORDER BY abs(f.sentiment_score) DESC, f.story_key) <= ?
        ORDER BY c.cause, abs(f.sentiment_score) DESC, f.story_key
    """, [*params, period.start, period.until, int(per_cause)])


def competitor_gap(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    sources: Names = None, causes: Names = None,
) -> pd.DataFrame:
    """Per cause and competitor: our net story score, theirs, and the gap (ours minus theirs).

    The rule lives once, in the table macro `competitor_gap_over` (migration 007), which the
    `competitor_gap` view also calls: this is that view restricted to the filters.
    """
    lists = {"brands", "sources", "causes"}
    given = {"from_week": start, "to_week": end, "brands": brands, "sources": sources,
             "causes": causes}
    # Only the filters given are passed: one left out stays NULL in the macro and folds away.
    given = {name: [str(item) for item in value] if name in lists else value
             for name, value in given.items() if value is not None and (name not in lists or value)}
    filters = "".join(f", {name} := ?" for name in given)
    # The macro reads the relations named here; `_read` renames them to their rollup copies while
    # those are current, as in every named query (one fingerprint check, not two).
    return _frame(con, f"""
        SELECT * FROM competitor_gap_over('story_causes', 'story_facts'{filters})
        ORDER BY cause, competitor
    """, list(given.values()))


def owner_scores(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    sources: Names = None, causes: Names = None,
) -> pd.DataFrame:
    """Per owner and side (ours, competitor): stories naming the owner's causes and their score.

    `negative_share` is the percentage of the side's tagged stories that are negative and name
    one of the owner's causes: which side of the house is costing stories.
    """
    scope = {"brands": brands, "start": start, "end": end, "sources": sources}
    where, params = _where(**scope, cause_in=causes)
    total_where, total_params = _where(**scope)
    facts, whole = _daily(con, "daily_scores", "story_facts")
    # A story naming two causes of one owner counts once for that owner (view story_owners).
    if causes:
        owned, counted = (f"SELECT DISTINCT story_key, owner, is_competitor, sentiment "
                          f"FROM story_causes WHERE {where}"), False
    else:
        relation, counted = _daily(con, "daily_owners", "story_owners")
        owned = f"SELECT * FROM {relation} WHERE {where}"
    n = _counter(counted)
    return _frame(con, f"""
        WITH totals AS (
            SELECT is_competitor, {_counter(whole)()} AS side_stories FROM {facts}
            WHERE sentiment IS NOT NULL AND {total_where} GROUP BY is_competitor
        ), per_owner AS (
            SELECT owner, is_competitor, {n()} AS stories, {n(POSITIVE)} AS positive,
                   {n(NEGATIVE)} AS negative
            FROM ({owned}) WHERE sentiment IS NOT NULL GROUP BY owner, is_competitor
        )
        SELECT p.owner, CASE WHEN p.is_competitor THEN 'competitor' ELSE 'ours' END AS side,
               p.stories, p.positive, p.negative,
               round(100.0 * (p.positive - p.negative) / p.stories, 1) AS net_story_score,
               round(100.0 * p.negative / t.side_stories, 1) AS negative_share
        FROM per_owner p JOIN totals t USING (is_competitor)
        ORDER BY p.is_competitor, p.negative DESC, p.owner
    """, total_params + params)


def cause_trend(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    sources: Names = None, causes: Names = None,
) -> pd.DataFrame:
    """Our brands' stories and net story score per cause per week."""
    where, params = _where(brands=brands, start=start, end=end, sources=sources,
                           cause_in=causes, competitor=False)
    relation, counted = _daily(con, "daily_causes", "story_causes")
    n = _counter(counted)
    return _frame(con, f"""
        SELECT CAST(week AS DATE) AS week, cause, any_value(owner) AS owner, {n()} AS stories,
               {n(POSITIVE)} AS positive, {n(NEGATIVE)} AS negative,
               round(100.0 * ({n(POSITIVE)} - {n(NEGATIVE)}) / {n()}, 1) AS net_story_score
        FROM {relation} WHERE sentiment IS NOT NULL AND week IS NOT NULL AND {where}
        GROUP BY week, cause ORDER BY week, cause
    """, params)


def cause_counts(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    owner: str | None = None, sources: Names = None, causes: Names = None,
) -> pd.DataFrame:
    """Negative and positive stories per cause, owner and brand, with the brand's side.

    `side` is "ours" or "competitor"; `negative_share` is the percentage of the brand's tagged
    stories in the period that are negative and name this cause, so brands of different size
    compare fairly.
    """
    scope = {"brands": brands, "start": start, "end": end, "sources": sources}
    where, params = _where(**scope)
    cause_where, cause_params = _where(**scope, owner=owner, cause_in=causes)
    facts, whole = _daily(con, "daily_scores", "story_facts")
    relation, counted = _daily(con, "daily_causes", "story_causes")
    n = _counter(counted)
    return _frame(con, f"""
        WITH totals AS (
            SELECT brand, {_counter(whole)()} AS brand_stories FROM {facts}
            WHERE sentiment IS NOT NULL AND {where} GROUP BY brand
        ), per_cause AS (
            SELECT brand, bool_or(is_competitor) AS is_competitor, cause, owner,
                   {n(NEGATIVE)} AS negative, {n(POSITIVE)} AS positive, {n()} AS stories
            FROM {relation} WHERE {cause_where} GROUP BY brand, cause, owner
        )
        SELECT c.brand, CASE WHEN c.is_competitor THEN 'competitor' ELSE 'ours' END AS side,
               c.cause, c.owner, c.negative, c.positive, c.stories,
               round(100.0 * c.negative / t.brand_stories, 1) AS negative_share
        FROM per_cause c JOIN totals t ON t.brand = c.brand
        ORDER BY side DESC, c.brand, negative DESC, c.cause
    """, params + cause_params)
