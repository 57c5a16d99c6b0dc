"""`storywatch classify` never destroys a file and gives a defined result for awkward inputs.

Same-file refusal, atomic output, missing folders, encodings from the byte-order mark, duplicate
headers, stray quotes and control characters; tiny files of 1-3 rows through the real model.
"""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch import nlp
from storywatch.cli import cli
from storywatch.nlp import classify
from storywatch.nlp.classify import ClassifyError, classify_file

CSV = "id,text\nA1,Still no refund after a month. Awful.\nA2,Love my new lamp\n"
JSONL = '{"id": "A1", "text": "Still no refund after a month. Awful."}\n'


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


@pytest.fixture()
def run_classify(tagger, monkeypatch):
    """Run the real `storywatch classify` command with the session's tagger."""
    monkeypatch.setattr(nlp, "load_tagger", lambda *args, **kwargs: tagger)

    def run(source: Path, output: Path, column: str = "text"):
        return CliRunner().invoke(cli, ["classify", str(source), "--text-column", column,
                                        "--output", str(output), "--no-progress"])

    return run


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    return lines[0]


@pytest.mark.parametrize("name", ["same path", "other spelling", "symlink", "hard link"])
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_output_that_is_the_input_is_refused(run_classify, tmp_path, monkeypatch, name,
                                             suffix) -> None:
    source = tmp_path / f"comments{suffix}"
    source.write_text(CSV if suffix == ".csv" else JSONL, encoding="utf-8")
    before = source.read_bytes()
    monkeypatch.chdir(tmp_path)
    output = {"same path": source, "other spelling": Path(".") / ".." / tmp_path.name / source.name,
              "symlink": tmp_path / f"link{suffix}", "hard link": tmp_path / f"hard{suffix}"}[name]
    if name == "symlink":
        output.symlink_to(source)
    elif name == "hard link":
        os.link(source, output)
    message = one_line_error(run_classify(source, output))
    assert "is the input file" in message and "another file" in message
    assert source.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_output_in_a_missing_folder_names_the_folder(run_classify, tagger, tmp_path) -> None:
    source = tmp_path / "comments.csv"
    source.write_text(CSV, encoding="utf-8")
    message = one_line_error(run_classify(source, tmp_path / "typo" / "tags.jsonl"))
    assert f"output folder {tmp_path / 'typo'} does not exist" in message
    assert "create it" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["comments.csv"]
    message = one_line_error(run_classify(source, source / "tags.jsonl"))
    assert f"{source} is a file, not a folder" in message
    jsonl = tmp_path / "comments.jsonl"
    jsonl.write_text(JSONL, encoding="utf-8")
    with pytest.raises(ClassifyError, match="typo does not exist"):
        classify_file(jsonl, "text", tmp_path / "typo" / "tags.jsonl", tagger)


class FailingTagger:
    """The real tagger, except that it fails on the row whose text is BOOM."""

    def __init__(self, tagger, error: BaseException) -> None:
        self.tagger, self.error, self.calls = tagger, error, 0

    def tag(self, texts: list[str]):
        if "BOOM" in texts:
            raise self.error
        self.calls += 1
        return self.tagger.tag(texts)


@pytest.mark.parametrize("error", [RuntimeError("model crashed"), KeyboardInterrupt()])
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_run_that_fails_halfway_leaves_the_old_output(tagger, tmp_path, monkeypatch, error,
                                                        suffix) -> None:
    monkeypatch.setattr(classify, "CHUNK_ROWS", 1)  # one row per batch: row 1 is written first
    source = tmp_path / f"comments{suffix}"
    texts = ["Still no refund after a month.", "BOOM", "Love my new lamp"]
    if suffix == ".csv":
        source.write_text("text\n" + "\n".join(texts) + "\n", encoding="utf-8")
    else:
        source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    output = tmp_path / "tags.jsonl"
    output.write_text('{"row": 1, "from": "yesterday"}\n', encoding="utf-8")
    failing = FailingTagger(tagger, error)
    with pytest.raises(type(error)):
        classify_file(source, "text", output, failing)
    assert failing.calls == 1  # it failed halfway, after the first row was tagged
    assert output.read_text(encoding="utf-8") == '{"row": 1, "from": "yesterday"}\n'
    assert leftovers(tmp_path) == []


def test_an_output_symlink_keeps_pointing_at_the_new_tags(tagger, tmp_path) -> None:
    source = tmp_path / "comments.csv"
    source.write_text(CSV, encoding="utf-8")
    (tmp_path / "runs").mkdir()
    real = tmp_path / "runs" / "tags-2026-12.jsonl"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "tags.jsonl"
    link.symlink_to(real)
    assert classify_file(source, "text", link, tagger) == 2
    assert link.is_symlink() and [r["id"] for r in read_jsonl(real)] == ["A1", "A2"]
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "runs") == []


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le",
                                      "utf-32-be"])
