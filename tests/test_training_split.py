"""The real dev split and the real training rows: fixed, disjoint from test, and kept apart from
the runtime tagger."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from storywatch.nlp.real_split import (
    hash_dev,
    hash_test,
    is_dev,
    is_hand_dev,
    is_test,
    read_rows,
    row_key,
    scored_split,
    scoring,
)
from storywatch.nlp.taxonomy import load_taxonomy

IDS = [c.id for c in load_taxonomy().causes]


def test_dev_hash_is_the_documented_rule() -> None:
    keys = [f"row={i}" for i in range(2000)]
    expected = [int(hashlib.sha256(f"dev|x.csv|{k}".encode()).hexdigest()[:8], 16) % 100 < 20
                for k in keys]
    assert [hash_dev("x.csv", k) for k in keys] == expected
    assert 300 < sum(expected) < 500  # about 20%


def test_dev_rows_are_never_test_rows_and_equal_sentences_stay_together(
        shared_data: Path) -> None:
    for file in ("tweets_sentiment_3class.csv", "laptop_absa.jsonl",
                 "reviews_stars_multi_industry.csv"):
        rows = read_rows(shared_data / file)
        keys = [row_key(file, i, row) for i, row in enumerate(rows)]
        dev = {k for k in keys if is_dev(file, k, shared_data)}
        test = {k for k in keys if is_test(file, k, shared_data)}
        assert dev and not dev & test
        assert 0.1 < len(dev) / (len(keys) - len(test)) < 0.3, file
    rows = read_rows(shared_data / "laptop_absa.jsonl")
    side: dict[str, set[bool]] = {}
    for i, row in enumerate(rows):
        key = row_key("laptop_absa.jsonl", i, row)
        if not is_test("laptop_absa.jsonl", key, shared_data):
            side.setdefault(row["text"], set()).add(is_dev("laptop_absa.jsonl", key, shared_data))
    assert all(len(s) == 1 for s in side.values())


def test_hand_dev_excludes_hand_test() -> None:
    keys = [f"row={i}" for i in range(3000)]
    assert not any(is_hand_dev("f.csv", k) and hash_test("f.csv", k) for k in keys)
    assert any(is_hand_dev("f.csv", k) for k in keys)


def test_scoring_dev_switches_the_suite_readers_and_restores_test(shared_data: Path) -> None:
    from storywatch.nlp.real_sets import read_tweets

    taxonomy = load_taxonomy()
    assert scored_split() == "test"
    with scoring("dev"):
        dev = read_tweets(shared_data, taxonomy)
    test = read_tweets(shared_data, taxonomy)
    assert scored_split() == "test"
    assert 300 < len(dev) < 500 and len(test) == 12270
    assert not {r.key for r in dev} & {r.key for r in test}


def test_real_training_rows_hold_no_test_or_dev_text(shared_data: Path) -> None:
    from storywatch.nlp.training.real_data import real_examples

    train = real_examples(IDS, "train", shared_data)
    dev = real_examples(IDS, "dev", shared_data)
    sources = {e.source for e in train}
    assert {"hand_labels", "tweets", "laptops", "stars_multi", "apps", "cfpb_issues"} <= sources
    tweets = read_rows(shared_data / "tweets_sentiment_3class.csv")
    test_tweets = {r["text"] for r in tweets if r["split"] == "semeval2017_test"}
    laptops = read_rows(shared_data / "laptop_absa.jsonl")
    test_laptops = {r["text"] for r in laptops
                    if r["dataset"] == "semeval2016_task5_laptops_test_gold"}
    texts = {e.text for e in train}
    assert not texts & test_tweets and not texts & test_laptops
    assert not texts & {e.text for e in dev if e.source != "hand_labels"}
    assert all(e.sentiment in (None, "negative", "neutral", "positive") for e in train)
    # A bug report decides website_app, a CFPB issue the issue-mapped causes, stars no cause.
    assert any(e.source == "apps" and e.causes == {"website_app": 1} for e in train)
    assert all(not e.causes for e in train if e.source == "stars_multi")


def test_the_runtime_tagger_never_imports_training_code() -> None:
    code = ("import sys, nlp, nlp.tagger, nlp.classify; "
            "print(sorted(m for m in sys.modules if m.startswith(('storywatch.nlp.train', 'storywatch.nlp.finetune'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]"


def test_eval_refuses_both_splits_for_the_real_suite() -> None:
    from storywatch.cli import cli

    result = CliRunner().invoke(cli, ["eval", "--suite", "real", "--split", "dev",
                                      "--split", "test"])
    assert result.exit_code != 0 and "one split" in result.output
    result = CliRunner().invoke(cli, ["eval", "--no-baselines"])
    assert result.exit_code != 0 and "--suite real" in result.output
