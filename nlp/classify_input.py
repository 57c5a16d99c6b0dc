"""Reading the rows of a CSV or JSON Lines file for `storywatch classify`, with defined results.

The encoding comes from the file's byte-order mark (UTF-8, UTF-16 or UTF-32, either byte order);
a file without one is read as UTF-8. In UTF-8, undecodable bytes are replaced and the row is still
tagged with an "error" saying so (one bad row never stops the batch); a UTF-16 or UTF-32 file that
breaks its own encoding is refused, naming the encoding. CSV is read as leniently as Python's
csv module reads it, except where leniency would mean guessing: a text or id column named twice in
the header, and a quoted field that runs over line breaks without closing cleanly (a stray quote
that swallowed the lines after it) are refused, naming the column or the line where that row
starts. Each run of control characters other than tab and line breaks (NUL and DEL included) is
replaced by one space in every text before tagging ("Great\\0staff" reads "Great staff"), so
they never reach the evidence and never glue two words together.
"""
from __future__ import annotations

import codecs
import csv
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from storywatch.errors import StorywatchError

BAD_UTF8 = "invalid UTF-8; undecodable bytes were replaced"
# The column copied to the output as "id" when the user names none and the file has it.
DEFAULT_ID_COLUMN = "id"
# C0 and C1 control characters and DEL, but not tab, line feed or carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")
# UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32-LE"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32-BE"),
         (codecs.BOM_UTF16_LE, "utf-16", "UTF-16-LE"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16-BE"))


class ClassifyError(StorywatchError, ValueError):
    """The input file cannot be classified (format, column, encoding, or unreadable)."""


class Row(NamedTuple):
    text: str | None  # None when the row could not be read
    error: str | None
    keep: dict[str, Any]  # the row's own fields copied to its output line: {"id": ...} or {}


class Encoding(NamedTuple):
    codec: str  # what open() is given; utf-8-sig also drops a UTF-8 byte-order mark
    name: str  # what the user is told
    lenient: bool  # bad bytes are replaced per row (UTF-8) rather than refusing the file


UTF8 = Encoding("utf-8-sig", "UTF-8", lenient=True)


def detect_encoding(path: Path) -> Encoding:
    """The file's encoding from its byte-order mark; UTF-8 when it has none."""
    with _open_binary(path) as handle:
        head = handle.read(4)
    for bom, codec, name in _BOMS:
        if head.startswith(bom):
            return Encoding(codec, name, lenient=False)
    return UTF8


def _open_binary(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except OSError as exc:
        raise ClassifyError(f"cannot read {path}: {exc.strerror}; check the path and its "
                            "permissions.") from exc


def _open_text(path: Path, encoding: Encoding, newline: str | None) -> IO[str]:
    """The file as text; `detect_encoding` has opened it already, so it is readable."""
    errors = "surrogateescape" if encoding.lenient else "strict"
    return path.open(encoding=encoding.codec, errors=errors, newline=newline)


class _Lines:
    """A text file's lines, counting them and (for CSV) keeping those of the record being read."""

    def __init__(self, handle: IO[str], path: Path, encoding: Encoding, keep: bool) -> None:
        self.handle, self.path, self.encoding, self.keep = handle, path, encoding, keep
        self.read = 0
        self.record: list[str] = []

    def __iter__(self) -> Iterator[str]:
        try:
            for line in self.handle:
                self.read += 1
                if self.keep:
                    self.record.append(line)
                yield line
        except UnicodeDecodeError as exc:
            # No line number: the decoder reads ahead in blocks, so the count would be wrong.
            raise ClassifyError(
                f"{self.path} is not valid {self.encoding.name}, the encoding its byte-order mark "
                f"names ({exc.reason}); save it again as UTF-8."
            ) from exc


def _repair(text: str) -> tuple[str, bool]:
    """Undo surrogateescape decoding: (text with U+FFFD for bad bytes, whether any were bad)."""
    try:
        text.encode("utf-8")
        return text, False
    except UnicodeEncodeError:
        raw = text.encode("utf-8", errors="surrogateescape")
        return raw.decode("utf-8", errors="replace"), True


def _clean(text: str) -> str:
    """Text with each run of control characters (NUL included) turned into one space.

    A space, not nothing: "Great\\0staff" is two words ("Great staff"). Where whitespace or the
    text's edge already separates, the run is dropped instead, so no double space appears. Tab
    and line breaks stay.
    """
    return _CONTROL.sub(_separator, text)


def _separator(run: re.Match[str]) -> str:
    before = run.string[run.start() - 1:run.start()]
    after = run.string[run.end():run.end() + 1]
    return "" if not before or not after or before.isspace() or after.isspace() else " "


def _id_column(path: Path, fields: list[str], requested: str | None, what: str) -> str | None:
    """The id column to copy: the one the user named (it must exist), else `id` when present."""
    if requested is None:
        return DEFAULT_ID_COLUMN if DEFAULT_ID_COLUMN in fields else None
    if requested not in fields:
        listed = ", ".join(fields) or "none"
        where = "available columns" if what == "column" else "fields in its first record"
        raise ClassifyError(f"{path} has no {what} '{requested}' for ids; {where}: {listed}.")
    return requested


def _check_closed(path: Path, lines: list[str], start: int) -> None:
    """Refuse a record over several lines whose quoted field does not close cleanly."""
    try:
        list(csv.reader(lines, strict=True))
    except csv.Error:
        raise ClassifyError(
            f"{path}: the row starting at line {start} has a quoted field that does not close "
            f"cleanly, so it swallowed the {len(lines) - 1} line(s) after it (a stray \"?); "
            "remove the stray quote, or double each quote inside a quoted field (\"\")."
        ) from None


def _csv_records(lines: _Lines) -> Iterator[list[str]]:
    """The file's non-blank records, each checked for a stray quote."""
    for fields in csv.reader(lines):
        if len(lines.record) > 1:
            _check_closed(lines.path, lines.record, lines.read - len(lines.record) + 1)
        lines.record.clear()
        if fields:
            yield fields


def _column_index(path: Path, columns: list[str], column: str | None, what: str) -> int | None:
    if column is None:
        return None
    if columns.count(column) > 1:
        raise ClassifyError(f"{path} has more than one column named '{column}', so it is unclear "
                            f"which holds the {what}; rename the others.")
    return columns.index(column)


def _header(path: Path, records: Iterator[list[str]], column: str) -> list[str]:
    columns = [_repair(name)[0] for name in next(records, [])]
    if column not in columns:
        hint = ""
        if any("\x00" in name for name in columns):
            hint = (" Its header holds NUL bytes: is it UTF-16 or UTF-32 without a byte-order "
                    "mark? Save it as UTF-8.")
        listed = ", ".join(_clean(name) for name in columns) or "none"
        raise ClassifyError(f"{path} has no column '{column}'; available columns: {listed}.{hint}")
    return columns


def _csv_file(path: Path) -> Iterator[list[str]]:
    """The non-blank records of a CSV file, header first."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    encoding = detect_encoding(path)
    with _open_text(path, encoding, newline="") as handle:
        yield from _csv_records(_Lines(handle, path, encoding, keep=True))


def _id(fields: list[str], at: int) -> str:
    """A record's id, "" when the record is short of that field (as csv.DictReader reads it)."""
    return _repair(fields[at])[0] if at < len(fields) else ""


def csv_rows(path: Path, column: str, id_column: str | None) -> Iterator[Row]:
    """The rows of a CSV file: the text of `column` and the id, in file order."""
    records = _csv_file(path)
    columns = _header(path, records, column)
    text_at = _column_index(path, columns, column, "text")
    id_at = _column_index(path, columns, _id_column(path, columns, id_column, "column"), "id")
    for fields in records:
        text, bad = _repair(fields[text_at] if text_at < len(fields) else "")
        keep = {"id": _id(fields, id_at)} if id_at is not None else {}
        yield Row(_clean(text), BAD_UTF8 if bad else None, keep)


def _json_lines(path: Path) -> Iterator[tuple[str, bool]]:
    """(line, whether it held invalid UTF-8) for each non-blank line."""
    encoding = detect_encoding(path)
    with _open_text(path, encoding, newline=None) as handle:
        for line in _Lines(handle, path, encoding, keep=False):
            if line.strip():
                yield _repair(line)


def _first_record(lines: Iterable[tuple[str, bool]]) -> dict | None:
    """The file's first JSON object (its fields stand for the file's), None when it has none."""
    for line, _bad in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            return record
    return None


def jsonl_rows(path: Path, column: str, id_column: str | None) -> Iterator[Row]:
    """The rows of a JSON Lines file: the text of field `column` and the id, in file order."""
    first = _first_record(_json_lines(path))
    id_key = None
    if first is not None:
        if column not in first:
            raise ClassifyError(
                f"{path} has no field '{column}'; fields in its first record: "
                f"{', '.join(first) or 'none'}."
            )
        id_key = _id_column(path, list(first), id_column, "field")
    for line, bad in _json_lines(path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Row(None, f"not valid JSON ({exc.msg} at column {exc.colno})",
                      {"id": None} if id_key else {})
            continue
        if not isinstance(record, dict):
            yield Row(None, "not a JSON object", {"id": None} if id_key else {})
            continue
        keep = {"id": record.get(id_key)} if id_key else {}
        if column not in record:
            yield Row(None, f"no field '{column}' in this row", keep)
            continue
        value = record[column]
        yield Row(_clean("" if value is None else str(value)), BAD_UTF8 if bad else None, keep)


def count_rows(path: Path, kind: str) -> int:
    """Data rows in the file, counted in a quick pass first so the progress bar can show an ETA."""
    if kind == "jsonl":
        return sum(1 for _ in _json_lines(path))
    # Records, not lines: a quoted field may hold line breaks.
    return max(sum(1 for _ in _csv_file(path)) - 1, 0)
