"""Named queries: every question the dashboard, the exec export and the docs ask of the warehouse.

Each function is named after what it answers, takes an open DuckDB connection plus optional
filters, and returns a pandas DataFrame (or a number). The dashboard's global filters are the
keyword arguments `brands`, `sources`, `causes`, `start` and `end` (dates, rounded to whole
weeks), the fixed clauses of `storywatch.warehouse.query_base`. Queries read the views of
migrations 003 and 004, so they always see the current model version's tags; while the rollup
tables are current they read those instead (faster, same answer): `rollups=False` reads the
views. Scores come from the SQL macro `net_score` (migration 009). Cause, competitor and mover
questions live in `storywatch.warehouse.report_queries`, reply questions in `reply_queries`.
"""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from storywatch.warehouse.query_base import (
    LINK,
    Counted,
    Day,
    Names,
    Relations,
    counted,
    frame,
    scores,
    where,
)
from storywatch.warehouse.report_rollups import relations


def story_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many stories the warehouse holds, tagged or not."""
    return int(con.execute("SELECT count(*) FROM stories").fetchone()[0])


def tagged_story_count(con: duckdb.DuckDBPyConnection, *, rollups: bool = True) -> int:
    """How many stories carry tags of the current model version."""
    read = relations(con, rollups)
    return int(con.execute(f"SELECT count(*) FROM {read.facts} WHERE sentiment IS NOT NULL"
                           ).fetchone()[0])


def brands(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Brands with their story counts: our brands first, then competitors, by name."""
    return frame(con, """
        SELECT brand, bool_or(is_competitor) AS is_competitor, count(*) AS stories
        FROM stories GROUP BY brand ORDER BY is_competitor, brand
    """, [])


def sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Source formats with their story counts, most stories first."""
    return frame(con, """
        SELECT source, count(*) AS stories FROM stories
        GROUP BY source ORDER BY stories DESC, source
    """, [])


def causes(con: duckdb.DuckDBPyConnection, *, rollups: bool = True) -> pd.DataFrame:
    """Causes found by the current model, with their owner and how many stories name them.

    A story names a cause at most once (cause_tags' primary key), so rows count stories.
    """
    return frame(con, f"""
        SELECT cause, any_value(owner) AS owner, count(*) AS stories
        FROM {relations(con, rollups).causes} GROUP BY cause ORDER BY stories DESC, cause
    """, [])


def story_period(
    con: duckdb.DuckDBPyConnection, brand: str | None = None, *, rollups: bool = True,
) -> tuple[date, date] | None:
    """First and last week (Mondays) with tagged stories, optionally for one brand; None if none."""
    read = relations(con, rollups)
    clause, params = where(read, brand=brand)
    row = con.execute(f"SELECT min(week), max(week) FROM {read.facts} "
                      f"WHERE sentiment IS NOT NULL AND {clause}", params).fetchone()
    if row is None or row[0] is None:
        return None
    return row[0].date(), row[1].date()


def _scored(read: Relations, causes: Names) -> Counted:
    """Where to count from: the daily rollup when current (and no cause filter), else stories."""
    return counted(None if causes else read.daily_scores, read.facts)


def weekly_net_score(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    sources: Names = None, causes: Names = None, *, rollups: bool = True,
) -> pd.DataFrame:
    """Net story score per brand per week: 100 * (positive - negative) / tagged stories.

    Stories without a publication date belong to no week and are left out here.
    """
    read = relations(con, rollups)
    clause, params = where(read, brands=brands, start=start, end=end, sources=sources,
                           causes=causes)
    count = _scored(read, causes)
    return frame(con, f"""
        SELECT brand, bool_or(is_competitor) AS is_competitor, CAST(week AS DATE) AS week,
               {scores(count)}
        FROM {count.relation} WHERE sentiment IS NOT NULL AND week IS NOT NULL AND {clause}
        GROUP BY brand, week ORDER BY week, is_competitor, brand
    """, params)


def brand_net_score(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    sources: Names = None, causes: Names = None, *, rollups: bool = True,
) -> pd.DataFrame:
    """Headline per brand over a period: stories, positive, negative, net story score."""
    read = relations(con, rollups)
    clause, params = where(read, brands=brands, start=start, end=end, sources=sources,
                           causes=causes)
    count = _scored(read, causes)
    return frame(con, f"""
        SELECT brand, bool_or(is_competitor) AS is_competitor, {scores(count)}
        FROM {count.relation} WHERE sentiment IS NOT NULL AND {clause}
        GROUP BY brand ORDER BY is_competitor, brand
    """, params)


def stories(
    con: duckdb.DuckDBPyConnection, brand: str | None = None, sentiment: str | None = None,
    cause: str | None = None, search: str | None = None, start: Day = None, end: Day = None,
    limit: int = 500, brands: Names = None, sources: Names = None, causes: Names = None,
    *, rollups: bool = True,
) -> pd.DataFrame:
    """Stories newest first, with their causes, evidence sentences and the company's reply.

    `search` matches a case-insensitive substring of the title or body (no wildcards).
    `link` is the story's permalink (or page) only when it is an http(s) address.
    """
    read = relations(con, rollups)
    clause, params = where(read, brand=brand, sentiment=sentiment, start=start, end=end,
                           brands=brands, sources=sources, causes=causes)
    relation = read.facts
    if cause and not search:
        # story_causes carries every filter column: picking the keys there avoids a semi join
        # of all stories against all stories naming the cause.
        relation, clause, params = read.causes, f"cause = ? AND {clause}", [cause, *params]
    elif cause:
        clause += f" AND story_key IN (SELECT story_key FROM {read.causes} WHERE cause = ?)"
        params.append(cause)
    if search:
        clause += (" AND (contains(lower(body), lower(?))"
                   " OR contains(lower(coalesce(title, '')), lower(?)))")
        params += [search, search]
    picked = con.execute(f"""
        SELECT story_key, published_at FROM {relation} WHERE {clause}
        ORDER BY published_at DESC NULLS LAST, story_key LIMIT ?
    """, [*params, int(limit)]).fetchall()
    return _stories_by_key(con, read, picked)


def _stories_by_key(con: duckdb.DuckDBPyConnection, read: Relations,
                    picked: list[tuple]) -> pd.DataFrame:
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
    return frame(con, f"""
        WITH picked AS (SELECT * FROM {read.facts} WHERE {scope}), evidence AS (
            SELECT story_key, string_agg(cause, ', ' ORDER BY score DESC) AS causes,
                   string_agg(evidence, ' | ' ORDER BY score DESC) AS evidence
            FROM {read.causes} WHERE {scope} GROUP BY story_key
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


def story_sentences(con: duckdb.DuckDBPyConnection, story_key: str, *,
                    rollups: bool = True) -> pd.DataFrame:
    """A story's sentences in order, each with its sentiment and the causes it is evidence for."""
    return frame(con, f"""
        SELECT t.sentence_index, t.sentence, t.sentiment,
               string_agg(c.cause, ', ' ORDER BY c.score DESC) AS evidence_for
        FROM sentence_tags t
        LEFT JOIN {relations(con, rollups).causes} c
          ON c.story_key = t.story_key AND c.evidence IS NOT NULL
         AND contains(t.sentence, c.evidence)
        WHERE t.story_key = ? AND t.model_version = (SELECT model_version FROM current_model)
        GROUP BY t.sentence_index, t.sentence, t.sentiment ORDER BY t.sentence_index
    """, [story_key])


def top_stories(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    sources: Names = None, causes: Names = None, limit: int = 3, *, rollups: bool = True,
) -> pd.DataFrame:
    """The stories most worth reading: most helpful votes first, then the longest."""
    read = relations(con, rollups)
    clause, params = where(read, brands=brands, start=start, end=end, sources=sources,
                           causes=causes)
    sql = f"""
        SELECT published_at, brand, is_competitor, sentiment, helpful_votes, rating, title, body,
               company_reply, {LINK} AS link, story_key
        FROM {read.facts} WHERE sentiment IS NOT NULL AND {clause} {{voted}}
        ORDER BY helpful_votes DESC NULLS LAST, length(body) DESC, story_key LIMIT ?
    """
    # Most stories have no votes: when enough have, only those need measuring and sorting.
    voted = frame(con, sql.format(voted="AND helpful_votes IS NOT NULL"), [*params, int(limit)])
    if len(voted) == int(limit):
        return voted
    return frame(con, sql.format(voted=""), [*params, int(limit)])


def strongest_stories(
    con: duckdb.DuckDBPyConnection, brands: Names = None, start: Day = None, end: Day = None,
    per_brand: int = 2, *, rollups: bool = True,
) -> pd.DataFrame:
    """The most clearly negative and most clearly positive stories per brand, for quoting."""
    read = relations(con, rollups)
    clause, params = where(read, brands=brands, start=start, end=end)
    params.append(int(per_brand))
    return frame(con, f"""
        SELECT brand, is_competitor, sentiment, round(sentiment_score, 2) AS sentiment_score,
               published_at, title, body, {LINK} AS link, story_key
        FROM {read.facts}
        WHERE sentiment IN ('negative', 'positive') AND {clause}
        QUALIFY row_number() OVER (
            PARTITION BY brand, sentiment ORDER BY abs(sentiment_score) DESC, story_key) <= ?
        ORDER BY is_competitor, brand, sentiment, abs(sentiment_score) DESC
    """, params)


def source_health(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per source, brand and page crawled: the last crawl, what it found, its errors, and the
    stories stored for the source and brand. The one "last crawl" question: `storywatch sources`
    (warehouse.crawl_log.sources_status) and the dashboard's Sources page both ask it.

    A crawl target is a configured source: brand and page (url), whose format (`source`) is the
    one detected when the config says auto. Two pages of one format for a brand are two rows,
    so a broken one stays visible; both show the stories stored for that format and brand.
    Sources that have stories but were never logged as crawled (loaded from old landing files)
    show with an empty last crawl.
    """
    return frame(con, """
        WITH runs AS (
            SELECT source, brand, url, finished_at, stories_found, errors,
                   CAST(error_reasons AS VARCHAR) AS error_reasons,
                   count(*) OVER (PARTITION BY source, brand, url) AS crawls,
                   sum(errors) OVER (PARTITION BY source, brand, url) AS errors_all_crawls
            FROM crawl_runs
            QUALIFY row_number() OVER (PARTITION BY source, brand, url
                                       ORDER BY started_at DESC NULLS LAST, run_id) = 1
        ), stored AS (
            SELECT source, brand, count(*) AS stories_stored, max(published_at) AS newest_story
            FROM stories GROUP BY source, brand
        )
        SELECT source, brand, r.url, r.finished_at AS last_crawl,
               coalesce(r.stories_found, 0) AS found_last_crawl,
               coalesce(r.errors, 0) AS errors_last_crawl, r.error_reasons,
               coalesce(r.crawls, 0) AS crawls,
               coalesce(r.errors_all_crawls, 0) AS errors_all_crawls,
               coalesce(s.stories_stored, 0) AS stories_stored, s.newest_story
        FROM runs r FULL JOIN stored s USING (source, brand)
        ORDER BY errors_last_crawl DESC, brand, source, r.url
    """, [])
