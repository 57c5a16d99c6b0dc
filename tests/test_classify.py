"""`classify_file`: CSV and JSON Lines in, one JSON line per row out, in order, errors per row."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from storywatch.nlp.classify import ClassifyError, classify_file

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


def test_missing_column_lists_the_available_ones(tagger, tmp_path: Path, capsys) -> None:
    source = tmp_path / "stories.csv"
    source.write_text("id,review\n1,fine\n", encoding="utf-8")
    with pytest.raises(ClassifyError, match="no column 'text'; available columns: id, review"):
        classify_file(source, "text", tmp_path / "out.jsonl", tagger, progress=True)
    assert not (tmp_path / "out.jsonl").exists()
    assert "classifying" not in capsys.readouterr().err  # the error comes before any progress bar
    jsonl = tmp_path / "stories.jsonl"
    jsonl.write_text('{"id": 1, "review": "fine"}\n', encoding="utf-8")
    with pytest.raises(ClassifyError, match="fields in its first record: id, review"):
        classify_file(jsonl, "text", tmp_path / "out.jsonl", tagger)


def test_unsupported_extension_is_refused(tagger, tmp_path: Path) -> None:
    source = tmp_path / "stories.xlsx"
    source.write_bytes(b"")
    with pytest.raises(ClassifyError, match="use .csv or .jsonl"):
        classify_file(source, "text", tmp_path / "out.jsonl", tagger)


def test_csv_output_keeps_the_files_own_id_next_to_the_row(tagger, tmp_path: Path) -> None:
    source = tmp_path / "stories.csv"
    source.write_bytes(b"id,review\nA-17,Love my new lamp\nB-2,The refund was refused \xff again\n")
    out = tmp_path / "tags.jsonl"
    assert classify_file(source, "review", out, tagger) == 2
    rows = read_jsonl(out)
    assert [(r["row"], r["id"]) for r in rows] == [(1, "A-17"), (2, "B-2")]
    assert list(rows[0])[:2] == ["row", "id"]
    assert "invalid UTF-8" in rows[1]["error"]  # a row with an error keeps its id too


def test_jsonl_output_keeps_the_named_id_field_on_bad_rows_too(tagger, tmp_path: Path) -> None:
    source = tmp_path / "visits.jsonl"
    source.write_text("\n".join([
        json.dumps({"visit": 301, "note": "Staff were lovely"}),
        "{not json",
        json.dumps({"visit": 303, "title": "no note"}),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "tags.jsonl"
    assert classify_file(source, "note", out, tagger, id_column="visit") == 3
    rows = read_jsonl(out)
    assert [(r["row"], r["id"]) for r in rows] == [(1, 301), (2, None), (3, 303)]
    assert "error" in rows[1] and "no field 'note'" in rows[2]["error"]


def test_file_without_an_id_column_is_tagged_as_before(tagger, tmp_path: Path) -> None:
    source = tmp_path / "stories.csv"
    source.write_text("review\nLove my new lamp\n", encoding="utf-8")
    out = tmp_path / "tags.jsonl"
    classify_file(source, "review", out, tagger)
    assert "id" not in read_jsonl(out)[0]
    with pytest.raises(ClassifyError, match="no column 'ref' for ids; available columns: review"):
        classify_file(source, "review", out, tagger, id_column="ref")


def test_classify_command_takes_an_id_column(tagger, tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from storywatch import nlp
    from storywatch.cli import cli

    monkeypatch.setattr(nlp, "load_tagger", lambda *args, **kwargs: tagger)
    source = tmp_path / "comments.csv"
    source.write_text("ref,comment\nX1,Still no refund\n", encoding="utf-8")
    out = tmp_path / "tags.jsonl"
    result = CliRunner().invoke(cli, ["classify", str(source), "--text-column", "comment",
                                      "--id-column", "ref", "--output", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert read_jsonl(out)[0]["id"] == "X1"
