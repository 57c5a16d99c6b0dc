"""Training rows for the multilingual heads: the English heads' data, sampled, plus the non-English
train rows of the real sets. Never a test row (nlp.real_split.is_test), never a dev row for train.

The English rows are those the English heads learn from (nlp.labelled's training stories, and
nlp.training.real_data's real rows), a seeded sample of each source (ENGLISH_CAPS: e5 embeds a
sentence at a time, and all of them would take hours on a laptop CPU); e5 vectors of English
labels carry over to other languages. The non-English rows are the train parts of
- GermEval 2017 (Deutsche Bahn feedback, relevant rows): 3-class sentiment, and the aspect
  categories mapped to causes by nlp.real_mappings.GERMEVAL_RULES (the set's dev part is split
  into train and dev by nlp.real_split's dev hash: the file has no train part);
- the German hotel sentences (german_hotel_aspect_train / _dev): sentiment from the aspect
  polarities, and SERVICE -> staff (HOTEL_DE_RULES);
- the multilingual star-rated reviews (Danish, Korean, ...): stars 1-2 negative, 4-5 positive.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from pathlib import Path

from storywatch.nlp import real_mappings as maps
from storywatch.nlp.real_sets import joined, stars_of
from storywatch.nlp.real_split import DEFAULT_DATA_DIR, is_dev, is_test, read_rows, row_key
from storywatch.nlp.training.real_data import RealExample, real_examples, star_sentiment

# Rows per source and split, sampled with the seed. Sources are nlp.training.real_data's, plus
# 'stories' (the hand-written training stories) and the non-English sources below.
ENGLISH_CAPS: dict[str, int] = {
    "stories": 600, "tweets": 300, "laptops": 300, "hand_labels": 150, "stars_multi": 150,
    "apps": 150, "alexa": 100, "cfpb_issues": 40,
}
FOREIGN_CAPS: dict[str, int] = {"germeval": 2500, "hotels_de": 1000, "stars_multilingual": 800}
DEV_CAPS: dict[str, int] = {"germeval": 300, "hotels_de": 200, "stars_multilingual": 300}
GERMEVAL = "germeval2017_db_customer_feedback.csv"
HOTELS = "hotel_absa_sentences.jsonl"
MULTILINGUAL_STARS = "reviews_multilingual_stars.csv"


def _split_rows(data_dir: Path, file: str, split: str) -> Iterable[dict]:
    """Rows of `split` ('train' or 'dev'): never a test row, nor a row sharing a test row's text
    (nor, for train, a dev row's)."""
    rows = read_rows(data_dir / file)
    sides = []
    for index, row in enumerate(rows):
        key = row_key(file, index, row)
        sides.append("test" if is_test(file, key, data_dir) else
                     "dev" if is_dev(file, key, data_dir) else "train")
    held = {"test"} if split == "dev" else {"test", "dev"}
    held_texts = {row.get("text") for row, side in zip(rows, sides) if side in held}
    return [row for row, side in zip(rows, sides)
            if side == split and row.get("text") not in held_texts]


def _aspect_sentiment(aspects: list[dict]) -> str | None:
    """One polarity among the aspects: it; none or only neutral: neutral; both: None (mixed)."""
    polarities = {a.get("polarity") for a in aspects} - {"neutral"}
    return None if len(polarities) > 1 else polarities.pop() if polarities else "neutral"


def germeval(data_dir: Path, split: str) -> list[RealExample]:
    scored = maps.rules_causes(maps.GERMEVAL_RULES)
    out = []
    for row in _split_rows(data_dir, GERMEVAL, split):
        if row["relevant"] != "true":  # not about Deutsche Bahn: no aspects were annotated
            continue
        aspects = json.loads(row["aspects"] or "[]")
        found = {maps.rule_cause(maps.GERMEVAL_RULES, a["category"].split("#")[0])
                 for a in aspects}
        out.append(RealExample(row["text"], "germeval", row["sentiment"] or None,
                               {c: int(c in found) for c in scored}))
    return out


def hotels_de(data_dir: Path, split: str) -> list[RealExample]:
    scored = maps.rules_causes(maps.HOTEL_DE_RULES)
    out = []
    for row in _split_rows(data_dir, HOTELS, split):
        if not row["dataset"].startswith("german_hotel_aspect_") or not row["aspect_categories"]:
            continue
        aspects = row["aspect_categories"]
        found = {maps.rule_cause(maps.HOTEL_DE_RULES, a["category"]) for a in aspects}
        out.append(RealExample(row["text"], "hotels_de", _aspect_sentiment(aspects),
                               {c: int(c in found) for c in scored}))
    return out


def stars_multilingual(data_dir: Path, split: str) -> list[RealExample]:
    out = []
    for row in _split_rows(data_dir, MULTILINGUAL_STARS, split):
        sentiment = star_sentiment(stars_of(row["rating"], row["rating_scale"]))
        text = joined(row["title"], row["text"])
        if sentiment and text.strip():
            out.append(RealExample(text, "stars_multilingual", sentiment))
    return out


FOREIGN_READERS: dict[str, Callable[[Path, str], list[RealExample]]] = {
    "germeval": germeval, "hotels_de": hotels_de, "stars_multilingual": stars_multilingual,
}


def _sample(rows: list, cap: int, rng: random.Random) -> list:
    """The first `cap` rows of a seeded shuffle: a larger cap keeps the smaller cap's rows."""
    shuffled = list(rows)
    rng.shuffle(shuffled)
    return shuffled[:cap]


def foreign_examples(split: str, data_dir: Path = DEFAULT_DATA_DIR,
                     seed: int = 13) -> list[RealExample]:
    """The non-English sources' rows of `split`, sampled to FOREIGN_CAPS (train) or DEV_CAPS."""
    caps = DEV_CAPS if split == "dev" else FOREIGN_CAPS
    rng = random.Random(seed)
    out: list[RealExample] = []
    for name, read in FOREIGN_READERS.items():
        if not (data_dir / {"germeval": GERMEVAL, "hotels_de": HOTELS}.get(
                name, MULTILINGUAL_STARS)).is_file():
            print(f"multilingual data: {name} skipped, its file is not in {data_dir}")
            continue
        out.extend(_sample(read(data_dir, split), caps[name], rng))
    return out


def english_examples(cause_ids: Iterable[str], data_dir: Path = DEFAULT_DATA_DIR,
                     seed: int = 13) -> list[RealExample]:
    """A seeded sample (ENGLISH_CAPS) of the English heads' real training rows."""
    rng = random.Random(seed)
    by_source: dict[str, list[RealExample]] = {}
    for example in real_examples(cause_ids, "train", data_dir, seed):
        by_source.setdefault(example.source, []).append(example)
    return [e for source in sorted(by_source)
            for e in _sample(by_source[source], ENGLISH_CAPS.get(source, 0), rng)]


def sample_stories(stories: list, seed: int = 13) -> list:
    """A seeded sample of the hand-written training stories (ENGLISH_CAPS['stories'])."""
    return _sample(list(stories), ENGLISH_CAPS["stories"], random.Random(seed))
