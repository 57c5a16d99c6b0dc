"""Which rows of the shared real data sets are held out for testing: the rule, written once.

A row is named by its file in the shared data folder and its key (`<column>=<value>` for a file
with a unique id column, else `row=<n>`, the 0-based data row of csv.DictReader or the line of a
.jsonl file). Files with an official test split use it: the tweets' `semeval2017_test`, the laptop
sentences' `semeval2016_task5_laptops_test_gold` (plus any other row with the same text, since the
2014 and 2016 parts share sentences), GermEval 2017's `germeval2017_test`, the hotel sentences'
`german_hotel_aspect_test` and the SemEval-2015 hotel test gold (that file's English part is all
test), and the Alexa reviews' held-out half (nlp.train_sentiment.alexa_half, which training
already respects). Every other row, and every hand-labelled real text, is test when
int(sha256(f"{file}|{key}").hexdigest()[:8], 16) % 100 < 30. Training on real data must leave out
every row for which `is_test` is true, and every hand-labelled row for which `hash_test` is true.

The dev split (`is_dev`), fixed once before the heads were trained on real data, is the part of
the non-test rows on which training weights and thresholds are picked and which
`storywatch eval --suite real --split dev` scores: a row is dev when it is not test and
int(sha256(f"dev|{file}|{key}").hexdigest()[:8], 16) % 100 < 20. In the sentence files
(laptop_absa.jsonl, hotel_absa_sentences.jsonl) the hash is of `dev|{file}|{text}` instead, so a
sentence that occurs twice is dev (or train) in both places. Hand-labelled rows are dev when
`hash_dev` (the same rule on their file and key) holds and `hash_test` does not.
"""
from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from storywatch.nlp.paths import SHARED_DATA

DEFAULT_DATA_DIR = SHARED_DATA
TEST_PERCENT = 30
DEV_PERCENT = 20
# Sentence files whose dev split is chosen by text, since one sentence occurs in several parts.
TEXT_GROUPED = frozenset({"laptop_absa.jsonl", "hotel_absa_sentences.jsonl"})
SPLITS = ("test", "dev")
# The split the suite's readers return (`scoring`); test unless a tuning run asks for dev.
_SCORED: ContextVar[str] = ContextVar("scored_split", default="test")

# file -> (column, values that mark the official test split)
OFFICIAL_SPLITS: dict[str, tuple[str, frozenset[str]]] = {
    "tweets_sentiment_3class.csv": ("split", frozenset({"semeval2017_test"})),
    "laptop_absa.jsonl": ("dataset", frozenset({"semeval2016_task5_laptops_test_gold"})),
    "germeval2017_db_customer_feedback.csv": ("split", frozenset({"germeval2017_test"})),
    "hotel_absa_sentences.jsonl": ("dataset", frozenset({
        "german_hotel_aspect_test", "semeval2015_task12_hotels_test_gold"})),
}
ALEXA_FILE = "amazon_alexa_reviews.csv"
# Files whose key is `<column>=<value>` (the column is unique there); all others use row=<n>.
ID_COLUMNS = {
    "laptop_absa.jsonl": "id",
    "hotel_absa_sentences.jsonl": "id",
    "airline_reviews_subratings.csv": "review_id",
    "hotel_reviews_aspect_ratings.csv": "review_id",
    "cfpb_complaint_narratives.csv": "complaint_id",
    "support_twitter_replies.csv": "pair_id",
}


def hash_test(file: str, key: str) -> bool:
    """The hash rule: True for the ~30% of (file, key) pairs that are test rows."""
    digest = hashlib.sha256(f"{file}|{key}".encode()).hexdigest()
    return int(digest[:8], 16) % 100 < TEST_PERCENT


def hash_dev(file: str, key: str) -> bool:
    """The dev hash: True for ~20% of (file, key) pairs (test rows are excluded by the callers)."""
    digest = hashlib.sha256(f"dev|{file}|{key}".encode()).hexdigest()
    return int(digest[:8], 16) % 100 < DEV_PERCENT


def order_key(file: str, key: str) -> str:
    """A fixed, seeded order of rows (sorted by this) from which the first N are scored."""
    return hashlib.sha256(f"order|{file}|{key}".encode()).hexdigest()


def row_key(file: str, index: int, row: dict) -> str:
    """The key of a data row: `<id column>=<value>` where the file has one, else `row=<index>`."""
    column = ID_COLUMNS.get(file)
    return f"{column}={row[column]}" if column else f"row={index}"


def read_rows(path: Path) -> list[dict]:
    """Every data row of a shared CSV (csv.DictReader) or JSON Lines file, in file order."""
    path = Path(path)
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def is_test(file: str, key: str, data_dir: Path = DEFAULT_DATA_DIR) -> bool:
    """True when the row is in the fixed test split of its set (see the module docstring).

    Files with an official split are read from `data_dir` once per process; for them a key not
    in the file is not test.
    """
    if file in OFFICIAL_SPLITS or file == ALEXA_FILE:
        return key in _official_test_keys(file, str(data_dir))
    return hash_test(file, key)


@lru_cache(maxsize=16)
def _official_test_keys(file: str, data_dir: str) -> frozenset[str]:
    rows = read_rows(Path(data_dir) / file)
    if file == ALEXA_FILE:
        from storywatch.nlp.train_sentiment import alexa_half

        return frozenset(row_key(file, i, row) for i, row in enumerate(rows)
                         if alexa_half(row.get("text", "").strip()) == "held_out")
    column, values = OFFICIAL_SPLITS[file]
    test_texts = {row.get("text") for row in rows if row.get(column) in values}
    # Grouped by text: a sentence in the test split is test wherever else it occurs.
    return frozenset(row_key(file, i, row) for i, row in enumerate(rows)
                     if row.get(column) in values or row.get("text") in test_texts)


def is_dev(file: str, key: str, data_dir: Path = DEFAULT_DATA_DIR) -> bool:
    """True when the row is in the fixed dev split: not test, and its dev hash says so.

    For the sentence files the hash is of the row's text (read from `data_dir` once per process),
    so equal sentences fall on the same side.
    """
    if is_test(file, key, data_dir):
        return False
    if file in TEXT_GROUPED:
        return key in _text_dev_keys(file, str(data_dir))
    return hash_dev(file, key)


def is_hand_dev(file: str, key: str) -> bool:
    """A hand-labelled row (named by its file and key) in the dev split: dev hash, not test."""
    return hash_dev(file, key) and not hash_test(file, key)


@lru_cache(maxsize=4)
def _text_dev_keys(file: str, data_dir: str) -> frozenset[str]:
    rows = read_rows(Path(data_dir) / file)
    return frozenset(row_key(file, i, row) for i, row in enumerate(rows)
                     if hash_dev(file, str(row.get("text"))))


@contextmanager
def scoring(split: str) -> Iterator[None]:
    """Within the block, the suite's readers return the rows of `split` ('test' or 'dev')."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    token = _SCORED.set(split)
    try:
        yield
    finally:
        _SCORED.reset(token)


def scored_split() -> str:
    """The split the suite scores now: 'test', or 'dev' inside `scoring('dev')`."""
    return _SCORED.get()


def in_scored_split(file: str, key: str, data_dir: Path = DEFAULT_DATA_DIR) -> bool:
    """is_test, or is_dev while the suite scores dev."""
    return (is_dev if _SCORED.get() == "dev" else is_test)(file, key, data_dir)


def hand_in_scored_split(file: str, key: str) -> bool:
    """hash_test for a hand-labelled row, or is_hand_dev while the suite scores dev."""
    return is_hand_dev(file, key) if _SCORED.get() == "dev" else hash_test(file, key)
