"""Versions follow what they guard, and golden outputs catch a change they cannot see.

A cached story vector, tag, reply class, rollup table or ONNX build is reused while its version is
unchanged, so every edit to the code behind it (and every upgrade of a library that moves a
vector) must make a new version; comments and docstrings must not. The golden files in
tests/data/versions/ pin the splitter's output on tricky texts and the encoder's vectors on three
stories: a behaviour change the versions miss (a new CPU, an unlisted library) fails here first.
After an intended change, rewrite them with `python tests/test_versions.py`.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import storywatch.versions
from storywatch.nlp import onnx_backbone
from storywatch.nlp.sentences import read_story
from storywatch.nlp.tagger import tagger_versions
from storywatch.warehouse import reading, writing
from storywatch.warehouse.report_rollups import refresh_rollups, relations, rollups_current

GOLDEN = Path(__file__).resolve().parent / "data" / "versions"
SPLITTER_GOLDEN = GOLDEN / "splitter.json"
ENCODER_GOLDEN = GOLDEN / "encoder.json"
ENCODER_TEXTS = [
    "Waited six weeks for a refund. Nobody answered my emails!",
    "Great price.The staff at the Leeds store were lovely\n- quick checkout\n- no queue",
    "The order arrived late and the box was crushed, but the replacement came the next day.",
]
ENCODER_TOLERANCE = 1e-4


def _edited(monkeypatch, tmp_path: Path, name: str, old: str, new: str):
    """Put an edited copy of module `name` in its place, as an edit or upgrade would."""
    module = sys.modules[name]
    source = Path(module.__file__).read_text(encoding="utf-8")
    assert source.count(old) == 1, f"{old!r} is not in {module.__file__} once"
    path = tmp_path / f"edited_{Path(module.__file__).name}"
    path.write_text(source.replace(old, new), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copy)
    package, _, attribute = name.rpartition(".")
    monkeypatch.setitem(sys.modules, name, copy)
    monkeypatch.setattr(sys.modules[package], attribute, copy)
    return copy


def test_a_splitter_edit_redoes_vectors_tags_and_replies_but_a_comment_does_not(tmp_path):
    before = tagger_versions()
    with pytest.MonkeyPatch.context() as patch:
        _edited(patch, tmp_path, "storywatch.nlp.sentences", "MAX_WORDS = 60",
                "MAX_WORDS = 60  # how long a window of run-on text may be")
        assert tagger_versions() == before
    with pytest.MonkeyPatch.context() as patch:
        _edited(patch, tmp_path, "storywatch.nlp.sentences", "a cheap English check.",
                "a cheap English check (docstrings do not count).")
        assert tagger_versions() == before
    with pytest.MonkeyPatch.context() as patch:
        _edited(patch, tmp_path, "storywatch.nlp.sentences", "MAX_WORDS = 60", "MAX_WORDS = 40")
        after = tagger_versions()
    assert after.encoder != before.encoder
    assert after.model != before.model
    assert after.replies != before.replies


def test_a_pooling_edit_makes_a_new_encoder_version(monkeypatch, tmp_path):
    before = tagger_versions()
    _edited(monkeypatch, tmp_path, "storywatch.nlp.encoder", "SEGMENT_TOKENS = 254", "SEGMENT_TOKENS = 126")
    after = tagger_versions()
    assert after.encoder != before.encoder and after.model != before.model


def test_a_library_upgrade_makes_a_new_encoder_version(monkeypatch):
    before = tagger_versions()
    installed = storywatch.versions.package_version
    monkeypatch.setattr(storywatch.versions, "package_version",
                        lambda name: "99.0" if name == "onnxruntime" else installed(name))
    assert tagger_versions().encoder != before.encoder


def test_a_sentiment_rule_edit_retags_without_redoing_vectors(monkeypatch, tmp_path):
    before = tagger_versions()
    _edited(monkeypatch, tmp_path, "storywatch.nlp.sentiment", "NEUTRAL_MAX_SCORE = 0.4",
            "NEUTRAL_MAX_SCORE = 0.5")
    after = tagger_versions()
    assert after.model != before.model
    assert after.encoder == before.encoder and after.replies == before.replies


def test_a_reply_logic_edit_reclassifies_replies_only(monkeypatch, tmp_path):
    # The old reply version hashed a repr() of the constants, so logic like this went unseen.
    before = tagger_versions()
    _edited(monkeypatch, tmp_path, "storywatch.nlp.replies", 'ReplyTag("policy_citing", 1.0, True, sentence)',
            'ReplyTag("policy_citing", 0.99, True, sentence)')
    after = tagger_versions()
    assert after.replies != before.replies
    assert after.model == before.model and after.encoder == before.encoder


def test_an_edited_onnx_build_step_rebuilds_the_model_and_redoes_vectors(monkeypatch, tmp_path):
    before, built = tagger_versions(), onnx_backbone.model_dir(tmp_path)
    edited = _edited(monkeypatch, tmp_path, "storywatch.nlp.onnx_backbone", "per_channel=True",
                     "per_channel=False")
    assert edited.model_dir(tmp_path) != built
    assert tagger_versions().encoder != before.encoder


def test_a_function_rebound_at_run_time_keeps_the_versions(monkeypatch):
    # Versions read the files, not the modules' attributes (conftest rebinds runners, too).
    before = tagger_versions()
    monkeypatch.setattr(onnx_backbone, "_torch_runner", lambda model: None)
    monkeypatch.setattr(onnx_backbone, "_quantise", lambda source, target: None)
    assert tagger_versions() == before


def test_a_new_migration_makes_the_rollups_stale(workdir):
    with writing(workdir) as con:
        refresh_rollups(con)
    with reading(workdir) as con:
        assert rollups_current(con)
    with writing(workdir) as con:
        # A migration applied since (an upgrade redefining a view the rollups copied).
        con.execute("INSERT INTO schema_migrations VALUES (999, '999_owners.sql', now())")
    with reading(workdir) as con:
        assert not rollups_current(con)
        assert relations(con).owners == "story_owners"


def _splitter_cases() -> list[dict]:
    return json.loads(SPLITTER_GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", _splitter_cases(), ids=lambda case: case["name"])
def test_the_splitter_reads_tricky_stories_as_recorded(case):
    language, sentences = read_story(case["text"])
    assert {"language": language, "sentences": sentences} == {
        "language": case["language"], "sentences": case["sentences"]}


def _checksums(vectors: np.ndarray) -> list[list[float]]:
    """Per row: its sum, its projection on a fixed direction, and its first component."""
    direction = np.random.default_rng(13).standard_normal(vectors.shape[1])
    return [[float(row.sum()), float(row @ direction), float(row[0])] for row in vectors]


def encoder_checksums(tagger) -> list[list[list[float]]]:
    return [_checksums(embedded.vectors) for embedded in tagger.embed(ENCODER_TEXTS)]


def test_the_encoder_gives_the_recorded_vectors(tagger):
    recorded = json.loads(ENCODER_GOLDEN.read_text(encoding="utf-8"))
    backend = tagger.encoder.backend
    if backend not in recorded:
        pytest.skip(f"no golden vectors recorded for the {backend} backend")
    expected = recorded[backend]
    got = encoder_checksums(tagger)
    assert [len(rows) for rows in got] == [len(rows) for rows in expected["checksums"]]
    worst = max(abs(a - b) for story, want in zip(got, expected["checksums"])
                for row, want_row in zip(story, want) for a, b in zip(row, want_row))
    assert worst <= ENCODER_TOLERANCE, (
        f"the encoder's vectors moved by {worst:.2g} (recorded under encoder version "
        f"{expected['version']}, now {tagger.encoder_version}): if the version is the same, "
        "cached vectors would be reused stale; make what changed part of the version "
        "(nlp.encoder.encoder_version), then run `python tests/test_versions.py`")


def _write_golden() -> None:
    """Record the splitter's and the encoder's current output (after an intended change)."""
    from storywatch.nlp import ModelOptions, load_tagger

    cases = _splitter_cases()
    for case in cases:
        case["language"], case["sentences"] = read_story(case["text"])
    SPLITTER_GOLDEN.write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n",
                               encoding="utf-8")
    tagger = load_tagger(options=ModelOptions())
    recorded = json.loads(ENCODER_GOLDEN.read_text(encoding="utf-8")) \
        if ENCODER_GOLDEN.is_file() else {}
    recorded[tagger.encoder.backend] = {"version": tagger.encoder_version,
                                        "checksums": encoder_checksums(tagger)}
    ENCODER_GOLDEN.write_text(json.dumps(recorded, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    _write_golden()
