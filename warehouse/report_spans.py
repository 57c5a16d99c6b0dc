"""Named queries over a span of days [since, until): the exec report's scores per brand and cause.

The report compares a period with an equally long span before it; when the period is still in
progress, both spans are cut to the days elapsed so far ("week to date" against the same days of
the week before), so these take exact days, not whole weeks as the dashboard's filters do.
"""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from storywatch.warehouse.query_base import Counted, Names, frame, scores, where
from storywatch.warehouse.report_rollups import relations


def brand_scores(con: duckdb.DuckDBPyConnection, since: date, until: date,
                 brands: Names = None) -> pd.DataFrame:
    """Per brand: tagged stories, positive, negative and net story score in [since, until)."""
    read = relations(con)
    clause, params = where(read, since=since, until=until, brands=brands)
    return frame(con, f"""
        SELECT brand, bool_or(is_competitor) AS is_competitor,
               {scores(Counted(read.facts), neutral=False)}
        FROM {read.facts} WHERE sentiment IS NOT NULL AND {clause}
        GROUP BY brand ORDER BY is_competitor, brand
    """, params)


def cause_scores(con: duckdb.DuckDBPyConnection, since: date, until: date,
                 brands: Names = None) -> pd.DataFrame:
    """Per brand and cause: tagged stories naming the cause, positive, negative and the net
    story score on the cause, in the span.

    A story names a cause at most once, so rows count stories; each counts with the cause's own
    polarity (cause_sentiment), as the cause views do.
    """
    read = relations(con)
    clause, params = where(read, since=since, until=until, brands=brands)
    return frame(con, f"""
        SELECT brand, bool_or(is_competitor) AS is_competitor, cause, any_value(owner) AS owner,
               {scores(Counted(read.causes), neutral=False, column="cause_sentiment")}
        FROM {read.causes} WHERE cause_sentiment IS NOT NULL AND {clause}
        GROUP BY brand, cause ORDER BY is_competitor, brand, cause
    """, params)
