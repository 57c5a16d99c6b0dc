"""Named queries: every question the dashboard, the exec export and the docs ask of the warehouse.

Each function is named after what it answers, takes an open DuckDB connection plus optional
filters, and returns a pandas DataFrame (or a number). Filters are bound as `?` parameters; the
only SQL text built at run time is a choice among the fixed clauses below. Queries read the views
of migration 003, so they always see the current model version's tags.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import duckdb
import pandas as pd

Day = date | datetime | str | None

# Fixed filter clauses, keyed by filter name; user values only ever reach SQL as parameters.
_CLAUSES = {
    "brands": "brand IN (SELECT unnest(?))",
    "brand": "brand = ?",
    "start": "week >= date_trunc('week', CAST(? AS TIMESTAMP))",
    "end": "week <= date_trunc('week', CAST(? AS TIMESTAMP))",
    "sentiment": "sentiment = ?",
    "owner": "owner = ?",
}


def _where(**filters: object) -> tuple[str, list[object]]:
    clauses, params = [], []
    for name, value in filters.items():
        if value is None or (name == "brands" and not value):
            continue
        clauses.append(_CLAUSES[name])
        params.append([str(item) for item in value] if name == "brands" else value)
    return (" AND ".join(clauses) or "TRUE"), params


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> pd.DataFrame:
    return con.execute(sql, params).df()


def story_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many stories the warehouse holds, tagged or not."""
    return int(con.execute("SELECT count(*) FROM stories").fetchone()[0])


def tagged_story_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many stories carry tags of the current model version."""
    sql = "SELECT count(*) FROM story_facts WHERE sentiment IS NOT NULL"
    return int(con.execute(sql).fetchone()[0])


def brands(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Brands with their story counts: our brands first, then competitors, by name."""
    return _frame(con, """
        SELECT brand, bool_or(is_competitor) AS is_competitor, count(*) AS stories
        FROM stories GROUP BY brand ORDER BY is_competitor, brand
    """, [])


