"""What the warehouse already holds, for incremental crawling: story keys and loaded files.

A re-crawl passes these keys to the crawler, which stops paging a source at a page holding only
stories already stored, so a daily crawl costs a few requests per source.
"""
from __future__ import annotations

import duckdb


def known_story_keys(con: duckdb.DuckDBPyConnection, sources: list[str] | None = None) -> set[str]:
    """Keys of the stored stories from these sources (spider format names); all when None."""
    if sources is None:
        rows = con.execute("SELECT story_key FROM stories").fetchall()
    else:
        rows = con.execute(
            "SELECT story_key FROM stories WHERE source IN (SELECT unnest(?))", [list(sources)]
        ).fetchall()
    return {row[0] for row in rows}


def loaded_landing_files(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the landing files already loaded into `stories`."""
    return {row[0] for row in con.execute("SELECT landing_file FROM loaded_files").fetchall()}
