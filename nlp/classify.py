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
tagged on its first MAX_SENTENCES sentences ("note" says so). How a file is read (encodings,
duplicate columns, stray quotes, control characters) is in nlp.classify_input.

The input is never written to: an output that is the input (the same path, a symlink or a hard
link to it) is refused, and so are an existing DuckDB database (a warehouse) and an output in a
folder that does not exist. A new or regular output is written to a temporary file next to the
target and renamed when complete, keeping an existing file's permission bits, so a reader never
sees half a file and a run that fails or is interrupted leaves an existing output as it was. A
device or named pipe (/dev/stdout, a FIFO) is written directly and stays what it is.
"""
from __future__ import annotations

import itertools
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from storywatch.nlp.classify_input import ClassifyError, Row, count_rows, csv_rows, jsonl_rows
from storywatch.nlp.sentences import MAX_SENTENCES
from storywatch.nlp.tagger import Tagger
from storywatch.output_file import FolderNotWritable, existing, same_file, write_whole

__all__ = ["ClassifyError", "check_paths", "classify_file"]

CHUNK_ROWS = 512
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
# A DuckDB file's header holds "DUCK" at byte 8 (after an 8-byte checksum).
DUCKDB_MAGIC, DUCKDB_MAGIC_AT = b"DUCK", 8


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
        return f"not English ({tags.language}): tagged by the multilingual model"
    if not tags.sentences:
        return "no words to tag: neutral without causes"
    if len(tags.sentences) >= MAX_SENTENCES:
        return f"long text: tagged on its first {MAX_SENTENCES} sentences"
    return None


def check_paths(input_path: Path, output_path: Path) -> str:
    """Check the files before any work; return the input's kind ("csv" or "jsonl").

    Raises ClassifyError for an unsupported extension, a missing input, an output in a folder
    that does not exist, an output that is a folder, an output that is the input itself (the
    same path, a symlink or a hard link to it), and an output that is a DuckDB database (a
    storywatch warehouse, say).
    """
    input_path, output_path = Path(input_path), Path(output_path)
    kind = FORMATS.get(input_path.suffix.lower())
    if kind is None:
        raise ClassifyError(
            f"{input_path}: unsupported file type '{input_path.suffix}'; use .csv or .jsonl."
        )
    if not input_path.is_file():
        raise ClassifyError(f"{input_path} does not exist; check the path.")
    found = _stat(output_path)
    if found is None:
        _check_folder(output_path.resolve().parent)
    elif stat.S_ISDIR(found.st_mode):
        raise ClassifyError(f"the output {output_path} is a folder; name a file in it instead, "
                            f"e.g. {output_path / 'tags.jsonl'}.")
    elif same_file(os.stat(input_path), found):
        raise ClassifyError(f"the output {output_path} is the input file {input_path} (or a link "
                            "to it) and would be overwritten; write to another file.")
    elif stat.S_ISREG(found.st_mode) and _is_duckdb(output_path):
        raise ClassifyError(f"the output {output_path} is a DuckDB database (a storywatch "
                            "warehouse?) and would be destroyed; write to another file.")
    return kind


def _stat(path: Path) -> os.stat_result | None:
    """The output's status, following symlinks; None when there is no file there yet."""
    try:
        return existing(path)
    except OSError as exc:
        raise ClassifyError(f"cannot check the output {path}: {exc.strerror}; check its "
                            "permissions or choose another output path.") from exc


def _check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ClassifyError(f"{folder} is a file, not a folder; fix the output path.")
    if not folder.is_dir():
        raise ClassifyError(f"the output folder {folder} does not exist; create it first "
                            "or fix the output path.")


def _is_duckdb(path: Path) -> bool:
    """Whether the file starts like a DuckDB database (its header's magic bytes)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(DUCKDB_MAGIC) + DUCKDB_MAGIC_AT)
    except OSError:
        return False  # unreadable: the write that follows will say why, if it fails
    return head[DUCKDB_MAGIC_AT:] == DUCKDB_MAGIC


def classify_file(input_path: Path, text_column: str, output_path: Path, tagger: Tagger,
                  progress: bool = False, id_column: str | None = None) -> int:
    """Tag the text column of a CSV or JSONL file; write JSON lines to output_path.

    Each output line carries the row's own id as "id" (next to "row"), read from `id_column`, or
    from a column named `id` when no id_column is given and the file has one.

    Returns the number of rows written. Raises ClassifyError for the files `check_paths` refuses,
    for a missing text or id column (the message lists the available columns), and for a file
    `storywatch.nlp.classify_input` cannot read without guessing; an existing output is then left as it was.

    Example:
        >>> classify_file(Path("reviews.csv"), "text", Path("tags.jsonl"), nlp.load_tagger())
        2291
    """
    input_path, output_path = Path(input_path), Path(output_path)
    kind = check_paths(input_path, output_path)
    rows = (csv_rows if kind == "csv" else jsonl_rows)(input_path, text_column, id_column)
    # The first row reads the header: a missing column is reported before any progress bar.
    first = list(itertools.islice(rows, 1))
    rows = itertools.chain(first, rows)
    bar = None
    if progress:
        total = count_rows(input_path, kind)
        from tqdm import tqdm

        bar = tqdm(total=total, unit=" stories", desc="classifying")
    try:
        return _write(output_path, _tagged_lines(rows, tagger, bar))
    finally:
        if bar is not None:
            bar.close()


def _tagged_lines(rows: Iterator[Row], tagger: Tagger, bar: Any) -> Iterator[str]:
    written = 0
    for chunk in _chunks(rows):
        for tags, item in zip(tagger.tag([r.text or "" for r in chunk]), chunk):
            written += 1
            yield json.dumps(_output_row(written, tags, item)) + "\n"
        if bar is not None:
            bar.update(len(chunk))


def _write(output_path: Path, lines: Iterator[str]) -> int:
    """Write the lines to the output whole or not at all (storywatch.output_file); the count."""
    try:
        return write_whole(output_path, (line.encode("utf-8") for line in lines))
    except FolderNotWritable as exc:
        raise ClassifyError(f"cannot write in the folder {exc.filename}: {exc.strerror}; check "
                            "its permissions or choose another output path.") from exc
    except OSError as exc:
        raise ClassifyError(f"could not write {output_path}: {exc.strerror or exc}; an existing "
                            "output file was not changed.") from exc


def _chunks(rows: Iterator[Row]) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
