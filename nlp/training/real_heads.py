"""Real-data rows for the heads: weights per source, feature matrices, the neutral calibration.

The sentiment head and the cause heads (nlp.train_sentiment, nlp.train_causes) are fitted on
the project's stories plus the real training rows of nlp.training.real_data, each source at the
weight below. The weights and the neutral offset were picked on the real dev split
(nlp.real_split.is_dev; `storywatch eval --suite real --split dev --no-baselines`); no test row is
read. The neutral offset is added to the sentiment head's neutral intercept: the offset that
scores best on dev while at most NEUTRAL_SHARE_MAX of the clearly rated (1-2 / 4-5 star) dev
reviews are tagged neutral (item 6 of issue 14: neutral only when the text is neutral).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from storywatch.nlp.sentiment import CLASSES, SentimentHead
from storywatch.nlp.training.real_data import RealExample

# Sentiment rows: the training stories weigh 1 each.
SENTIMENT_WEIGHTS: dict[str, float] = {
    "hand_labels": 1.0, "tweets": 1.5, "laptops": 0.5, "laptops14": 0.5, "stars_multi": 0.2, "airline": 0.2, "hotel_ratings": 0.2, "alexa": 0.1,
    "apps": 0.2,
}
# Cause rows, for the causes each source's labels decide.
CAUSE_WEIGHTS: dict[str, float] = {
    "hand_labels": 1.0, "laptops": 0.5, "apps": 0.3, "cfpb_issues": 0.5,
}
NEUTRAL_SHARE_MAX = 0.05
NEUTRAL_OFFSETS = np.round(np.arange(-2.0, 1.01, 0.25), 2)
# Dev sources scored for the neutral offset: 3-class labels (macro-F1) and star ratings.
THREE_CLASS = ("tweets", "hand_labels", "laptops")
STARRED = ("stars_multi", "airline", "hotel_ratings", "alexa", "apps")


def sentiment_rows(examples: Sequence[RealExample], encode,
                   weights: dict[str, float] = SENTIMENT_WEIGHTS
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Story vectors, labels and weights of the real rows that have a sentiment."""
    rows = [e for e in examples if e.sentiment in CLASSES and weights.get(e.source)]
    return (encode([e.text for e in rows]), np.array([e.sentiment for e in rows]),
            np.array([weights[e.source] for e in rows]))


def cause_labels(examples: Sequence[RealExample], ids: Sequence[str]) -> np.ndarray:
    """(rows, causes) of 1 / 0 where the row's source decides the cause, else -1."""
    return np.array([[e.causes.get(c, -1) for c in ids] for e in examples], dtype=int)


def cause_rows(examples: Sequence[RealExample],
               weights: dict[str, float] = CAUSE_WEIGHTS) -> list[RealExample]:
    """The real rows that decide at least one cause, from sources with a cause weight."""
    return [e for e in examples if e.causes and weights.get(e.source)]


def _macro_f1(gold: list[str], predicted: list[str]) -> float:
    scores = []
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        n = gold.count(label) + predicted.count(label)
        scores.append(2 * tp / n if n else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def dev_sentiment_scores(head: SentimentHead, dev: Sequence[RealExample],
                         vectors: np.ndarray) -> dict[str, float]:
    """Per dev source: macro-F1 (3-class sources) or star agreement, and the neutral share on
    clearly rated rows, with the tagger's own labelling rule."""
    _, labels = head.scores_and_labels(vectors)
    by_source: dict[str, list[tuple[str, str]]] = {}
    for example, label in zip(dev, labels):
        if example.sentiment in CLASSES:
            by_source.setdefault(example.source, []).append((example.sentiment, label))
    scores = {}
    for source, pairs in sorted(by_source.items()):
        gold, predicted = [g for g, _ in pairs], [p for _, p in pairs]
        if source in THREE_CLASS:
            scores[f"{source} macro-F1"] = _macro_f1(gold, predicted)
        elif source in STARRED:
            scores[f"{source} star agreement"] = np.mean([g == p for g, p in pairs])
    starred = [p for e, p in zip(dev, labels) if e.source in STARRED and e.sentiment]
    scores["stars tagged neutral"] = Counter(starred)["neutral"] / max(len(starred), 1)
    return scores


def _objective(scores: dict[str, float]) -> float:
    return float(np.mean([v for k, v in scores.items() if k != "stars tagged neutral"]))


def with_neutral_offset(head: SentimentHead, offset: float) -> SentimentHead:
    """The head with `offset` added to the neutral class's intercept."""
    intercept = head.intercept.copy()
    intercept[CLASSES.index("neutral")] += offset
    return SentimentHead(head.coef, intercept, head.neutral_band, head.fingerprint,
                         head.hidden, head.hidden_bias, head.argmax)


def pick_neutral_offset(head: SentimentHead, dev: Sequence[RealExample],
                        vectors: np.ndarray) -> tuple[float, dict[str, float]]:
    """The offset with the best mean dev score among those keeping the neutral share on rated
    reviews at most NEUTRAL_SHARE_MAX (the lowest share when none does), and its scores."""
    results = [(float(o), dev_sentiment_scores(with_neutral_offset(head, o), dev, vectors))
               for o in NEUTRAL_OFFSETS]
    allowed = [r for r in results if r[1]["stars tagged neutral"] <= NEUTRAL_SHARE_MAX]
    if allowed:
        return max(allowed, key=lambda r: _objective(r[1]))
    return min(results, key=lambda r: r[1]["stars tagged neutral"])


def provenance_section(train: Sequence[RealExample], causes_rows: Sequence[RealExample],
                       offset: float, dev_scores: dict[str, float]) -> str:
    """Markdown appended to PROVENANCE.md: the real rows, weights and dev figures."""
    counts = Counter((e.source, e.sentiment) for e in train
                     if e.sentiment in CLASSES and SENTIMENT_WEIGHTS.get(e.source))
    sentiment = "\n".join(f"| {s} | {lab} | {n} | {SENTIMENT_WEIGHTS[s]} |"
                          for (s, lab), n in sorted(counts.items()))
    decided = Counter((e.source, c, v) for e in causes_rows for c, v in e.causes.items())
    cause = "\n".join(f"| {s} | {c} | {decided[(s, c, 1)]} | {decided[(s, c, 0)]} | "
                      f"{CAUSE_WEIGHTS[s]} |"
                      for s, c in sorted({(s, c) for s, c, _ in decided}))
    dev = "\n".join(f"| {k} | {v:.3f} |" for k, v in dev_scores.items())
    return f"""
## Real training rows (nlp/training)

Train rows of the shared real sets and hand labels (nlp.training.real_data: never a test row of
nlp.real_split, never a dev row). Sentiment rows, at the weight per source shown (stories 1):

| source | label | rows | weight |
|---|---|---|---|
{sentiment}

Cause rows (about the cause / not about it, only for the causes the source's labels decide):

| source | cause | about | not about | weight |
|---|---|---|---|---|
{cause}

Neutral offset added to the sentiment head's neutral intercept, picked on the real dev split
(rated reviews tagged neutral at most {NEUTRAL_SHARE_MAX:.0%}): {offset:+.2f}. Dev figures of the
saved head (story vector, the tagger's rule):

| dev figure | value |
|---|---|
{dev}
"""