def causes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Causes found by the current model, with their owner and how many stories name them."""
    return _frame(con, """
        SELECT cause, any_value(owner) AS owner, count(DISTINCT story_key) AS stories
        FROM story_causes GROUP BY cause ORDER BY stories DESC, cause
    """, [])


def story_period(
    con: duckdb.DuckDBPyConnection, brand: str | None = None,
) -> tuple[date, date] | None:
    """First and last week (Mondays) with tagged stories, optionally for one brand; None if none."""
    where, params = _where(brand=brand)
    row = con.execute(
        f"SELECT min(week), max(week) FROM story_facts "
        f"WHERE sentiment IS NOT NULL AND {where}", params,
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return row[0].date(), row[1].date()


def weekly_net_score(
    con: duckdb.DuckDBPyConnection, brands: Sequence[str] | None = None,
    start: Day = None, end: Day = None,
) -> pd.DataFrame:
    """Net story score per brand per week: 100 * (positive - negative) / tagged stories.

    Stories without a publication date belong to no week and are left out here.
    """
    where, params = _where(brands=brands, start=start, end=end)
    return _frame(con, f"""
        SELECT brand, is_competitor, CAST(week AS DATE) AS week, stories, positive, negative,
               neutral, net_story_score
        FROM weekly_brand_scores WHERE week IS NOT NULL AND {where}
        ORDER BY week, is_competitor, brand
    """, params)


def brand_net_score(
    con: duckdb.DuckDBPyConnection, brands: Sequence[str] | None = None,
    start: Day = None, end: Day = None,
) -> pd.DataFrame:
    """Headline per brand over a period: stories, positive, negative, net story score."""
    where, params = _where(brands=brands, start=start, end=end)
    return _frame(con, f"""
        SELECT brand, bool_or(is_competitor) AS is_competitor,
               count(*) AS stories,
               count(*) FILTER (WHERE sentiment = 'positive') AS positive,
               count(*) FILTER (WHERE sentiment = 'negative') AS negative,
               count(*) FILTER (WHERE sentiment = 'neutral') AS neutral,
               round(100.0 * (count(*) FILTER (WHERE sentiment = 'positive')
                            - count(*) FILTER (WHERE sentiment = 'negative')) / count(*), 1)
                   AS net_story_score
        FROM story_facts WHERE sentiment IS NOT NULL AND {where}
        GROUP BY brand ORDER BY is_competitor, brand
    """, params)


def cause_counts(
    con: duckdb.DuckDBPyConnection, brands: Sequence[str] | None = None,
    start: Day = None, end: Day = None, owner: str | None = None,
) -> pd.DataFrame:
    """Negative and positive stories per cause, owner and brand, with the brand's side.

    `side` is "ours" or "competitor"; `negative_share` is the percentage of the brand's tagged
    stories in the period that are negative and name this cause, so brands of different size
    compare fairly.
    """
    where, params = _where(brands=brands, start=start, end=end)
    cause_where, cause_params = _where(brands=brands, start=start, end=end, owner=owner)
    return _frame(con, f"""
        WITH totals AS (
            SELECT brand, count(*) AS brand_stories FROM story_facts
            WHERE sentiment IS NOT NULL AND {where} GROUP BY brand
        )
        SELECT c.brand, CASE WHEN bool_or(c.is_competitor) THEN 'competitor' ELSE 'ours' END
                   AS side,
               c.cause, c.owner,
               count(*) FILTER (WHERE c.sentiment = 'negative') AS negative,
               count(*) FILTER (WHERE c.sentiment = 'positive') AS positive,
               count(*) AS stories,
               round(100.0 * count(*) FILTER (WHERE c.sentiment = 'negative')
                     / any_value(t.brand_stories), 1) AS negative_share
        FROM (SELECT * FROM story_causes WHERE {cause_where}) c
        JOIN totals t ON t.brand = c.brand
        GROUP BY c.brand, c.cause, c.owner
        ORDER BY side DESC, c.brand, negative DESC, c.cause
    """, params + cause_params)


def stories(
    con: duckdb.DuckDBPyConnection, brand: str | None = None, sentiment: str | None = None,
    cause: str | None = None, search: str | None = None, start: Day = None, end: Day = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Stories newest first, with their causes and evidence sentences, filtered as asked.

    `search` matches a case-insensitive substring of the title or body (no wildcards).
    `link` is the story's permalink (or page) only when it is an http(s) address.
    """
    where, params = _where(brand=brand, sentiment=sentiment, start=start, end=end)
    if cause:
        where += " AND story_key IN (SELECT story_key FROM story_causes WHERE cause = ?)"
        params.append(cause)
    if search:
        where += (" AND (contains(lower(body), lower(?))"
                  " OR contains(lower(coalesce(title, '')), lower(?)))")
        params += [search, search]
    params.append(int(limit))
    return _frame(con, f"""
        WITH evidence AS (
            SELECT story_key, string_agg(cause, ', ' ORDER BY score DESC) AS causes,
                   string_agg(evidence, ' | ' ORDER BY score DESC) AS evidence
            FROM story_causes GROUP BY story_key
        )
        SELECT f.published_at, f.brand, f.is_competitor, f.source, f.sentiment,
               round(f.sentiment_score, 2) AS sentiment_score, f.rating, f.title, f.body,
               e.causes, e.evidence, f.author,
               CASE WHEN regexp_matches(coalesce(f.story_url, f.source_url, ''), '^https?://')
                    THEN coalesce(f.story_url, f.source_url) END AS link,
               f.story_key
        FROM (SELECT * FROM story_facts WHERE {where}) f
        LEFT JOIN evidence e ON e.story_key = f.story_key
        ORDER BY f.published_at DESC, f.story_key
        LIMIT ?
    """, params)


def strongest_stories(
    con: duckdb.DuckDBPyConnection, brands: Sequence[str] | None = None,
    start: Day = None, end: Day = None, per_brand: int = 2,
) -> pd.DataFrame:
    """The most clearly negative and most clearly positive stories per brand, for quoting."""
    where, params = _where(brands=brands, start=start, end=end)
    params.append(int(per_brand))
    return _frame(con, f"""
        SELECT brand, is_competitor, sentiment, round(sentiment_score, 2) AS sentiment_score,
               published_at, title, body,
               CASE WHEN regexp_matches(coalesce(story_url, source_url, ''), '^https?://')
                    THEN coalesce(story_url, source_url) END AS link,
               story_key
        FROM story_facts
        WHERE sentiment IN ('negative', 'positive') AND {where}
        QUALIFY row_number() OVER (
            PARTITION BY brand, sentiment ORDER BY abs(sentiment_score) DESC, story_key) <= ?
        ORDER BY is_competitor, brand, sentiment, abs(sentiment_score) DESC
    """, params)
