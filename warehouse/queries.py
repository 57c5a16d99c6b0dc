"""Named queries: every question the dashboard, the exec export and the docs ask of the warehouse.

Each function is named after what it answers, takes an open DuckDB connection plus optional
filters, and returns a pandas DataFrame (or a number). The dashboard's global filters are the
keyword arguments `brands`, `sources`, `causes`, `start` and `end` (dates, rounded to whole
weeks). Filter values are bound as `?` parameters; the only SQL text built at run time is a choice
among the fixed clauses below. Queries read the views of migrations 003 and 004, so they always
see the current model version's tags; while the rollup tables are current
(`storywatch.warehouse.report_rollups`) the same SQL reads them instead, which is faster and gives the same
answer. Cause, competitor and mover questions live in `storywatch.warehouse.report_queries`.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

import duckdb
import pandas as pd

from storywatch.warehouse.report_rollups import relation_names

Day = date | datetime | str | None
Names = Sequence[str] | None

# Fixed filter clauses, keyed by filter name; user values only ever reach SQL as parameters.
_CLAUSES = {
    # list_contains, not IN (SELECT unnest(?)): a semi join is far slower on a big table.
    "brands": "list_contains(CAST(? AS VARCHAR[]), brand)",
    "sources": "list_contains(CAST(? AS VARCHAR[]), source)",
    "causes": ("story_key IN (SELECT story_key FROM story_causes "
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
_LISTS = {"brands", "sources", "causes", "cause_in"}
LINK = ("CASE WHEN regexp_matches(coalesce(story_url, source_url, ''), '^https?://') "
        "THEN coalesce(story_url, source_url) END")


def _where(**filters: object) -> tuple[str, list[object]]:
    clauses, params = [], []
    for name, value in filters.items():
        if value is None or (name in _LISTS and not value):
            continue
        clauses.append(_CLAUSES[name])
        params.append([str(item) for item in value] if name in _LISTS else value)
    return (" AND ".join(clauses) or "TRUE"), params


def _read(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]):
    """Execute a named query, reading the rollup tables instead of the views when current."""
    names = relation_names(con)
    sql = re.sub(r"\b(story_facts|story_causes|story_owners)\b", lambda found: names[found.group(1)], sql)
    return con.execute(sql, params)


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> pd.DataFrame:
    return _read(con, sql, params).df()


def story_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many stories the warehouse holds, tagged or not."""
    return int(con.execute("SELECT count(*) FROM stories").fetchone()[0])


def tagged_story_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many stories carry tags of the current model version."""
    sql = "SELECT count(*) FROM story_facts WHERE sentiment IS NOT NULL"
    return int(_read(con, sql, []).fetchone()[0])


def brands(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Brands with their story counts: our brands first, then competitors, by name."""
    return _frame(con, """
        SELECT brand, bool_or(is_competitor) AS is_competitor, count(*) AS stories
        FROM stories GROUP BY brand ORDER BY is_competitor, brand
    """, [])


def sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Source formats with their story counts, most stories first."""
    return _frame(con, """
        SELECT source, count(*) AS stories FROM stories GROUP BY source ORDER BY stories DESC, source
    """, [])


def causes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Causes found by the current model, with their owner and how many stories name them.

    A story names a cause at most once (cause_tags' primary key), so rows count stories.
    """
    return _frame(con, """
        SELECT cause, any_value(owner) AS owner, count(*) AS stories
        FROM story_causes GROUP BY cause ORDER BY stories DESC, cause
    """, [])


def story_period(
    con: duckdb.DuckDBPyConnection, brand: str | None = None,
) -> tuple[date, date] | None:
    """First and last week (Mondays) with tagged stories, optionally for one brand; None if none."""
    where, params = _where(brand=brand)
    row = _read(con, f"SELECT min(week), max(week) FROM story_facts "
                     f"WHERE sentiment IS NOT NULL AND {where}", params).fetchone()
    if row is None or row[0] is None:
        return None
    return row[0].date(), row[1].date()


def _scores(group: str, counted: bool) -> str:
    """Per-group score columns over story rows, or over daily counts (column `stories`)."""
    def number(condition: str = "TRUE") -> str:
        if counted:
            return f"CAST(coalesce(sum(stories) FILTER (WHERE {condition}), 0) AS BIGINT)"
        return f"count(*) FILTER (WHERE {condition})"

    positive, negative = number("sentiment = 'positive'"), number("sentiment = 'negative'")
    return f"""
        SELECT {group}, bool_or(is_competitor) AS is_competitor,
               {number()} AS stories, {positive} AS positive, {negative} AS negative,
               {number("sentiment = 'neutral'")} AS neutral,
               round(100.0 * ({positive} - {negative}) / {number()}, 1) AS net_story_score"""


