"""Opening the DuckDB file: read-write with migrations applied, or read-only with a retry on the lock.

There is one way to read, `with reading(workdir) as con:` (read-only, closed after the block), and
one way to write, `with writing(workdir) as con:` (one transaction, committed at the end of the
block or rolled back when it fails, then closed); a long batched write uses a `SharedWriter`.
DuckDB lets one process write at a time, and a reader in another process can open the file only
while no writer has it open. Readers (dashboard, sql, exports) retry briefly while a writer holds
the file; writers hold it in short turns (`SharedWriter`), so a reader never waits for a whole
load or tagging run. When the wait runs out, the error names the process holding the file.
"""
from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Self

import duckdb

from storywatch.errors import StorywatchError

DATABASE_NAME = "storywatch.duckdb"
# Written by a `storage = "delta"` run (storywatch.scale.lake): the workdir's warehouse is a lake.
LAKE_POINTER = "storywatch.lake.json"
# A waiting opener retries this often. A SharedWriter leaves the file free for longer than that
# between its turns, so a waiting reader always gets one try in the gap.
RETRY_SECONDS = 0.1
TURN_SECONDS = 1.0
TURN_GAP_SECONDS = 0.2


class WarehouseError(StorywatchError):
    """A warehouse problem explained in one sentence that says how to fix it."""


class WarehouseBusy(WarehouseError):
    """Another process holds the DuckDB file's lock for longer than we were willing to wait."""


class WarehouseCorrupt(WarehouseError):
    """The warehouse file exists but DuckDB cannot read it as a database."""


def _command_line(pid: str) -> str:
    """A process's command as its user typed it; raises OSError when the process is gone."""
    argv = [part.decode(errors="replace")
            for part in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if part]
    # A console script such as `storywatch sql` runs as `python .../bin/storywatch sql`.
    if len(argv) > 1 and Path(argv[0]).name.startswith("python") and not argv[1].startswith("-"):
        argv = argv[1:]
    if argv:
        argv[0] = Path(argv[0]).name
    return " ".join(argv)[:120]


def _lock_holder(error: Exception) -> str:
    """Name the process that holds the lock, from DuckDB's message ("... (PID 1234) ...")."""
    found = re.search(r"PID (\d+)", str(error))
    if not found:
        return "another process"
    pid = found.group(1)
    try:
        command = _command_line(pid)
    except OSError:
        return f"process {pid}"
    return f"process {pid} ({command})" if command else f"process {pid}"


def database_path(workdir: Path) -> Path:
    return Path(workdir) / DATABASE_NAME


@functools.cache
def _migrations() -> tuple[tuple[int, str, str], ...]:
    folder = resources.files("storywatch.warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return tuple(sorted(found))


def _schema_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every migration is applied, in one cheap query: writers open the file often
    (tagging once per batch), and most opens have nothing to migrate."""
    try:
        (done,) = con.execute("SELECT list(number) FROM schema_migrations").fetchone()
    except duckdb.CatalogException:
        return False
    return {number for number, _, _ in _migrations()} <= set(done or ())


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
        with transaction(con):
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [number, name]
            )
        applied.append(name)
    return applied


def _corrupt(path: Path, why: object) -> WarehouseCorrupt:
    return WarehouseCorrupt(
        f"{path} is not a readable DuckDB warehouse ({why}). Move it aside and rebuild it from "
        "the landing files with `storywatch load`."
    )


@contextmanager
def _unreadable_is_corrupt(path: Path) -> Iterator[None]:
    """A file that opened but fails when a query reaches its blocks (a copy cut short, a full
    disk) raises DuckDB's IOException mid-query. Only an IOException about the warehouse file
    itself means that: one about another file (an export folder that cannot be written) is
    not a damaged warehouse, and calling it one would send a user to rebuild a good file."""
    try:
        yield
    except duckdb.IOException as error:
        if str(path) not in str(error):
            raise
        raise _corrupt(path, error) from error


def _open(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    delay = RETRY_SECONDS / 2
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            # DuckDB has one IOException for a held lock and for an unreadable file: only its
            # message tells them apart, so this is the one place that reads it; past here the
            # difference is a type (WarehouseBusy or WarehouseCorrupt).
            if "lock" not in str(error).lower():
                raise WarehouseCorrupt(
                    f"{path} cannot be opened as a DuckDB warehouse ({error}). Move it aside "
                    "and rebuild it from the landing files with `storywatch load`."
                ) from error
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"The warehouse {path} is in use by {_lock_holder(error)}. "
                    "Try again when it has finished."
                ) from error
            time.sleep(delay)
            delay = min(delay * 2, RETRY_SECONDS)
        except duckdb.Error as error:
            raise _corrupt(path, error) from error


def connect(workdir: Path, wait_seconds: float = 30.0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-write, creating it and applying migrations as needed."""
    path = database_path(workdir)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only=False, wait_seconds=wait_seconds)
    try:
        with _unreadable_is_corrupt(path):
            if not _schema_is_current(con):
                migrate(con)
    except BaseException:
        con.close()
        raise
    return con


