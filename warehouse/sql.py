"""Analysts' read-only SQL: queries, the documented views, and Parquet copies of them.

The file is opened read-only, and anything but a query (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN,
PRAGMA) is refused before it reaches DuckDB, with a message that says why. Results can be written
as a text table, CSV, JSON or Parquet. `statements()` splits an interactive session's lines into
`;`-terminated statements, so the prompt is only a loop over `run_query`.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.db import WarehouseError, connect_read_only

READ_ONLY_TYPES = {"SELECT", "EXPLAIN", "PRAGMA"}
OutputFormat = Literal["table", "csv", "json", "parquet"]
OUTPUT_FORMATS = ("table", "csv", "json", "parquet")
QUIT = (".quit", ".exit", "\\q")


class WriteRefused(WarehouseError):
    """A statement that would change the warehouse or write files."""


def check_read_only(con: duckdb.DuckDBPyConnection, query: str) -> None:
    """Raise WriteRefused unless every statement in `query` only reads."""
    try:
        found = con.extract_statements(query)
    except duckdb.Error as error:
        raise WarehouseError(f"The query is not valid SQL: {error}") from error
    if not found:
        raise WarehouseError("The query is empty: pass a SELECT statement.")
    for statement in found:
        kind = statement.type.name
        if kind not in READ_ONLY_TYPES:
            raise WriteRefused(
                f"Refused: `storywatch sql` is read-only and this is a {kind} statement. "
                "Use SELECT (or WITH, SHOW, DESCRIBE) to read the views; the warehouse is "
                "changed only by crawl, load and tag."
            )


def query_frame(con: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame:
    """Run a read-only query on an open connection; refuse writes and DDL."""
    check_read_only(con, query)
    try:
        return con.execute(query).df()
    except duckdb.Error as error:
        raise WarehouseError(f"The query failed: {error}") from error


def run_query(workdir: Path, query: str) -> pd.DataFrame:
    """Run a read-only query against the workdir's warehouse and return its result."""
    con = connect_read_only(workdir)
    try:
        return query_frame(con, query)
    finally:
        con.close()


def statements(lines: Iterable[str]) -> Iterator[str]:
    """`;`-terminated statements from an interactive session's lines, until .quit or the end.

    Example:
        >>> list(statements(["SELECT 1", "+ 1;", "SELECT 2;", ".quit", "SELECT 3;"]))
        ['SELECT 1\\n+ 1;', 'SELECT 2;']
    """
    pending: list[str] = []
    for line in lines:
        if not pending and line.strip().lower() in QUIT:
            return
        if not line.strip():
            continue
        pending.append(line.rstrip("\n"))
        if line.rstrip().endswith(";"):
            yield "\n".join(pending)
            pending = []
    if pending:
        yield "\n".join(pending)


def format_result(frame: pd.DataFrame, output_format: OutputFormat) -> str:
    """The result as text: an aligned table, CSV, or a JSON array of objects."""
    if output_format == "csv":
        return frame.to_csv(index=False)
    if output_format == "json":
        rows = json.loads(frame.to_json(orient="records", date_format="iso"))
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    if output_format == "table":
        return "(no rows)\n" if frame.empty else frame.to_string(index=False, max_colwidth=60) + "\n"
    raise WarehouseError("Parquet is binary: pass --out FILE to write it to a file.")


def write_result(frame: pd.DataFrame, output_format: OutputFormat, out: Path) -> Path:
    """Write the result to `out` in the given format; return the path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if output_format == "parquet":
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), out)
    else:
        out.write_text(format_result(frame, output_format), encoding="utf-8")
    return out


def analyst_views(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The documented views (those with a comment) with their descriptions, by name."""
    return con.execute("""
        SELECT view_name, comment FROM duckdb_views()
        WHERE NOT internal AND schema_name = 'main' AND comment IS NOT NULL ORDER BY view_name
    """).df()


def view_columns(con: duckdb.DuckDBPyConnection, view: str) -> pd.DataFrame:
    """A view's columns in order, with their types and comments."""
    return con.execute("""
        SELECT column_name, data_type, comment FROM duckdb_columns()
        WHERE table_name = ? AND schema_name = 'main' ORDER BY column_index
    """, [view]).df()


def export_parquet(workdir: Path, out_dir: Path) -> list[Path]:
    """Write every documented view to `out_dir/<view>.parquet`; return the files written.

    Example:
        >>> export_parquet(Path("storywatch-data"), Path("parquet"))
        [PosixPath('parquet/competitor_gap.parquet'), PosixPath('parquet/story_causes.parquet'), ...]
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = connect_read_only(workdir)
    try:
        written = []
        for view in analyst_views(con)["view_name"]:
            path = out_dir / f"{view}.parquet"
            # COPY streams the view without holding it in memory; the path is quoted, not bound,
            # because COPY takes no parameters.
            target = str(path.resolve()).replace("'", "''")
            con.execute(f"COPY (SELECT * FROM \"{view}\") TO '{target}' (FORMAT parquet)")
            written.append(path)
        return written
    finally:
        con.close()