def _scored(con: duckdb.DuckDBPyConnection, causes: Names) -> tuple[str, bool]:
    """Where to count from: the daily rollup when current (and no cause filter), else stories."""
    daily = None if causes else relation_names(con).get("daily_scores")
    return (daily, True) if daily else ("story_facts", False)


def weekly_net_score(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    sources: Names = None, causes: Names = None,
) -> pd.DataFrame:
    """Net story score per brand per week: 100 * (positive - negative) / tagged stories.

    Stories without a publication date belong to no week and are left out here.
    """
    where, params = _where(brands=brands, start=start, end=end, sources=sources, causes=causes)
    relation, counted = _scored(con, causes)
    return _frame(con, f"""
        {_scores("brand, CAST(week AS DATE) AS week", counted)}
        FROM {relation} WHERE sentiment IS NOT NULL AND week IS NOT NULL AND {where}
        GROUP BY brand, week ORDER BY week, is_competitor, brand
    """, params).loc[:, ["brand", "is_competitor", "week", "stories", "positive", "negative",
                         "neutral", "net_story_score"]]


def brand_net_score(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    sources: Names = None, causes: Names = None,
) -> pd.DataFrame:
    """Headline per brand over a period: stories, positive, negative, net story score."""
    where, params = _where(brands=brands, start=start, end=end, sources=sources, causes=causes)
    relation, counted = _scored(con, causes)
    return _frame(con, f"""
        {_scores("brand", counted)}
        FROM {relation} WHERE sentiment IS NOT NULL AND {where}
        GROUP BY brand ORDER BY is_competitor, brand
    """, params)


def stories(
    con: duckdb.DuckDBPyConnection, brand: str | None = None, sentiment: str | None = None,
    cause: str | None = None, search: str | None = None, start: Day = None, end: Day = None,
    limit: int = 500, brands: Names = None, sources: Names = None, causes: Names = None,
) -> pd.DataFrame:
    """Stories newest first, with their causes, evidence sentences and the company's reply.

    `search` matches a case-insensitive substring of the title or body (no wildcards).
    `link` is the story's permalink (or page) only when it is an http(s) address.
    """
    where, params = _where(brand=brand, sentiment=sentiment, start=start, end=end,
                           brands=brands, sources=sources, causes=causes)
    relation = "story_facts"
    if cause and not search:
        # story_causes carries every filter column: picking the keys there avoids a semi join
        # of all stories against all stories naming the cause.
        relation, where, params = "story_causes", f"cause = ? AND {where}", [cause, *params]
    elif cause:
        where += " AND story_key IN (SELECT story_key FROM story_causes WHERE cause = ?)"
        params.append(cause)
    if search:
        where += (" AND (contains(lower(body), lower(?))"
                  " OR contains(lower(coalesce(title, '')), lower(?)))")
        params += [search, search]
    picked = _read(con, f"""
        SELECT story_key, published_at FROM {relation} WHERE {where}
        ORDER BY published_at DESC NULLS LAST, story_key LIMIT ?
    """, [*params, int(limit)]).fetchall()
    return _stories_by_key(con, picked)


def _stories_by_key(con: duckdb.DuckDBPyConnection, picked: list[tuple]) -> pd.DataFrame:
    """The picked stories (key, published_at) with their causes and evidence, newest first.

    Rows are found by key; when every picked story is dated, `published_at >= oldest` also lets
    DuckDB skip the older row groups of the (time-ordered) rollup tables.
    """
    keys = [key for key, _ in picked]
    dated = [published for _, published in picked if published is not None]
    oldest = min(dated) if picked and len(dated) == len(picked) else None
    scope = "list_contains(CAST(? AS VARCHAR[]), story_key)" + (
        " AND published_at >= ?" if oldest is not None else "")
    bound = [keys, oldest] if oldest is not None else [keys]
    return _frame(con, f"""
        WITH picked AS (SELECT * FROM story_facts WHERE {scope}), evidence AS (
            SELECT story_key, string_agg(cause, ', ' ORDER BY score DESC) AS causes,
                   string_agg(evidence, ' | ' ORDER BY score DESC) AS evidence
            FROM story_causes WHERE {scope} GROUP BY story_key
        )
        SELECT f.published_at, f.brand, f.is_competitor, f.source, f.sentiment,
               round(f.sentiment_score, 2) AS sentiment_score, f.rating, f.title, f.body,
               e.causes, e.evidence, f.company_reply, f.helpful_votes, f.author,
               {LINK} AS link,
               f.story_key
        FROM picked f
        LEFT JOIN evidence e ON e.story_key = f.story_key
        ORDER BY f.published_at DESC NULLS LAST, f.story_key
    """, bound + bound)


