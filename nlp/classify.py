"""Tag any CSV or JSON Lines file of texts: the library behind `storywatch classify`.

One output JSON line per input row, in input order: {"row": n (1-based data row), "id" (the row's
own id, when the file has an id column), "sentiment", "sentiment_score", "language", "causes":
[{"cause", "owner", "score", "evidence"}]}, plus "error"
when a row could not be read cleanly (sentiment and score are null when it could not be read at
all) and "note" when the text was tagged with a defined fallback. A bad row (invalid UTF-8, broken
JSON, missing text) is reported on its own line and never stops the batch; undecodable bytes are
replaced and the row is still tagged. Defined results: empty or emoji-only text is neutral with no
causes ("note": "no words to tag"); HTML is stripped before tagging; a text that is not English is
neutral with no causes and its language code ("note": "not English: ..."); a very long text is
tagged on its first MAX_SENTENCES sentences ("note" says so). The output is
written to a temporary file next to the target and renamed when complete, so a reader never sees
half a file.
"""
from __future__ import annotations

import csv
import itertools
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from nlp.sentences import MAX_SENTENCES
from nlp.tagger import Tagger

CHUNK_ROWS = 512
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
BAD_UTF8 = "invalid UTF-8; undecodable bytes were replaced"
# The column copied to the output as "id" when the user names none and the file has it.
DEFAULT_ID_COLUMN = "id"


class Row(NamedTuple):
    text: str | None  # None when the row could not be read
    error: str | None
    keep: dict[str, Any]  # the row's own fields copied to its output line: {"id": ...} or {}


class ClassifyError(ValueError):
    """The input file cannot be classified (format, column, or unreadable)."""


def _repair(text: str) -> tuple[str, bool]:
    """Undo surrogateescape decoding: (text with U+FFFD for bad bytes, whether any were bad)."""
    try:
        text.encode("utf-8")
        return text, False
    except UnicodeEncodeError:
        raw = text.encode("utf-8", errors="surrogateescape")
        return raw.decode("utf-8", errors="replace"), True


def _id_column(path: Path, fields: list[str], requested: str | None, what: str) -> str | None:
    """The id column to copy: the one the user named (it must exist), else `id` when present."""
    if requested is None:
        return DEFAULT_ID_COLUMN if DEFAULT_ID_COLUMN in fields else None
    if requested not in fields:
        listed = ", ".join(fields) or "none"
        where = "available columns" if what == "column" else "fields in its first record"
        raise ClassifyError(f"{path} has no {what} '{requested}' for ids; {where}: {listed}.")
    return requested


def _csv_rows(path: Path, column: str, id_column: str | None) -> Iterator[Row]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [_repair(name)[0] for name in reader.fieldnames or []]
        columns = list(reader.fieldnames)
        if column not in columns:
            raise ClassifyError(
                f"{path} has no column '{column}'; available columns: {', '.join(columns) or 'none'}."
            )
        id_key = _id_column(path, columns, id_column, "column")
        for record in reader:
            text, bad = _repair(record.get(column) or "")
            keep = {"id": _repair(record.get(id_key) or "")[0]} if id_key else {}
            yield Row(text, BAD_UTF8 if bad else None, keep)


def _first_record(path: Path) -> dict | None:
    """The file's first JSON object (its fields stand for the file's), None when it has none."""
    with path.open("rb") as handle:
        for raw in handle:
            try:
                record = json.loads(_repair(raw.decode("utf-8", errors="surrogateescape"))[0])
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                return record
    return None


def _jsonl_rows(path: Path, column: str, id_column: str | None) -> Iterator[Row]:
    first = _first_record(path)
    id_key = None
    if first is not None:
        if column not in first:
            raise ClassifyError(
                f"{path} has no field '{column}'; fields in its first record: "
                f"{', '.join(first) or 'none'}."
            )
        id_key = _id_column(path, list(first), id_column, "field")
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.strip():
                continue
            line, bad = _repair(raw.decode("utf-8", errors="surrogateescape"))
            error = BAD_UTF8 if bad else None
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
            yield Row("" if value is None else str(value), error, keep)


def _output_row(row: int, tags: Any, item: Row) -> dict[str, Any]:
    text, error = item.text, item.error
    unread = text is None
    out: dict[str, Any] = {
        "row": row,
        **item.keep,
        "sentiment": None if unread else tags.sentiment,
        "sentiment_score": None if unread else tags.sentiment_score,
        "language": None if unread else tags.language,
        "causes": [{"cause": c.cause, "owner": c.owner, "score": c.score, "evidence": c.evidence}
                   for c in tags.causes],
    }
    if error:
        out["error"] = error
    note = None if unread else _note(text, tags)
    if note:
        out["note"] = note
    return out


def _note(text: str, tags: Any) -> str | None:
    if tags.language not in (None, "en"):
        return f"not English ({tags.language}): left neutral without causes"
    if not tags.sentences:
        return "no words to tag: neutral without causes"
    if len(tags.sentences) >= MAX_SENTENCES:
        return f"long text: tagged on its first {MAX_SENTENCES} sentences"
    return None


def classify_file(input_path: Path, text_column: str, output_path: Path, tagger: Tagger,
                  progress: bool = False, id_column: str | None = None) -> int:
    """Tag the text column of a CSV or JSONL file; write JSON lines to output_path.

    Each output line carries the row's own id as "id" (next to "row"), read from `id_column`, or
    from a column named `id` when no id_column is given and the file has one.

    Returns the number of rows written. Raises ClassifyError for an unsupported extension, a
    missing file or a missing text or id column (the message lists the available columns).

    Example:
        >>> classify_file(Path("reviews.csv"), "text", Path("tags.jsonl"), nlp.load_tagger())
        2291
    """
    input_path, output_path = Path(input_path), Path(output_path)
    kind = FORMATS.get(input_path.suffix.lower())
    if kind is None:
        raise ClassifyError(
            f"{input_path}: unsupported file type '{input_path.suffix}'; use .csv or .jsonl."
        )
    if not input_path.is_file():
        raise ClassifyError(f"{input_path} does not exist; check the path.")
    rows = (_csv_rows if kind == "csv" else _jsonl_rows)(input_path, text_column, id_column)
    # The first row reads the header: a missing column is reported before any progress bar.
    first = list(itertools.islice(rows, 1))
    rows = itertools.chain(first, rows)
    temp = output_path.with_name(f".{output_path.name}.part")
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=_count_rows(input_path, kind), unit=" stories", desc="classifying")
    written = 0
    try:
        with temp.open("w", encoding="utf-8") as out:
            for chunk in _chunks(rows):
                for tags, item in zip(tagger.tag([r.text or "" for r in chunk]), chunk):
                    written += 1
                    out.write(json.dumps(_output_row(written, tags, item)) + "\n")
                if bar is not None:
                    bar.update(len(chunk))
        os.replace(temp, output_path)
    finally:
        temp.unlink(missing_ok=True)
        if bar is not None:
            bar.close()
    return written


def _count_rows(path: Path, kind: str) -> int:
    """Data rows in the file, counted in a quick pass first so the progress bar can show an ETA."""
    if kind == "jsonl":
        with path.open("rb") as handle:
            return sum(1 for raw in handle if raw.strip())
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    # csv.reader, not a line count: a quoted field may hold line breaks.
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        return max(sum(1 for record in csv.reader(handle) if record) - 1, 0)


def _chunks(rows: Iterator[Row]) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
