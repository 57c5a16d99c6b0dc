"""Loading landing files into `stories`: an idempotent upsert by story key.

Landing files are the durable record of what the crawler saw. Loading one twice changes nothing;
a story seen again with new text updates its row (the old text stays in the older landing file).
A bad line is skipped and counted, never fatal, and never touches stories already stored.

Loading commits every LOAD_CHUNK stories and lets go of the file between turns (a
`SharedWriter`), so a dashboard or `storywatch sql` waits a moment at most, never for the whole
load. A file is marked loaded in the transaction of its last chunk: after a kill, the next load
reads the file again, and the stories committed already come back unchanged, never twice.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from storywatch.story_record import FIELDS, REQUIRED_FIELDS, STORY_KEY
from storywatch.warehouse.db import SharedWriter
from storywatch.warehouse.known_stories import loaded_landing_files

LANDING_DIR = "landing"
# A row holds the record's fields in this order; the statements below name every column.
COLUMNS: tuple[str, ...] = tuple(record_field.name for record_field in FIELDS)
_KEY = COLUMNS.index(STORY_KEY)
_VALUE_COLUMNS = tuple(name for name in COLUMNS if name != STORY_KEY)
# A story seen again counts as changed (and its row is updated) when one of these differs.
COMPARED = ("title", "body", "rating", "helpful_votes", "company_reply", "author", "labels")
# Stories per transaction: a fraction of a second of work, even on a busy two-core machine.
LOAD_CHUNK = 100


@dataclass
class LoadReport:
    files: int = 0
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1


def utc_timestamp(value: object) -> datetime | None:
    """An ISO 8601 string as a naive UTC datetime (how the warehouse stores time)."""
    if value in (None, ""):
        return None
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


# How a landing line's value of each kind of field becomes a column value; a value that cannot
# be converted raises ValueError or TypeError, and the loader skips that line.
_STORED: dict[str, Callable[[Any], Any]] = {
    "string": lambda value: value,
    "text": lambda value: value,
    "time": utc_timestamp,
    "flag": bool,
    "rating": _optional(float),
    "count": _optional(int),
    "labels": lambda value: [str(label) for label in value or []],
    "json": lambda value: json.dumps(value, ensure_ascii=False, default=str),
}


_INSERT_STORY = (
    f"INSERT INTO stories ({', '.join(COLUMNS)}, first_seen_at, updated_at, landing_file) "
    f"VALUES ({', '.join('?' for _ in COLUMNS)}, now()::TIMESTAMP, now()::TIMESTAMP, ?)"
)
_UPDATE_STORY = (
    f"UPDATE stories SET {', '.join(f'{name} = ?' for name in _VALUE_COLUMNS)}, "
    f"updated_at = now()::TIMESTAMP, landing_file = ? WHERE {STORY_KEY} = ?"
)


def _row(record: dict) -> tuple:
    missing = [name for name in REQUIRED_FIELDS if not record.get(name)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    return tuple(_STORED[f.kind](record.get(f.name)) for f in FIELDS)


def _update_values(row: tuple, landing_file: str | None) -> tuple:
    """`_UPDATE_STORY`'s parameters: the fields but the key, the landing file, then the key."""
    values = dict(zip(COLUMNS, row, strict=True))
    return (*(values[name] for name in _VALUE_COLUMNS), landing_file, row[_KEY])


def upsert_stories(
    con: duckdb.DuckDBPyConnection, records: list[dict], landing_file: str | None = None,
    report: LoadReport | None = None,
) -> tuple[int, int, int]:
    """Insert new stories, update changed ones; return (inserted, updated, unchanged)."""
    report = report if report is not None else LoadReport()
    return _write_rows(con, _valid_rows(records, report), landing_file, report)


def _valid_rows(records: list[dict], report: LoadReport) -> dict[str, tuple]:
    """The records as table rows by story key; invalid ones are skipped and counted."""
    rows: dict[str, tuple] = {}
    for record in records:
        try:
            row = _row(record)
        except (ValueError, TypeError) as error:
            report.skip(f"invalid record: {error}")
            continue
        rows[row[_KEY]] = row  # the last sighting of a key in one file wins
    return rows


def _write_rows(
    con: duckdb.DuckDBPyConnection, rows: dict[str, tuple], landing_file: str | None,
    report: LoadReport,
) -> tuple[int, int, int]:
    if not rows:
        return 0, 0, 0
    keys = list(rows)
    compared = ", ".join(COMPARED)
    existing = {
        found[0]: found[1:]
        for found in con.execute(
            f"SELECT story_key, {compared} FROM stories WHERE story_key IN (SELECT unnest(?))",
            [keys],
        ).fetchall()
    }
    index = {name: COLUMNS.index(name) for name in COMPARED}
    new = [row for key, row in rows.items() if key not in existing]
    changed = [
        row for key, row in rows.items()
        if key in existing and tuple(row[index[name]] for name in COMPARED) != existing[key]
    ]
    if new:
        con.executemany(_INSERT_STORY, [row + (landing_file,) for row in new])
    if changed:
        con.executemany(_UPDATE_STORY, [_update_values(row, landing_file) for row in changed])
    unchanged = len(rows) - len(new) - len(changed)
    report.inserted += len(new)
    report.updated += len(changed)
    report.unchanged += unchanged
    return len(new), len(changed), unchanged


def read_landing(path: Path, report: LoadReport) -> list[dict]:
    records = []
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            report.rows += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                report.skip("line is not valid JSON")
                continue
            if not isinstance(record, dict):
                report.skip("line is not a JSON object")
                continue
            records.append(record)
    return records


def landing_files(workdir: Path) -> list[Path]:
    """Complete landing files, oldest first (files still being written end in .part)."""
    folder = Path(workdir) / LANDING_DIR
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


def load_landing(writer: SharedWriter, workdir: Path) -> LoadReport:
    """Load every landing file not loaded yet, LOAD_CHUNK stories per transaction."""
    report = LoadReport()
    with writer.connection() as con:
        done = loaded_landing_files(con)
    for path in landing_files(workdir):
        if path.name not in done:
            _load_file(writer, path, report)
    return report


def _load_file(writer: SharedWriter, path: Path, report: LoadReport) -> None:
    skipped_before = report.skipped
    rows_before = report.rows
    rows = list(_valid_rows(read_landing(path, report), report).items())
    starts = range(0, len(rows), LOAD_CHUNK) if rows else [0]
    for start in starts:
        with writer.transaction() as con:
            _write_rows(con, dict(rows[start:start + LOAD_CHUNK]), path.name, report)
            if start == starts[-1]:
                con.execute(
                    "INSERT INTO loaded_files (landing_file, loaded_at, rows_read, rows_skipped) "
                    "VALUES (?, now()::TIMESTAMP, ?, ?)",
                    [path.name, report.rows - rows_before, report.skipped - skipped_before],
                )
    report.files += 1