def connect_read_only(workdir: Path, wait_seconds: float = 10.0) -> duckdb.DuckDBPyConnection:
    """Open an existing warehouse read-only; a clear error if there is none yet.

    A workdir that a `storage = "delta"` run pointed at its lake (docs/scale.md) is read from
    the lake: an in-memory DuckDB with the same views and named queries over the Delta tables.
    """
    if (Path(workdir) / LAKE_POINTER).is_file():
        from storywatch.scale.lake import open_workdir_lake

        return open_workdir_lake(Path(workdir))
    path = database_path(workdir)
    if not path.exists():
        raise WarehouseError(
            f"No warehouse at {path} yet: run `storywatch crawl` and `storywatch load` "
            "(or `storywatch demo`) first."
        )
    return _open(path, read_only=True, wait_seconds=wait_seconds)


@contextmanager
def reading(workdir: Path, wait_seconds: float = 10.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """An existing warehouse, read-only for the block and closed after it (a writer may go next).

    Example:
        >>> with reading(Path("storywatch-data")) as con:
        ...     con.execute("SELECT count(*) FROM stories").fetchone()
        (191,)

    Raises:
        WarehouseError: no warehouse yet; WarehouseBusy: a writer holds it past `wait_seconds`;
            WarehouseCorrupt: DuckDB cannot read it (each message says what to do).
    """
    con = connect_read_only(workdir, wait_seconds)
    try:
        with _unreadable_is_corrupt(database_path(workdir)):
            yield con
    finally:
        con.close()


@contextmanager
def writing(workdir: Path, wait_seconds: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse read-write (created and migrated as needed) for one transaction.

    The block's writes commit together at its end, or roll back when it fails; the file is
    closed after it either way, so readers get in. A `transaction()` inside the block joins this
    one. For a long run of writes that should let readers in between, use `SharedWriter`.

    Raises:
        WarehouseBusy, WarehouseCorrupt: as `reading` does.
    """
    con = connect(workdir, wait_seconds)
    try:
        with _unreadable_is_corrupt(database_path(workdir)), transaction(con):
            yield con
    finally:
        con.close()


class SharedWriter:
    """A long write (a whole `load`) done as short transactions, sharing the file with readers.

    A reader can open the file only while no writer has it open, so a writer that kept one
    connection for a whole run would lock the dashboard out for all of it. Here each
    `transaction()` commits at its end; once the connection has been open for `turn_seconds` it
    is closed, and the next transaction reopens the file no sooner than `gap_seconds` later,
    which lets a waiting reader in. A kill between transactions loses nothing committed.
    """

    def __init__(self, workdir: Path, turn_seconds: float = TURN_SECONDS,
                 gap_seconds: float = TURN_GAP_SECONDS, wait_seconds: float = 30.0) -> None:
        self.workdir = Path(workdir)
        self.turn_seconds = turn_seconds
        self.gap_seconds = gap_seconds
        self.wait_seconds = wait_seconds
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened_at = 0.0
        self._closed_at: float | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The writer's connection, reopened when its last turn ended; the turn may end after."""
        if self._con is None:
            if self._closed_at is not None:
                time.sleep(max(0.0, self._closed_at + self.gap_seconds - time.monotonic()))
            self._con = connect(self.workdir, self.wait_seconds)
            self._opened_at = time.monotonic()
        try:
            yield self._con
        except BaseException:
            self.close()
            raise
        if time.monotonic() - self._opened_at >= self.turn_seconds:
            self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One committed transaction (all or nothing) on the writer's connection."""
        with self.connection() as con, transaction(con):
            yield con

    def close(self) -> None:
        """Let go of the file now."""
        if self._con is not None:
            self._con.close()
            self._con = None
            self._closed_at = time.monotonic()


# Connections inside a `transaction()` right now, by id: DuckDB has no nested transactions, so a
# nested one joins the outer (a `writing()` block calling `save_tags` commits once, at its end).
_IN_TRANSACTION: set[int] = set()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, or ROLLBACK and re-raise when the body fails: all or nothing.

    Inside another `transaction()` on the same connection it joins that one, whose end commits
    or rolls back the whole.
    """
    if id(con) in _IN_TRANSACTION:
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    _IN_TRANSACTION.add(id(con))
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        _IN_TRANSACTION.discard(id(con))


def make_current(con: duckdb.DuckDBPyConnection, table: str, column: str, version: str) -> None:
    """Record `version` in a versions table (model_versions, reply_models) and make it the only
    current one there. `table` and `column` are the schema's own names, never user input."""
    con.execute(f"INSERT INTO {table} VALUES (?, now()::TIMESTAMP, FALSE) ON CONFLICT DO NOTHING",
                [version])
    con.execute(f"UPDATE {table} SET is_current = ({column} = ?)", [version])
