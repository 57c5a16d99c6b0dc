"""Named queries about causes: the competitor gap, owners, trends and the causes that moved most.

These answer marketing's "which policies cost us stories, and are we better or worse than the
competition on each?" and the exec report's "what changed since last week (or month)?". They take
the same filters as `storywatch.warehouse.queries` (brands, sources, causes, start, end) and bind
every value as a parameter; like them they read the rollup tables while current
(`rollups=False`: the views) and score with the SQL macro `net_score`. A cause (or owner) counts
with its own polarity in a story (`cause_sentiment`, migration 010), as the competitor gap does;
brand-level figures count the story's sentiment. A `Period` is a calendar
week (Monday to Sunday) or a calendar month; the previous period is the one just before it, so
"moved" always compares like with like.
"""
from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import duckdb
import pandas as pd

from storywatch.warehouse.query_base import (
    CAUSE_NEGATIVE,
    CAUSE_POSITIVE,
    LINK,
    Counted,
    Day,
    Names,
    counted,
    frame,
    scores,
    where,
)
from storywatch.warehouse.report_rollups import owner_rows, relations

PeriodKind = Literal["week", "month"]


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


def latest_story_day(con: duckdb.DuckDBPyConnection, *, rollups: bool = True) -> date | None:
    """The publication day of the newest tagged story, or None when nothing is tagged."""
    facts = relations(con, rollups).facts
    row = con.execute(f"SELECT max(published_at) FROM {facts} WHERE sentiment IS NOT NULL"
                      ).fetchone()
    return None if row[0] is None else row[0].date()


