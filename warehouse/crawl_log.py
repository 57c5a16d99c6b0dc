"""The crawl log: one row per source per crawl run, so a broken spider is visible."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import duckdb

from storywatch.warehouse.loader import utc_timestamp


@dataclass(frozen=True)
class CrawlRun:
    source: str
    brand: str
    url: str
    started_at: str
    finished_at: str
    stories_found: int
    errors: int
    error_reasons: dict[str, int] = field(default_factory=dict)
    landing_file: str | None = None


def record_crawl_runs(con: duckdb.DuckDBPyConnection, runs: list[CrawlRun]) -> None:
    con.executemany(
        "INSERT INTO crawl_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (uuid.uuid4().hex, run.source, run.brand, run.url, utc_timestamp(run.started_at),
             utc_timestamp(run.finished_at),
             run.stories_found, run.errors, json.dumps(run.error_reasons), run.landing_file)
            for run in runs
        ],
    )


def sources_status(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Per source and brand: last crawl, stories found in it, errors in it, stories stored, and
    that crawl's errors by reason (a dict)."""
    rows = con.execute(
        """
        WITH last AS (
            SELECT *, row_number() OVER (PARTITION BY source, brand, url ORDER BY started_at DESC)
                AS n
            FROM crawl_runs
        )
        SELECT l.source, l.brand, l.url, l.finished_at, l.stories_found, l.errors,
               (SELECT count(*) FROM stories s WHERE s.source = l.source AND s.brand = l.brand),
               l.error_reasons
        FROM last l WHERE n = 1 ORDER BY l.brand, l.source
        """
    ).fetchall()
    return [row[:-1] + (json.loads(row[-1]) if row[-1] else {},) for row in rows]
