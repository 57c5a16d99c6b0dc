"""Named queries about company replies: how each brand answers its customers' stories.

Marketing wants to see where a company answers with its rulebook instead of help. These read the
`story_replies` view (the current reply classifier's classes) with the dashboard's global filters
(`brands`, `sources`, `causes`, `start`, `end`; `storywatch.warehouse.query_base`), like
`storywatch.warehouse.queries`. `policy_share` is the percent of classified replies that cite
policy; replies not classified yet count in `replies` only.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from storywatch.warehouse.query_base import Day, Names, frame, where

_CLASS_COUNTS = """
    count(*) AS replies,
    count(reply_class) AS classified,
    count(*) FILTER (WHERE reply_class = 'helpful') AS helpful,
    count(*) FILTER (WHERE reply_class = 'apologetic') AS apologetic,
    count(*) FILTER (WHERE reply_class = 'policy_citing') AS policy_citing,
    round(100.0 * count(*) FILTER (WHERE reply_class = 'policy_citing')
          / nullif(count(reply_class), 0), 1) AS policy_share
"""
_SIDE = "CASE WHEN bool_or(is_competitor) THEN 'competitor' ELSE 'ours' END AS side"


def reply_class(con: duckdb.DuckDBPyConnection, story_key: str) -> pd.DataFrame:
    """The class of one story's current reply (no row when the story has no reply)."""
    return frame(con, """
        SELECT reply_class, reply_score, policy_citing, reply_evidence, reply_version
        FROM story_replies WHERE story_key = ?
    """, [story_key])


def reply_classes_by_brand(
    con: duckdb.DuckDBPyConnection, brands: Names = None, sources: Names = None,
    causes: Names = None, start: Day = None, end: Day = None,
) -> pd.DataFrame:
    """Per brand: replies to its stories, how many of each class, and the share citing policy."""
    clause, params = where(brands=brands, sources=sources, causes=causes, start=start, end=end)
    return frame(con, f"""
        SELECT brand, {_SIDE}, {_CLASS_COUNTS}
        FROM story_replies WHERE {clause}
        GROUP BY brand ORDER BY side DESC, brand
    """, params)


def policy_replies_by_cause(
    con: duckdb.DuckDBPyConnection, brands: Names = None, sources: Names = None,
    causes: Names = None, start: Day = None, end: Day = None,
) -> pd.DataFrame:
    """Per cause and brand: replies to stories naming the cause, and the share citing policy.

    A story naming two causes counts for both.
    """
    clause, params = where(brands=brands, sources=sources, start=start, end=end)
    cause_clause, cause_params = where(cause_in=causes)
    return frame(con, f"""
        WITH replies AS (SELECT * FROM story_replies WHERE {clause}),
        named AS (SELECT story_key, cause, owner FROM story_causes WHERE {cause_clause})
        SELECT n.cause, any_value(n.owner) AS owner, r.brand, {_SIDE}, {_CLASS_COUNTS}
        FROM replies r JOIN named n ON n.story_key = r.story_key
        GROUP BY n.cause, r.brand
        ORDER BY policy_share DESC NULLS LAST, n.cause, side DESC, r.brand
    """, params + cause_params)
