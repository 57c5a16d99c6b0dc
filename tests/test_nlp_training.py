"""User cause examples, trained cause heads and the taxonomy check."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.nlp.cause_heads import CauseHeads
from storywatch.nlp.labelled import LabelledDataError, read_stories, training_pool
from storywatch.nlp.taxonomy import load_taxonomy
from storywatch.nlp.taxonomy_check import check_taxonomy
from storywatch.nlp.train_causes import USER_EXAMPLES, ExamplesError, read_user_examples

IDS = {c.id for c in load_taxonomy().causes}
SMALL = """causes:
  refunds:
    owner: Operations
    label: Refunds
    description: Getting money back.
    examples: [I want my money back, still no refund]
  billing:
    owner: Finance
    label: Billing
    description: Wrong charges.
    examples: [I was charged twice, a charge I do not recognise, I want my money back please,
               the bill was wrong, they billed me again, my invoice is too high]
"""


def test_user_examples_csv_and_yaml(tmp_path: Path) -> None:
    assert len(read_user_examples(USER_EXAMPLES, IDS)) >= len(IDS)
    yaml_file = tmp_path / "mine.yaml"
    yaml_file.write_text("refunds: [money back in two days]\nstock: [none on the shelf]\n")
    assert read_user_examples(yaml_file, IDS) == [("money back in two days", "refunds"),
                                                  ("none on the shelf", "stock")]
    bad = tmp_path / "bad.csv"
    bad.write_text("text,cause\nsome text,teleportation\n")
    with pytest.raises(ExamplesError, match="unknown cause id"):
        read_user_examples(bad, IDS)


def test_committed_heads_match_the_default_taxonomy(tagger) -> None:
    heads = CauseHeads.load()
    assert heads is not None and set(heads.ids) == IDS
    assert all(heads.index(c.id, c.fingerprint) is not None for c in tagger.taxonomy.causes)
    assert all(0 < t < 1 for t in heads.thresholds)
    assert tagger.model_version.startswith("minilm") and len(tagger.model_version) < 40


def test_heads_trained_for_the_earlier_score_rule_load_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import numpy as np

    path = tmp_path / "old_heads.npz"
    np.savez(path, ids=np.array(["refunds"]), cause_fingerprints=np.array(["x"]),
             coef=np.ones((1, 3)), intercept=np.zeros(1), thresholds=np.array([0.5]),
             sentence_max=np.array(True))
    heads = CauseHeads.load(path)
    assert heads is not None and heads.ids == ("refunds",)
    assert "retrain with `python -m storywatch.nlp.train_sentiment`" in caplog.text
    caplog.clear()
    assert CauseHeads.load() is not None and "retrain" not in caplog.text


def test_test_split_exists_and_never_reaches_training() -> None:
    pool = training_pool()
    assert len(pool["test"]) >= 300 and len(pool["dev"]) >= 140
    per_cause = {c: sum(c in s.causes for s in pool["test"]) for c in IDS}
    assert min(per_cause.values()) >= 12, per_cause
    train_ids = {s.id for s in pool["train"]}
    assert not train_ids & {s.id for s in pool["test"]}


def test_bad_labelled_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "a", "sentiment": "meh"}\n{"text": "b", "sentiment": "positive"}\n')
    with pytest.raises(LabelledDataError, match="line 1"):
        read_stories(path, "x")


def test_taxonomy_check_finds_too_few_and_overlap(tagger, tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    findings = check_taxonomy(load_taxonomy(path), tagger.encode, None)
    kinds = {(f.kind, f.cause) for f in findings}
    assert ("too_few", "refunds") in kinds
    assert {k for k, c in kinds if c == "billing"} & {"overlap", "duplicate"}
    assert ("zero_shot", "refunds") in kinds
    result = CliRunner().invoke(cli, ["taxonomy", "check", "--taxonomy", str(path)])
    assert result.exit_code == 0, result.output
    assert "too_few" in result.output and "2 causes checked" in result.output
