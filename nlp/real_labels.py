"""Hand labels of real texts (tests/data/real_labels/*.jsonl) as one more scored set.

The files hold ids and labels only: `file` (in the shared data folder), `key` (`<column>=<value>`
or `row=<n>`), `field` (the column read, or `title+text`), `sentiment`, `causes` (each with its
own polarity and evidence offsets), `hard`, `labeller`, `note`. The text is read back from the
shared file here. Only the hash-rule test rows are scored (nlp.real_split.hash_test; a dev run
scores nlp.real_split.is_hand_dev); the other rows may be trained on. A bad record raises
RealLabelError naming the file and line, so it is fixed rather than silently dropped; a torn last line (a labeller appending right now) is skipped.
"""
from __future__ import annotations

import json
from pathlib import Path

from storywatch.nlp.labelled import SENTIMENTS, LabelledDataError
from storywatch.nlp.paths import TEST_DATA
from storywatch.nlp.real_sets import RealRow, joined, owners_of
from storywatch.nlp.real_split import hand_in_scored_split, read_rows
from storywatch.nlp.taxonomy import Taxonomy

REAL_LABELS_DIR = TEST_DATA / "real_labels"
POLARITIES = ("negative", "positive")


class RealLabelError(LabelledDataError):
    """A hand-label record of a real text is malformed or names a row that does not exist."""


class NoHandLabels(LabelledDataError):
    """There are no hand-label files yet."""


def find_row(rows: list[dict], key: str) -> dict | None:
    """The row `key` names: `row=<n>` (0-based) or the one row whose `<column>` is `<value>`."""
    column, _, value = key.partition("=")
    if column == "row":
        index = int(value) if value.isdigit() else -1
        return rows[index] if 0 <= index < len(rows) else None
    matches = [row for row in rows if str(row.get(column, "")) == value]
    return matches[0] if len(matches) == 1 else None


def field_text(row: dict, name: str) -> str | None:
    """The labelled text: a column, or `title+text` (title, line break, text)."""
    if name == "title+text":
        return joined(row.get("title"), row.get("text"))
    value = row.get(name)
    return None if value is None else str(value)


def _row(record: dict, where: str, data_dir: Path, cache: dict[str, list[dict]],
         taxonomy: Taxonomy) -> RealRow:
    file = str(record.get("file", ""))
    if not (data_dir / file).is_file():
        raise RealLabelError(f"{where}: {data_dir / file} does not exist; check 'file'.")
    if file not in cache:
        cache[file] = read_rows(data_dir / file)
    row = find_row(cache[file], str(record.get("key", "")))
    text = field_text(row, str(record.get("field", ""))) if row is not None else None
    if text is None:
        raise RealLabelError(f"{where}: no single row {record.get('key')!r} with field "
                             f"{record.get('field')!r} in {file}; check 'key' and 'field'.")
    if record.get("sentiment") not in SENTIMENTS:
        raise RealLabelError(f"{where}: sentiment must be one of {SENTIMENTS}.")
    known = {c.id for c in taxonomy.causes}
    polarity = {}
    for cause in record.get("causes") or []:
        if cause.get("cause") not in known or cause.get("polarity") not in POLARITIES:
            raise RealLabelError(f"{where}: cause {cause.get('cause')!r} with polarity "
                                 f"{cause.get('polarity')!r}: use a taxonomy cause id and "
                                 f"one of {POLARITIES}.")
        polarity[cause["cause"]] = cause["polarity"]
    return RealRow(f"{file}|{record['key']}", text, record["sentiment"],
                   causes=frozenset(polarity), polarity=polarity,
                   owners=owners_of(polarity, taxonomy))


def read_hand_labels(data_dir: Path, taxonomy: Taxonomy,
                     directory: Path = REAL_LABELS_DIR) -> list[RealRow]:
    """The test rows of every hand-label file, in file and line order.

    Raises:
        NoHandLabels: there is no *.jsonl file in `directory`.
        RealLabelError: a record is malformed or names a row that is not in its file.
    """
    paths = sorted(Path(directory).glob("*.jsonl"))
    if not paths:
        raise NoHandLabels(f"no hand-label files in {directory} (*.jsonl)")
    cache: dict[str, list[dict]] = {}
    rows: list[RealRow] = []
    seen: set[str] = set()
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                if number == len(lines):
                    continue
                raise RealLabelError(f"{path} line {number}: not valid JSON; fix it.") from None
            name = f"{record.get('file')}|{record.get('key')}"
            if hand_in_scored_split(str(record.get("file")), str(record.get("key"))) \
                    and name not in seen:
                seen.add(name)  # a text labelled in two batches counts once, as first labelled
                rows.append(_row(record, f"{path} line {number}", data_dir, cache, taxonomy))
    return rows
