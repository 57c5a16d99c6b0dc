"""The crawl log: one row per source per crawl run, so a broken spider is visible."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from storywatch.warehouse.loader import utc_timestamp
from storywatch.warehouse.queries import source_health


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
    """`storywatch sources`' rows: per source, brand and page crawled, by brand and source:
    (source, brand, url, last crawl finished, stories found in it, errors in it, stories stored,
    that crawl's errors by reason as a dict).

    The rows of the named query `source_health` (the dashboard's Sources page) that the crawl
    log knows, so the command and the page cannot disagree on a last crawl.
    """
    health = source_health(con)
    crawled = health[health["crawls"] > 0].sort_values(["brand", "source", "url"], kind="stable")
    return [
        (row.source, row.brand, row.url,
         None if pd.isna(row.last_crawl) else row.last_crawl.to_pydatetime(),
         int(row.found_last_crawl), int(row.errors_last_crawl), int(row.stories_stored),
         json.loads(row.error_reasons) if isinstance(row.error_reasons, str) else {})
        for row in crawled.itertuples()
    ]
