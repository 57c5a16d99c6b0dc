"""The hand labels of real texts: ids and labels only, every record usable, every span real.

The label files point into the shared data folder and must never carry the texts themselves
(the data stays in ../shared/data). Checked on every record, train rows included, so a broken
record is caught before training reads it, not only when the suite scores it.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from storywatch.nlp.real_labels import REAL_LABELS_DIR, field_text, find_row
from storywatch.nlp.real_split import read_rows
from storywatch.nlp.taxonomy import load_taxonomy

FIELDS = {"file", "key", "field", "sentiment", "causes", "hard", "labeller", "note", "sample"}
HARD = {"negation", "sarcasm", "understatement", "implicit", "non_english", "short"}


def _records() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(REAL_LABELS_DIR.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found.append((f"{path.name}:{number}", json.loads(line)))
    return found


RECORDS = _records()


def test_there_are_enough_labels_for_every_cause():
    counts: dict[str, int] = {}
    for _, record in RECORDS:
        for cause in record["causes"]:
            counts[cause["cause"]] = counts.get(cause["cause"], 0) + 1
    causes = {cause.id for cause in load_taxonomy().causes}
    assert len(RECORDS) >= 2000
    assert {c: counts.get(c, 0) for c in causes if counts.get(c, 0) < 40} == {}


def test_records_hold_labels_only_and_valid_values():
    causes = {cause.id for cause in load_taxonomy().causes}
    bad = []
    for where, record in RECORDS:
        cause_ids = [c["cause"] for c in record["causes"]]
        ok = (set(record) <= FIELDS
              and record["sentiment"] in {"negative", "neutral", "positive"}
              and set(cause_ids) <= causes and len(cause_ids) == len(set(cause_ids))
              and all(c["polarity"] in {"negative", "positive"} for c in record["causes"])
              and all(len(c["evidence"]) == 2 and 0 <= c["evidence"][0] < c["evidence"][1]
                      for c in record["causes"])
              and set(record.get("hard", [])) <= HARD)
        if not ok:
            bad.append(where)
    assert bad == []


def test_every_key_names_one_row_and_every_span_lies_in_its_text(shared_data: Path):
    rows_of: dict[str, list[dict]] = {}
    bad = []
    for where, record in RECORDS:
        file = record["file"]
        if file not in rows_of:
            rows_of[file] = read_rows(shared_data / file)
        row = find_row(rows_of[file], record["key"])
        text = field_text(row, record["field"]) if row is not None else None
        if text is None:
            bad.append(f"{where}: no row")
            continue
        for cause in record["causes"]:
            start, end = cause["evidence"]
            if end > len(text) or not text[start:end].strip():
                bad.append(f"{where}: span {start}-{end} of {cause['cause']}")
    assert bad == []


@pytest.mark.parametrize("name", sorted(p.name for p in REAL_LABELS_DIR.glob("*.jsonl")))
def test_label_files_carry_no_long_text(name: str):
    # A note may name an out-of-taxonomy problem in a few words; anything longer could be a
    # copied text, which must stay in the shared folder.
    for line in (REAL_LABELS_DIR / name).read_text(encoding="utf-8").splitlines():
        assert len(json.loads(line).get("note", "")) <= 160
