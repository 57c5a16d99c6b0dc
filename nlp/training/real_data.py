"""Training rows from the real labelled sets of the shared data folder, never from a test split.

Every reader returns the TRAIN part of its file: rows for which neither nlp.real_split.is_test
nor is_dev holds (the hand labels: neither hash_test nor is_hand_dev, and not a test row of the
set the text comes from). With `split="dev"` the same readers return the dev rows instead, for
picking weights and thresholds. Each row says what its labels can speak to: a sentiment (None when
the source has none), and `causes`, a mapping of cause id to 1 (about it) or 0 (not about it) for
the causes the source's labels decide (nlp.real_mappings); other causes are left out for that row.
Star ratings are weak sentiment: 1-2 negative, 4-5 positive, 3 left out.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from storywatch.nlp import real_mappings as maps
from storywatch.nlp.real_labels import REAL_LABELS_DIR, field_text, find_row
from storywatch.nlp.real_sets import joined, stars_of
from storywatch.nlp.real_split import (
    DEFAULT_DATA_DIR,
    hash_dev,
    hash_test,
    is_dev,
    is_test,
    read_rows,
    row_key,
)
from storywatch.nlp.sentences import is_english, read_story

# At most this many rows per source and split (a seeded sample): it bounds the embedding time
# (long airline reviews and CFPB narratives), and no star-rated source outweighs the rest.
MAX_PER_SOURCE = 3000


@dataclass(frozen=True)
class RealExample:
    text: str
    source: str
    sentiment: str | None = None
    causes: Mapping[str, int] = field(default_factory=dict)  # cause -> 1 / 0, decided ones only


def star_sentiment(stars: float | None) -> str | None:
    """1-2 stars negative, 4-5 positive, 3 (mixed) or none: None."""
    if stars is None:
        return None
    return "negative" if stars <= 2 else "positive" if stars >= 4 else None


def _rows(data_dir: Path, file: str, split: str,
          column: str = "text") -> Iterable[tuple[str, dict]]:
    """(key, row) of the file's train (or dev) rows: never a test row, nor a row whose text
    (`column`) is also the text of a test row (or, for train, of a dev row) under another key."""
    sides = []
    for index, row in enumerate(read_rows(data_dir / file)):
        key = row_key(file, index, row)
        side = ("test" if is_test(file, key, data_dir) else
                "dev" if is_dev(file, key, data_dir) else "train")
        sides.append((key, row, side))
    held = {"test"} if split == "dev" else {"test", "dev"}
    held_texts = {row.get(column) for _, row, side in sides if side in held}
    for key, row, side in sides:
        if side == split and row.get(column) not in held_texts:
            yield key, row


def _aspect_example(text: str, aspects: list[dict], source: str, rules,
                    scored: Iterable[str]) -> RealExample:
    """Sentence sentiment from its aspects' polarities (mixed: none), causes from the rules."""
    polarities = {a.get("polarity") for a in aspects} - {"neutral"}
    # Mixed, or a 'conflict' term (both at once): no single sentiment.
    mixed = len(polarities) > 1 or bool(polarities - {"positive", "negative"})
    sentiment = None if mixed else polarities.pop() if polarities else "neutral"
    found = {maps.rule_cause(rules, a["category"]) for a in aspects if "category" in a} - {None}
    return RealExample(text, source, sentiment, {c: int(c in found) for c in scored})


def tweets(data_dir: Path, split: str) -> list[RealExample]:
    """The 3-class tweets outside SemEval-2017's test split (tweeteval_val)."""
    return [RealExample(row["text"], "tweets", row["label"])
            for _, row in _rows(data_dir, "tweets_sentiment_3class.csv", split)]


def laptops(data_dir: Path, split: str) -> list[RealExample]:
    """Laptop sentences of the train parts: 2016 with aspect-category causes, 2014 sentiment only
    (its aspect terms carry polarities but no categories)."""
    scored = maps.rules_causes(maps.LAPTOP_RULES)
    out = []
    for _, row in _rows(data_dir, "laptop_absa.jsonl", split):
        if row["dataset"] == "semeval2016_task5_laptops_train" and not row["out_of_scope"]:
            out.append(_aspect_example(row["text"], row["aspect_categories"], "laptops",
                                       maps.LAPTOP_RULES, scored))
        elif row["dataset"] == "semeval2014_task4_laptops_train" and row["aspect_terms"]:
            # Only term-level opinions were annotated: a sentence without terms may still be
            # opinionated, so it is left out rather than read as neutral.
            out.append(_aspect_example(row["text"], row["aspect_terms"], "laptops14", (), ()))
    return out


def _stars(file: str, source: str, text: Callable[[dict], str],
           stars: Callable[[dict], float | None]) -> Callable[[Path, str], list[RealExample]]:
    def read(data_dir: Path, split: str) -> list[RealExample]:
        out = []
        for _, row in _rows(data_dir, file, split):
            sentiment, body = star_sentiment(stars(row)), text(row)
            if sentiment and body.strip():
                out.append(RealExample(body, source, sentiment))
        return out
    return read


stars_multi = _stars("reviews_stars_multi_industry.csv", "stars_multi",
                     lambda r: joined(r["title"], r["text"]),
                     lambda r: stars_of(r["rating"], r["rating_scale"]))
