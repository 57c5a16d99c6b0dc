"""Analysts' read-only SQL: run a query against the warehouse and return a table.

The file is opened read-only, and anything but a query (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN,
PRAGMA) is refused before it reaches DuckDB, with a message that says why.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from warehouse.db import WarehouseError, connect_read_only

READ_ONLY_TYPES = {"SELECT", "EXPLAIN", "PRAGMA"}


class WriteRefused(WarehouseError):
    """A statement that would change the warehouse or write files."""


def check_read_only(con: duckdb.DuckDBPyConnection, query: str) -> None:
    """Raise WriteRefused unless every statement in `query` only reads."""
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as error:
        raise WarehouseError(f"The query is not valid SQL: {error}") from error
    if not statements:
        raise WarehouseError("The query is empty: pass a SELECT statement.")
    for statement in statements:
        kind = statement.type.name
        if kind not in READ_ONLY_TYPES:
            raise WriteRefused(
                f"Refused: `storywatch sql` is read-only and this is a {kind} statement. "
                "Use SELECT (or WITH, SHOW, DESCRIBE) to read the views; the warehouse is "
                "changed only by crawl, load and tag."
            )


def run_query(workdir: Path, query: str) -> pd.DataFrame:
    """Run a read-only query against the workdir's warehouse and return its result."""
    con = connect_read_only(workdir)
    try:
        check_read_only(con, query)
        try:
            return con.execute(query).df()
        except duckdb.Error as error:
            raise WarehouseError(f"The query failed: {error}") from error
    finally:
        con.close()
