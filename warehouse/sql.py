"""Analysts' read-only SQL: queries, the documented views, and Parquet copies of them.

Each query runs on its own short-lived connection that two layers keep from writing: DuckDB's
parser must type every statement as a read (`sql_guard`), and the connection itself is read-only
and cannot write files, fetch URLs or load extensions (`sql_sandbox`). Results can be written as
a text table, CSV, JSON or Parquet. `statements()` splits an interactive session's lines into
`;`-terminated statements, so the prompt is only a loop over `run_query`. `export_parquet` is
storywatch's own COPY to a folder the user chose, on an ordinary read-only connection.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from storywatch.warehouse.db import WarehouseError, reading
from storywatch.warehouse.sql_guard import Token, WriteRefused, check_read_only, tokenize
from storywatch.warehouse.sql_output import OutputRefused, check_out, write_file
from storywatch.warehouse.sql_sandbox import connect_for_analysts, query_error

__all__ = ["OUTPUT_FORMATS", "OutputFormat", "OutputRefused", "WriteRefused", "analyst_views",
           "check_out", "export_parquet", "format_result", "query_frame", "run_query",
           "statements", "view_columns", "write_result"]

OutputFormat = Literal["table", "csv", "json", "parquet"]
OUTPUT_FORMATS = ("table", "csv", "json", "parquet")
QUIT = (".quit", ".exit", "\\q")


def query_frame(con: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame:
    """Run a read-only query on an open connection and return the last statement's result.

    The statements run are the very ones DuckDB's parser typed and `check_read_only` judged.
    """
    found = check_read_only(con, query)
    try:
        for statement in found[:-1]:
            con.execute(statement)
        return con.execute(found[-1]).df()
    except duckdb.Error as error:
        raise query_error(error) from error


def run_query(workdir: Path, query: str, readable_paths: Sequence[Path] = (),
              guarded: Sequence[Path] = ()) -> pd.DataFrame:
    """Run a read-only query against the workdir's warehouse and return its result.

    The connection lives for this query only, so a writer is never kept waiting by an idle
    analyst. `readable_paths`: folders besides WORKDIR/files that the query may read files from;
    `guarded`: files it must never reach (the storywatch.toml in use).
    """
    with closing(connect_for_analysts(workdir, readable_paths, guarded)) as con:
        return query_frame(con, query)


def statements(lines: Iterable[str]) -> Iterator[str]:
    """`;`-terminated statements from an interactive session's lines, until .quit or the end.

    DuckDB's tokenizer says where a statement ends, so a `;` inside a string literal, a quoted
    name or a comment, even at the end of a line, does not cut it short. Text with nothing but
    comments and `;` is skipped, not run.

    Example:
        >>> list(statements(["SELECT 1", "+ 1;", "SELECT 'a;", "b';", ".quit", "SELECT 3;"]))
        ['SELECT 1\\n+ 1;', "SELECT 'a;\\nb';"]
    """
    pending: list[str] = []
    started = False  # whether `pending` holds more than comments
    for line in lines:
        if not started and line.strip().lower() in QUIT:
            return
        if not pending and not line.strip():
            continue
        pending.append(line.rstrip("\n"))
        tokens = tokenize("\n".join(pending))
        started = _has_statement(tokens)
        if _is_complete(tokens):
            if started:
                yield "\n".join(pending)
            pending, started = [], False
    if started:
        yield "\n".join(pending)


def _is_complete(tokens: list[Token]) -> bool:
    """Whether the text ends with a `;` of its own: not in a string, a name or an open comment."""
    for token in reversed(tokens):
        if token.kind != duckdb.token_type.comment:
            return token.kind == duckdb.token_type.operator and token.text == ";"
        if token.text.startswith("/*") and not token.text.endswith("*/"):
            return False
    return False


def _has_statement(tokens: list[Token]) -> bool:
    return any(t.kind != duckdb.token_type.comment and t.text != ";" for t in tokens)


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


def write_result(frame: pd.DataFrame, output_format: OutputFormat, out: Path, workdir: Path,
                 guarded: Sequence[Path] = ()) -> Path:
    """Write the result to `out` in the given format; return the path.

    `out` must not be a file storywatch owns (`sql_output.check_out`: the warehouse, `guarded`
    files such as the storywatch.toml in use, the workdir outside exports/ and files/); it is
    replaced only once complete.
    """
    check_out(out, workdir, guarded)
    if output_format == "parquet":
        sink = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
        data = sink.getvalue().to_pybytes()
    else:
        data = format_result(frame, output_format).encode("utf-8")
    write_file(out, data)
    return Path(out)


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
    with reading(workdir) as con:
        written = []
        for view in analyst_views(con)["view_name"]:
            path = out_dir / f"{view}.parquet"
            # COPY streams the view without holding it in memory; the path is quoted, not bound,
            # because COPY takes no parameters.
            target = str(path.resolve()).replace("'", "''")
            con.execute(f"COPY (SELECT * FROM \"{view}\") TO '{target}' (FORMAT parquet)")
            written.append(path)
        return written
