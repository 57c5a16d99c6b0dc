"""Opening the DuckDB file: read-write with migrations applied, or read-only with a retry on the lock.

DuckDB lets one process write at a time. Readers (dashboard, sql, exports) retry briefly while a
writer holds the file, so a crawl or a tagging run never shows marketing an error.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

DATABASE_NAME = "storywatch.duckdb"


class WarehouseError(Exception):
    """A warehouse problem explained in one sentence that says how to fix it."""


def database_path(workdir: Path) -> Path:
    return Path(workdir) / DATABASE_NAME


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the numbered migrations not yet applied; return the names applied now."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(number INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
    )
    done = {row[0] for row in con.execute("SELECT number FROM schema_migrations").fetchall()}
    applied = []
    for number, name, sql in _migrations():
        if number in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [number, name]
            )
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


def _open(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() >= deadline:
                who = "another storywatch command (crawl, load or tag)"
                raise WarehouseError(
                    f"The warehouse {path} is busy: {who} is writing to it. "
                    "Try again when it has finished."
                ) from error
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def connect(workdir: Path, wait_seconds: float = 30.0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-write, creating it and applying migrations as needed."""
    path = database_path(workdir)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only=False, wait_seconds=wait_seconds)
    migrate(con)
    return con


def connect_read_only(workdir: Path, wait_seconds: float = 10.0) -> duckdb.DuckDBPyConnection:
    """Open an existing warehouse read-only; a clear error if there is none yet."""
    path = database_path(workdir)
    if not path.exists():
        raise WarehouseError(
            f"No warehouse at {path} yet: run `storywatch crawl` and `storywatch load` "
            "(or `storywatch demo`) first."
        )
    return _open(path, read_only=True, wait_seconds=wait_seconds)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, or ROLLBACK and re-raise when the body fails: all or nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def make_current(con: duckdb.DuckDBPyConnection, table: str, column: str, version: str) -> None:
    """Record `version` in a versions table (model_versions, reply_models) and make it the only
    current one there. `table` and `column` are the schema's own names, never user input."""
    con.execute(f"INSERT INTO {table} VALUES (?, now()::TIMESTAMP, FALSE) ON CONFLICT DO NOTHING",
                [version])
    con.execute(f"UPDATE {table} SET is_current = ({column} = ?)", [version])