def test_encoding_comes_from_the_byte_order_mark(tagger, tmp_path, encoding) -> None:
    bom = {"utf-8-sig": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff",
           "utf-32-le": b"\xff\xfe\x00\x00", "utf-32-be": b"\x00\x00\xfe\xff"}[encoding]
    text = "Still no refund for my caf\u00e9 order \u2013 awful."
    files = {"comments.csv": f"id,text\r\nA1,{text}\r\nA2,Love my new lamp\r\n",
             "comments.jsonl": json.dumps({"id": "A1", "text": text}, ensure_ascii=False) + "\n"}
    for name, body in files.items():
        source = tmp_path / name
        source.write_bytes(bom + body.encode(encoding))
        out = tmp_path / "tags.jsonl"
        assert classify_file(source, "text", out, tagger) == body.count("A")
        first = read_jsonl(out)[0]
        assert first["id"] == "A1" and first["sentiment"] == "negative" and "error" not in first
        assert "refunds" in {c["cause"] for c in first["causes"]}
        assert any("caf\u00e9 order \u2013" in c["evidence"] for c in first["causes"])


def test_a_file_that_breaks_its_utf16_mark_is_refused_naming_it(tagger, tmp_path) -> None:
    source = tmp_path / "comments.csv"
    # A lone high surrogate on line 3: not valid UTF-16.
    source.write_bytes(b"\xff\xfe" + "id,text\nA1,fine\nA2,".encode("utf-16-le") + b"\x00\xd8"
                       + "x\n".encode("utf-16-le"))
    out = tmp_path / "tags.jsonl"
    out.write_text("old\n", encoding="utf-8")
    with pytest.raises(ClassifyError, match="not valid UTF-16-LE, the encoding its byte-order mark names"):
        classify_file(source, "text", out, tagger, progress=True)
    assert out.read_text(encoding="utf-8") == "old\n" and leftovers(tmp_path) == []


def test_utf16_without_a_mark_gets_a_hint(tagger, tmp_path) -> None:
    source = tmp_path / "comments.csv"
    source.write_bytes("id,text\nA1,fine\n".encode("utf-16-le"))
    with pytest.raises(ClassifyError, match="UTF-16 or UTF-32 without a byte-order mark"):
        classify_file(source, "text", tmp_path / "tags.jsonl", tagger)


def test_a_column_named_twice_is_refused_naming_it(tagger, tmp_path) -> None:
    source = tmp_path / "comments.csv"
    out = tmp_path / "tags.jsonl"
    for header, id_column, column in [("text,text", None, "text"), ("id,id,text", None, "id"),
                                      ("ref,text,ref", "ref", "ref")]:
        source.write_text(f"{header}\na,Still no refund,c\n", encoding="utf-8")
        with pytest.raises(ClassifyError, match=f"more than one column named '{column}'"):
            classify_file(source, "text", out, tagger, id_column=id_column)
        assert not out.exists()
    source.write_text("note,text,note\nx,Still no refund,y\n", encoding="utf-8")
    assert classify_file(source, "text", out, tagger) == 1  # a column it does not read is fine


def test_a_stray_quote_is_refused_naming_its_line(run_classify, tmp_path) -> None:
    source = tmp_path / "comments.csv"
    out = tmp_path / "tags.jsonl"
    for rows, swallowed in [
        ('1,"Still no refund\n2,Love it\n3,Fine\n', 2),  # never closes: the rest of the file
        ('1,"Still no refund\n2,He said "ok" then\n3,Fine\n', 1),  # closes on an inner quote
    ]:
        source.write_text("id,text\n" + rows, encoding="utf-8")
        assert len(list(csv.reader(io.StringIO(source.read_text())))) < 4  # csv merges rows
        message = one_line_error(run_classify(source, out))
        assert f"row starting at line 2 has a quoted field that does not close cleanly, so it " \
               f"swallowed the {swallowed} line(s) after it" in message
        assert not out.exists()
    # Line breaks and doubled quotes inside a field that closes cleanly are no stray quote.
    source.write_text('id,text\n1,"Still no refund.\nThey said ""no receipt""."\n'
                      '2,He said "ok" then\n', encoding="utf-8")
    assert run_classify(source, out).exit_code == 0
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == ["1", "2"] and rows[0]["sentiment"] == "negative"


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_nul_and_control_characters_never_reach_the_output(tagger, tmp_path, suffix) -> None:
    text = "Still no\x00 refund\x07 after a month.\tAwful\x1b.\r\nNever again."
    source = tmp_path / f"comments{suffix}"
    if suffix == ".csv":
        with source.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([["id", "text"], ["A1", text]])
    else:
        source.write_text(json.dumps({"id": "A1", "text": text}) + "\n", encoding="utf-8")
    out = tmp_path / "tags.jsonl"
    assert classify_file(source, "text", out, tagger) == 1
    raw = out.read_text(encoding="utf-8")
    assert not any(code in raw for code in ("\\u0000", "\\u0007", "\\u001b"))
    evidence = [c["evidence"] for c in read_jsonl(out)[0]["causes"]]
    assert any("Still no refund after a month." in e for e in evidence), evidence


def test_a_control_character_between_words_becomes_a_space(tagger, tmp_path) -> None:
    source = tmp_path / "comments.jsonl"
    text = "The\x00staff were\x07\x7frude and unhelpful.\x1bNever again."
    source.write_text(json.dumps({"id": "A1", "text": text}) + "\n", encoding="utf-8")
    out = tmp_path / "tags.jsonl"
    assert classify_file(source, "text", out, tagger) == 1
    evidence = " ".join(c["evidence"] for c in read_jsonl(out)[0]["causes"])
    assert "The staff were rude and unhelpful." in evidence, evidence
    assert "Thestaff" not in evidence and "wererude" not in evidence