def story_sentences(con: duckdb.DuckDBPyConnection, story_key: str) -> pd.DataFrame:
    """A story's sentences in order, each with its sentiment and the causes it is evidence for."""
    return _frame(con, """
        SELECT t.sentence_index, t.sentence, t.sentiment,
               string_agg(c.cause, ', ' ORDER BY c.score DESC) AS evidence_for
        FROM sentence_tags t
        LEFT JOIN story_causes c
          ON c.story_key = t.story_key AND c.evidence IS NOT NULL
         AND contains(t.sentence, c.evidence)
        WHERE t.story_key = ? AND t.model_version = (SELECT model_version FROM current_model)
        GROUP BY t.sentence_index, t.sentence, t.sentiment ORDER BY t.sentence_index
    """, [story_key])


def top_stories(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    sources: Names = None, causes: Names = None, limit: int = 3,
) -> pd.DataFrame:
    """The stories most worth reading: most helpful votes first, then the longest."""
    where, params = _where(brands=brands, start=start, end=end, sources=sources, causes=causes)
    sql = f"""
        SELECT published_at, brand, is_competitor, sentiment, helpful_votes, rating, title, body,
               company_reply, {LINK} AS link, story_key
        FROM story_facts WHERE sentiment IS NOT NULL AND {where} {{voted}}
        ORDER BY helpful_votes DESC NULLS LAST, length(body) DESC, story_key LIMIT ?
    """
    # Most stories have no votes: when enough have, only those need measuring and sorting.
    voted = _frame(con, sql.format(voted="AND helpful_votes IS NOT NULL"), [*params, int(limit)])
    if len(voted) == int(limit):
        return voted
    return _frame(con, sql.format(voted=""), [*params, int(limit)])


def strongest_stories(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    per_brand: int = 2,
) -> pd.DataFrame:
    """The most clearly negative and most clearly positive stories per brand, for quoting."""
    where, params = _where(brands=brands, start=start, end=end)
    params.append(int(per_brand))
    return _frame(con, f"""
        SELECT brand, is_competitor, sentiment, round(sentiment_score, 2) AS sentiment_score,
               published_at, title, body, {LINK} AS link, story_key
        FROM story_facts
        WHERE sentiment IN ('negative', 'positive') AND {where}
        QUALIFY row_number() OVER (
            PARTITION BY brand, sentiment ORDER BY abs(sentiment_score) DESC, story_key) <= ?
        ORDER BY is_competitor, brand, sentiment, abs(sentiment_score) DESC
    """, params)


def source_health(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per source and brand: the last crawl, what it found, its errors, and stories stored.

    Sources that have stories but were never logged as crawled (loaded from old landing files)
    show with an empty last crawl.
    """
    return _frame(con, """
        WITH runs AS (
            SELECT source, brand, url, finished_at, stories_found, errors,
                   CAST(error_reasons AS VARCHAR) AS error_reasons,
                   count(*) OVER (PARTITION BY source, brand) AS crawls,
                   sum(errors) OVER (PARTITION BY source, brand) AS errors_all_crawls
            FROM crawl_runs
            QUALIFY row_number() OVER (PARTITION BY source, brand
                                       ORDER BY started_at DESC NULLS LAST) = 1
        ), stored AS (
            SELECT source, brand, count(*) AS stories_stored, max(published_at) AS newest_story
            FROM stories GROUP BY source, brand
        )
        SELECT source, brand, r.url, r.finished_at AS last_crawl,
               coalesce(r.stories_found, 0) AS found_last_crawl,
               coalesce(r.errors, 0) AS errors_last_crawl, r.error_reasons,
               coalesce(r.crawls, 0) AS crawls, coalesce(r.errors_all_crawls, 0) AS errors_all_crawls,
               coalesce(s.stories_stored, 0) AS stories_stored, s.newest_story
        FROM runs r FULL JOIN stored s USING (source, brand)
        ORDER BY errors_last_crawl DESC, brand, source
    """, [])
