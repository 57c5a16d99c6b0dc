"""`classify_file`: CSV and JSON Lines in, one JSON line per row out, in order, errors per row."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from nlp.classify import ClassifyError, classify_file

TEXTS = [
    "They refused my refund because I had lost the receipt. Disgraceful.",
    "Love my new lamp, looks great",
    "",
    "The app crashes every time I try to pay. Useless.",
]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def check_rows(rows: list[dict]) -> None:
    assert [r["row"] for r in rows] == [1, 2, 3, 4]
    assert [r["sentiment"] for r in rows] == ["negative", "positive", "neutral", "negative"]
    for r in rows:
        assert -1 <= r["sentiment_score"] <= 1
        for cause in r["causes"]:
            assert set(cause) == {"cause", "owner", "score", "evidence"}
    assert {"refunds", "receipts"} & {c["cause"] for c in rows[0]["causes"]}
    assert rows[1]["causes"] == [] and rows[2]["causes"] == []
    assert "website_app" in {c["cause"] for c in rows[3]["causes"]}


def test_csv_in_json_lines_out_in_order(tagger, tmp_path: Path) -> None:
    source = tmp_path / "stories.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "review"])
        writer.writerows([[i, text] for i, text in enumerate(TEXTS)])
    out = tmp_path / "tags.jsonl"
    assert classify_file(source, "review", out, tagger) == 4
    check_rows(read_jsonl(out))
    assert [p.name for p in tmp_path.iterdir()] != [] and not list(tmp_path.glob("*.part"))


def test_jsonl_with_bad_rows_never_stops_the_batch(tagger, tmp_path: Path) -> None:
    source = tmp_path / "stories.jsonl"
    lines = [json.dumps({"body": text}).encode() for text in TEXTS]
    lines += [b"{not json", json.dumps({"title": "no body"}).encode(),
              b'{"body": "The refund was refused \xff\xfe again. Awful."}']
    source.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "tags.jsonl"
    assert classify_file(source, "body", out, tagger) == 7
    rows = read_jsonl(out)
    check_rows(rows[:4])
    assert rows[4]["error"].startswith("not valid JSON") and rows[4]["sentiment"] is None
    assert "no field 'body'" in rows[5]["error"]
    assert "invalid UTF-8" in rows[6]["error"] and rows[6]["sentiment"] == "negative"
    assert all("error" not in r for r in rows[:4])


def test_missing_column_lists_the_available_ones(tagger, tmp_path: Path) -> None:
    source = tmp_path / "stories.csv"
    source.write_text("id,review\n1,fine\n", encoding="utf-8")
    with pytest.raises(ClassifyError, match="no column 'text'; available columns: id, review"):
        classify_file(source, "text", tmp_path / "out.jsonl", tagger)
    assert not (tmp_path / "out.jsonl").exists()
    jsonl = tmp_path / "stories.jsonl"
    jsonl.write_text('{"id": 1, "review": "fine"}\n', encoding="utf-8")
    with pytest.raises(ClassifyError, match="fields in its first record: id, review"):
        classify_file(jsonl, "text", tmp_path / "out.jsonl", tagger)


def test_unsupported_extension_is_refused(tagger, tmp_path: Path) -> None:
    source = tmp_path / "stories.xlsx"
    source.write_bytes(b"")
    with pytest.raises(ClassifyError, match="use .csv or .jsonl"):
        classify_file(source, "text", tmp_path / "out.jsonl", tagger)
