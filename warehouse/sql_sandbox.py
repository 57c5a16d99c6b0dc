"""The connection analysts' SQL runs on: read-only, and unable to write files, fetch URLs or load
extensions, so that a statement the parser check (`sql_guard`) misjudged still cannot write.

DuckDB 2.0 has no read-only file access: `allowed_directories` (and `allowed_paths`) let a query
read *and write* there once `enable_external_access` is off, and a COPY into an allowed workdir
overwrote storywatch.duckdb in our tests. So DuckDB may reach only folders that hold the
analyst's own files: `WORKDIR/files/` and the `[sql] readable_paths` of storywatch.toml, never the
workdir itself (warehouse, landing/, exports/), a folder above it, or one holding the config.
DuckDB adds its own spill folder (`storywatch.duckdb.tmp/`), which nothing reads back.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from storywatch.warehouse.db import WarehouseError, connect_read_only
from storywatch.warehouse.sql_guard import SqlRefused

ANALYST_FILES = "files"
LOCKED = "the configuration has been locked"
# Order matters: allowed_directories can be set only while external access is on, and nothing can
# be set once the configuration is locked. Extensions are neither installed nor loaded on demand,
# so an http:// or s3:// path fails at once instead of downloading httpfs.
RESTRICTIONS = (
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET allowed_directories = $folders",
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)


class UnsafeReadablePath(WarehouseError):
    """A readable folder would let analysts' SQL reach the warehouse or the configuration."""


class FileRefused(SqlRefused):
    """A query reached for a file, URL or extension that `storywatch sql` may not use."""


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def readable_folders(workdir: Path, readable_paths: Sequence[Path] = (),
                     guarded: Sequence[Path] = ()) -> list[Path]:
    """The folders analysts' SQL may read: WORKDIR/files and `readable_paths`, resolved.

    `guarded`: files DuckDB must never reach besides the workdir (the storywatch.toml in use).
    """
    home = Path(workdir).resolve()
    own_files = home / ANALYST_FILES
    folders = [own_files]
    for entry in readable_paths:
        folder = Path(entry).expanduser().resolve()
        if _is_within(folder, home) and not _is_within(folder, own_files):
            raise UnsafeReadablePath(
                f"[sql] readable_paths lists {entry}, inside the workdir {home}: list folders "
                f"outside it (put files for SQL in {own_files}, which is always readable).")
        folders.append(folder)
    for folder in folders:
        for kept_out in (home, *(Path(path).resolve() for path in guarded)):
            if _is_within(kept_out, folder):
                raise UnsafeReadablePath(
                    f"The readable folder {folder} holds {kept_out}, which `storywatch sql` "
                    "must not reach: in [sql] readable_paths of storywatch.toml, list folders "
                    "that hold only your own files.")
    return folders


def connect_for_analysts(workdir: Path, readable_paths: Sequence[Path] = (),
                         guarded: Sequence[Path] = ()) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only for analysts' SQL, with file access cut to readable folders.

    The settings are the database instance's, and DuckDB shares one instance among a process's
    connections to a file, so open this where no other connection to the warehouse is open (each
    `storywatch sql` statement opens and closes its own).
    """
    folders = [str(folder) for folder in readable_folders(workdir, readable_paths, guarded)]
    con = connect_read_only(workdir)
    try:
        for setting in RESTRICTIONS:
            con.execute(setting, {"folders": folders} if "$folders" in setting else None)
    except duckdb.Error as error:
        con.close()
        raise WarehouseError(
            f"Could not open the warehouse for read-only SQL ({error}). Close other programs "
            "of this process that hold it open and try again.") from error
    except BaseException:
        con.close()
        raise
    return con


def query_error(error: duckdb.Error) -> WarehouseError:
    """DuckDB's error for analysts' SQL as one clear sentence: a refusal, or why it failed."""
    text = str(error)
    first_line = text.splitlines()[0] if text else type(error).__name__
    if isinstance(error, duckdb.PermissionException):
        return FileRefused(
            f"Refused: `storywatch sql` reads only the warehouse and files under "
            f"WORKDIR/{ANALYST_FILES}/ or the [sql] readable_paths of storywatch.toml; it never "
            f"writes files, fetches URLs or loads extensions ({first_line}).")
    if LOCKED in text:
        return SqlRefused(f"Refused: `storywatch sql` is read-only and cannot change DuckDB "
                          f"settings ({first_line}).")
    return WarehouseError(f"The query failed: {text}")