airline = _stars("airline_reviews_subratings.csv", "airline",
                 lambda r: joined(r["title"], r["text"]),
                 lambda r: stars_of(r["overall_rating"], r["overall_scale"]))
hotel_ratings = _stars("hotel_reviews_aspect_ratings.csv", "hotel_ratings",
                       lambda r: joined(r["title"], r["text"]), lambda r: stars_of(r["overall"]))
alexa = _stars("amazon_alexa_reviews.csv", "alexa", lambda r: r["text"].strip(),
               lambda r: stars_of(r["rating"]))


def apps(data_dir: Path, split: str) -> list[RealExample]:
    """App reviews: stars (where given) as sentiment, bug report / feature request as website_app."""
    out = []
    for _, row in _rows(data_dir, "app_reviews_labelled.csv", split):
        causes = maps.APP_LABELS.get(row["label"])
        sentiment = star_sentiment(stars_of(row["rating"]))
        if causes is None and sentiment is None:
            continue
        out.append(RealExample(joined(row["title"], row["text"]), "apps", sentiment,
                               {} if causes is None else {"website_app": int(bool(causes))}))
    return out


def cfpb_issues(data_dir: Path, split: str) -> list[RealExample]:
    """CFPB narratives with a mapped issue: that cause 1, the other issue-mapped causes 0."""
    scored = tuple(dict.fromkeys(c for c in maps.CFPB_ISSUES.values() if c))
    out = []
    for _, row in _rows(data_dir, "cfpb_narratives_issue_extra.csv", split,
                             "narrative"):
        cause = maps.CFPB_ISSUES.get(row["issue"]) if row["issue"] else None
        if cause and row["narrative"].strip():
            out.append(RealExample(row["narrative"], "cfpb_issues", None,
                                   {c: int(c == cause) for c in scored}))
    return out


def _hand_side(file: str, key: str, data_dir: Path) -> str:
    if hash_test(file, key) or is_test(file, key, data_dir):
        return "test"
    return "dev" if hash_dev(file, key) else "train"


def hand_labels(data_dir: Path, split: str, cause_ids: Iterable[str],
                directory: Path = REAL_LABELS_DIR) -> list[RealExample]:
    """Hand-labelled real texts outside the hand-label test split (and outside their set's test
    split, and not a text that is also held out under another key): sentiment, and every cause
    (1 when labelled, else 0)."""
    ids = tuple(cause_ids)
    cache: dict[str, list[dict]] = {}
    records: dict[str, tuple[str, str, dict]] = {}  # first labelling of each row wins
    for path in sorted(Path(directory).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn line; nlp.real_labels reports malformed records
            file, key = str(record.get("file")), str(record.get("key"))
            if f"{file}|{key}" in records or not (data_dir / file).is_file():
                continue
            if file not in cache:
                cache[file] = read_rows(data_dir / file)
            row = find_row(cache[file], key)
            text = field_text(row, str(record.get("field"))) if row is not None else None
            if text and text.strip():
                records[f"{file}|{key}"] = (text, _hand_side(file, key, data_dir), record)
    held = {"test"} if split == "dev" else {"test", "dev"}
    held_texts = {text for text, side, _ in records.values() if side in held}
    out = []
    for text, side, record in records.values():
        if side == split and text not in held_texts:
            labelled = {c.get("cause") for c in record.get("causes") or []}
            out.append(RealExample(text, "hand_labels", record.get("sentiment"),
                                   {c: int(c in labelled) for c in ids}))
    return out


READERS: dict[str, Callable[[Path, str], list[RealExample]]] = {
    "tweets": tweets, "laptops": laptops, "stars_multi": stars_multi, "airline": airline, "hotel_ratings": hotel_ratings,
    "alexa": alexa, "apps": apps, "cfpb_issues": cfpb_issues,
}


def real_examples(cause_ids: Iterable[str], split: str = "train",
                  data_dir: Path = DEFAULT_DATA_DIR, seed: int = 13) -> list[RealExample]:
    """Every source's rows of `split` ('train' or 'dev'), at most MAX_PER_SOURCE each (a seeded
    sample); a missing file gives no rows. No train row has the text of a dev row of any source
    (the hand labels and the sentence files split the same text by different rules)."""
    if split == "train":
        held = {e.text for e in real_examples(cause_ids, "dev", data_dir, seed)}
        return [e for e in _split_rows(cause_ids, split, data_dir, seed) if e.text not in held]
    return _split_rows(cause_ids, split, data_dir, seed)


def _split_rows(cause_ids: Iterable[str], split: str, data_dir: Path,
                seed: int) -> list[RealExample]:
    out = hand_labels(data_dir, split, cause_ids) if data_dir.is_dir() else []
    rng = random.Random(seed)
    for name, read in READERS.items():
        try:
            rows = read(data_dir, split)
        except FileNotFoundError:
            print(f"real data: {name} skipped, its file is not in {data_dir}")
            continue
        out.extend(rng.sample(rows, MAX_PER_SOURCE) if len(rows) > MAX_PER_SOURCE else rows)
    # These heads tag English (MiniLM); text the tagger reads as another language goes to the
    # multilingual heads (nlp.multilingual), so these heads are not trained on it.
    return [e for e in out if _english_sentences(e.text)]


def _english_sentences(text: str) -> list[str]:
    language, sentences = read_story(text)
    return sentences if is_english(language) else []