def brand_change(
    con: duckdb.DuckDBPyConnection, period: Period, brands: Names = None, sources: Names = None,
    causes: Names = None, *, rollups: bool = True,
) -> pd.DataFrame:
    """Per brand: stories and net story score in the period, the previous one, and the change."""
    read = relations(con, rollups)
    clause, params = where(read, brands=brands, sources=sources, causes=causes)
    return frame(con, f"""
        WITH scored AS (
            SELECT brand, bool_or(is_competitor) AS is_competitor,
                   published_at >= CAST(? AS TIMESTAMP) AS is_now,
                   {scores(Counted(read.facts), neutral=False)}
            FROM {read.facts}
            WHERE sentiment IS NOT NULL AND published_at >= CAST(? AS TIMESTAMP)
              AND published_at < CAST(? AS TIMESTAMP) AND {clause}
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
    causes: Names = None, limit: int = 5, *, rollups: bool = True,
) -> pd.DataFrame:
    """Our causes that moved most: change in net stories (positive minus negative) naming each.

    Competitors are left out (the report is about what our own functions can change).
    `moved` below zero means the cause brought more complaints about it than in the previous
    period (each story counted with the cause's own polarity in it).
    """
    read = relations(con, rollups)
    clause, params = where(read, brands=brands, sources=sources, cause_in=causes,
                           competitor=False)
    count = counted(read.daily_causes, read.causes)
    n, at = count.n, "day" if count.daily else "published_at"
    now, before = f"{at} >= CAST(? AS TIMESTAMP)", f"{at} < CAST(? AS TIMESTAMP)"
    return frame(con, f"""
        WITH windows AS (
            SELECT cause, any_value(owner) AS owner, {n(now)} AS stories,
                   {n(f"{now} AND {CAUSE_POSITIVE}")} AS positive,
                   {n(f"{now} AND {CAUSE_NEGATIVE}")} AS negative,
                   {n(before)} AS previous_stories,
                   {n(f"{before} AND {CAUSE_POSITIVE}")} AS previous_positive,
                   {n(f"{before} AND {CAUSE_NEGATIVE}")} AS previous_negative
            FROM {count.relation}
            WHERE cause_sentiment IS NOT NULL AND {at} >= CAST(? AS TIMESTAMP)
              AND {at} < CAST(? AS TIMESTAMP) AND {clause}
            GROUP BY cause
        ), netted AS (
            SELECT *, positive - negative AS net_stories,
                   previous_positive - previous_negative AS previous_net_stories
            FROM windows
        )
        SELECT cause, owner, stories, net_stories,
               net_score(positive, negative, stories) AS net_story_score,
               previous_stories, previous_net_stories,
               net_score(previous_positive, previous_negative, previous_stories)
                   AS previous_net_score,
               net_stories - previous_net_stories AS moved
        FROM netted
        ORDER BY abs(moved) DESC, stories DESC, cause LIMIT ?
    """, [period.start] * 6 + [period.previous_start, period.until, *params, int(limit)])


def mover_stories(
    con: duckdb.DuckDBPyConnection, period: Period, causes: Sequence[str],
    brands: Names = None, per_cause: int = 3, *, rollups: bool = True,
) -> pd.DataFrame:
    """Up to `per_cause` of our stories per cause in the period, the most clearly felt first;
    `sentiment` is the story's, `cause_sentiment` the cause's own polarity in it."""
    if not causes:
        return pd.DataFrame(columns=["cause", "brand", "sentiment", "cause_sentiment",
                                     "published_at", "evidence", "title", "body", "link",
                                     "story_key"])
    read = relations(con, rollups)
    clause, params = where(read, brands=brands, cause_in=causes, competitor=False)
    return frame(con, f"""
        SELECT c.cause, f.brand, f.sentiment, c.cause_sentiment, f.published_at, c.evidence,
               f.title, f.body,
               {LINK} AS link, f.story_key
        FROM (SELECT * FROM {read.causes} WHERE {clause}) c
        JOIN {read.facts} f USING (story_key)
        WHERE f.published_at >= CAST(? AS TIMESTAMP) AND f.published_at < CAST(? AS TIMESTAMP)
        QUALIFY row_number() OVER (PARTITION BY c.cause
                                   ORDER BY abs(f.sentiment_score) DESC, f.story_key) <= ?
        ORDER BY c.cause, abs(f.sentiment_score) DESC, f.story_key
    """, [*params, period.start, period.until, int(per_cause)])


def competitor_gap(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    sources: Names = None, causes: Names = None, *, rollups: bool = True,
) -> pd.DataFrame:
    """Per cause and competitor: our net story score, theirs, and the gap (ours minus theirs).

    The rule lives once, in the table macro `competitor_gap_over` (migrations 007 and 009),
    which the `competitor_gap` view also calls: this is that view restricted to the filters.
    """
    lists = {"brands", "sources", "causes"}
    given = {"from_week": start, "to_week": end, "brands": brands, "sources": sources,
             "causes": causes}
    # Only the filters given are passed: one left out stays NULL in the macro and folds away.
    given = {name: [str(item) for item in value] if name in lists else value
             for name, value in given.items() if value is not None and (name not in lists or value)}
    filters = "".join(f", {name} := ?" for name in given)
    read = relations(con, rollups)  # names from code, never from the user
    return frame(con, f"""
        SELECT * FROM competitor_gap_over('{read.causes}', '{read.facts}'{filters})
        ORDER BY cause, competitor
    """, list(given.values()))


def owner_scores(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    sources: Names = None, causes: Names = None, *, rollups: bool = True,
) -> pd.DataFrame:
    """Per owner and side (ours, competitor): stories naming the owner's causes and their score.

    A story counts once per owner, with the owner's polarity in it (`owner_rows`: negative
    when any of the owner's causes in it is a complaint). `negative_share` is the percentage of
    the side's tagged stories that complain about one of the owner's causes: which side of the
    house is costing stories.
    """
    read = relations(con, rollups)
    scope = {"brands": brands, "start": start, "end": end, "sources": sources}
    clause, params = where(read, **scope, cause_in=causes)
    total_clause, total_params = where(read, **scope)
    whole = counted(read.daily_scores, read.facts)
    # The daily owner rollup counts every cause of an owner; a cause filter picks some of them.
    if causes or not read.daily_owners:
        count = Counted("owned")
        owned = owner_rows(read.causes, clause)
    else:
        count = counted(read.daily_owners, read.causes)
        owned = f"SELECT * FROM {count.relation} WHERE {clause}"
    n = count.n
    return frame(con, f"""
        WITH totals AS (
            SELECT is_competitor, {whole.n()} AS side_stories FROM {whole.relation}
            WHERE sentiment IS NOT NULL AND {total_clause} GROUP BY is_competitor
        ), per_owner AS (
            SELECT owner, is_competitor, {n()} AS stories, {n(CAUSE_POSITIVE)} AS positive,
                   {n(CAUSE_NEGATIVE)} AS negative
            FROM ({owned}) WHERE cause_sentiment IS NOT NULL GROUP BY owner, is_competitor
        )
        SELECT p.owner, CASE WHEN p.is_competitor THEN 'competitor' ELSE 'ours' END AS side,
               p.stories, p.positive, p.negative,
               net_score(p.positive, p.negative, p.stories) AS net_story_score,
               round(100.0 * p.negative / t.side_stories, 1) AS negative_share
        FROM per_owner p JOIN totals t USING (is_competitor)
        ORDER BY p.is_competitor, p.negative DESC, p.owner
    """, total_params + params)


def cause_trend(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    sources: Names = None, causes: Names = None, *, rollups: bool = True,
) -> pd.DataFrame:
    """Our brands' stories and net story score per cause per week, by the cause's polarity."""
    read = relations(con, rollups)
    clause, params = where(read, brands=brands, start=start, end=end, sources=sources,
                           cause_in=causes, competitor=False)
    count = counted(read.daily_causes, read.causes)
    return frame(con, f"""
        SELECT CAST(week AS DATE) AS week, cause, any_value(owner) AS owner,
               {scores(count, neutral=False, column="cause_sentiment")}
        FROM {count.relation} WHERE cause_sentiment IS NOT NULL AND week IS NOT NULL AND {clause}
        GROUP BY week, cause ORDER BY week, cause
    """, params)


def cause_counts(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    owner: str | None = None, sources: Names = None, causes: Names = None, *,
    rollups: bool = True,
) -> pd.DataFrame:
    """Negative and positive stories per cause, owner and brand, with the brand's side.

    Each story counts with the cause's own polarity in it. `side` is "ours" or "competitor";
    `negative_share` is the percentage of the brand's tagged stories in the period that complain
    about this cause, so brands of different size compare fairly.
    """
    read = relations(con, rollups)
    scope = {"brands": brands, "start": start, "end": end, "sources": sources}
    clause, params = where(read, **scope)
    cause_clause, cause_params = where(read, **scope, owner=owner, cause_in=causes)
    whole = counted(read.daily_scores, read.facts)
    count = counted(read.daily_causes, read.causes)
    n = count.n
    return frame(con, f"""
        WITH totals AS (
            SELECT brand, {whole.n()} AS brand_stories FROM {whole.relation}
            WHERE sentiment IS NOT NULL AND {clause} GROUP BY brand
        ), per_cause AS (
            SELECT brand, bool_or(is_competitor) AS is_competitor, cause, owner,
                   {n(CAUSE_NEGATIVE)} AS negative, {n(CAUSE_POSITIVE)} AS positive,
                   {n()} AS stories
            FROM {count.relation} WHERE {cause_clause} GROUP BY brand, cause, owner
        )
        SELECT c.brand, CASE WHEN c.is_competitor THEN 'competitor' ELSE 'ours' END AS side,
               c.cause, c.owner, c.negative, c.positive, c.stories,
               round(100.0 * c.negative / t.brand_stories, 1) AS negative_share
        FROM per_cause c JOIN totals t ON t.brand = c.brand
        ORDER BY side DESC, c.brand, negative DESC, c.cause
    """, params + cause_params)
