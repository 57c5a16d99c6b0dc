"""The story pair behind a competitor comparison: one of theirs and one of ours about one cause.

"Their refund policy gets praise where ours gets complaints": when the competitor scores at least
as well as we do on the cause, their story is the one that praises the cause most clearly and
ours the one that complains most clearly; when we do better, the other way round. A side with no
story of the wanted polarity shows its most clearly felt story about the cause instead, so a pair
is shown whenever both sides have one. Polarity is the cause's own (`cause_sentiment`).
"""
from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from storywatch.warehouse.cause_impact import macro_filters
from storywatch.warehouse.report_rollups import relations

LINK = ("CASE WHEN regexp_matches(coalesce(f.story_url, f.source_url, ''), '^https?://') "
        "THEN coalesce(f.story_url, f.source_url) END")


def _one(con, read, cause: str, brands: Sequence[str], wanted: str, start, end,
         sources) -> pd.DataFrame:
    clauses = ["c.cause = ?", "list_contains(CAST(? AS VARCHAR[]), c.brand)"]
    params: list[object] = [cause, list(brands)]
    if sources:
        clauses.append("list_contains(CAST(? AS VARCHAR[]), c.source)")
        params.append([str(source) for source in sources])
    if start is not None:
        clauses.append("c.week >= date_trunc('week', CAST(? AS TIMESTAMP))")
        params.append(start)
    if end is not None:
        clauses.append("c.week <= date_trunc('week', CAST(? AS TIMESTAMP))")
        params.append(end)
    return con.execute(f"""
        SELECT f.published_at, f.brand, f.is_competitor, f.source, f.sentiment,
               c.cause_sentiment, c.evidence, f.rating, f.helpful_votes, f.title, f.body,
               f.company_reply, f.author, {LINK} AS link, f.story_key
        FROM {read.causes} c JOIN {read.facts} f USING (story_key)
        WHERE c.cause_sentiment IS NOT NULL AND {" AND ".join(clauses)}
        ORDER BY c.cause_sentiment = ? DESC, abs(f.sentiment_score) DESC, c.score DESC,
                 f.story_key
        LIMIT 1
    """, [*params, wanted]).df()


def story_pair(
    con: duckdb.DuckDBPyConnection, cause: str, competitor: str, ours: Sequence[str],
    start=None, end=None, sources=None, *, rollups: bool = True,
) -> pd.DataFrame:
    """Up to two rows, theirs first then ours, with a `side` column ("theirs", "ours")."""
    arguments, values = macro_filters(from_week=start, to_week=end, sources=sources,
                                      brands=[*ours, competitor], causes=[cause])
    read = relations(con, rollups)  # names from code, never from the user
    gap = con.execute(f"""
        SELECT our_net_score, competitor_net_score
        FROM competitor_gap_over(?, ?{arguments}) WHERE competitor = ?
    """, [read.causes, read.facts, *values, competitor]).fetchone()
    they_do_better = gap is None or None in gap or gap[1] >= gap[0]
    theirs = _one(con, read, cause, [competitor], "positive" if they_do_better else "negative",
                  start, end, sources)
    mine = _one(con, read, cause, list(ours), "negative" if they_do_better else "positive",
                start, end, sources)
    found = pd.concat([theirs.assign(side="theirs"), mine.assign(side="ours")],
                      ignore_index=True)
    return found.loc[:, ["side", *theirs.columns]]
