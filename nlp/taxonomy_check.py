"""Check a taxonomy before relying on it: causes with too few examples, or that overlap.

Two causes overlap when an example phrase of one is closer (cosine) to the other cause's phrases
than to its own (by OVERLAP_MARGIN), or when it is nearly identical (>= DUPLICATE) to a phrase of
another cause: the linker then cannot tell them apart. Phrases are compared like with like:
praise (what the sentiment head scores NEUTRAL_MAX_SCORE or more: "returning it was quick and
easy") only with praise, complaints and neutral phrases only with each other. The backbone places
phrases by how the customer felt first, so a cause's one praise example is far from its own
complaints and near every other cause's praise; that is not an overlap, and a praise example
with no other praise in its cause is checked for duplicates only. A cause with fewer than
MIN_EXAMPLES example phrases (taxonomy plus the user's examples file) is reported too, as is a
cause whose trained head is missing or was trained on a different definition (it runs zero-shot
until `python -m storywatch.nlp.train_sentiment`). Used by `storywatch taxonomy check`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storywatch.nlp.cause_heads import CauseHeads
from storywatch.nlp.sentiment import NEUTRAL_MAX_SCORE, SentimentHead
from storywatch.nlp.taxonomy import Taxonomy

MIN_EXAMPLES = 6
DUPLICATE = 0.9
# Reported when a phrase is this much closer to another cause's phrase than to its own.
OVERLAP_MARGIN = 0.1


@dataclass(frozen=True)
class Finding:
    cause: str
    kind: str  # too_few | overlap | duplicate | zero_shot
    message: str


def check_taxonomy(taxonomy: Taxonomy, encode: Callable[[list[str]], np.ndarray],
                   heads: CauseHeads | None = None,
                   user_examples: list[tuple[str, str]] = (),
                   sentiment: SentimentHead | None = None) -> list[Finding]:
    """Findings for the taxonomy, most serious first (an empty list: nothing to fix).

    `sentiment` tells praise from the other phrases (default: the packaged sentiment head).
    """
    findings: list[Finding] = []
    extra: dict[str, list[str]] = {}
    for text, cause in user_examples:
        extra.setdefault(cause, []).append(text)
    phrases, owner = [], []
    for i, cause in enumerate(taxonomy.causes):
        texts = [*cause.examples, *extra.get(cause.id, [])]
        if len(texts) < MIN_EXAMPLES:
            findings.append(Finding(cause.id, "too_few", (
                f"{cause.id} has {len(texts)} example phrases; add at least "
                f"{MIN_EXAMPLES - len(texts)} more in customers' words.")))
        phrases.extend(texts)
        owner.extend([i] * len(texts))
    vectors = np.asarray(encode(phrases), dtype=np.float32)
    findings.extend(_overlaps(taxonomy, phrases, np.array(owner), vectors,
                              _praise(vectors, sentiment or SentimentHead.load())))
    for cause in taxonomy.causes:
        if heads is None or heads.index(cause.id, cause.fingerprint) is None:
            findings.append(Finding(cause.id, "zero_shot", (
                f"{cause.id} has no trained head for its current description and examples; it is "
                "linked zero-shot until you run `python -m storywatch.nlp.train_sentiment`.")))
    order = {"too_few": 0, "duplicate": 1, "overlap": 2, "zero_shot": 3}
    return sorted(findings, key=lambda f: (order[f.kind], f.cause))


def _praise(vectors: np.ndarray, sentiment: SentimentHead) -> np.ndarray:
    """True for the phrases the sentiment head reads as clearly positive."""
    scores, _ = sentiment.scores_and_labels(vectors)
    return np.asarray(scores) >= NEUTRAL_MAX_SCORE


def _overlaps(taxonomy: Taxonomy, phrases: list[str], owner: np.ndarray, vectors: np.ndarray,
              praise: np.ndarray) -> list[Finding]:
    """Duplicate and overlap findings, each phrase compared with phrases of its own kind only."""
    findings: list[Finding] = []
    sims = vectors @ vectors.T
    ids = [c.id for c in taxonomy.causes]
    reported: set[tuple[str, str, str]] = set()
    for row, text in enumerate(phrases):
        alike = praise == praise[row]
        others = alike & (owner != owner[row])
        siblings = alike & (owner == owner[row])
        siblings[row] = False
        if not others.any():
            continue
        j = int(np.argmax(np.where(others, sims[row], -np.inf)))
        own, other = ids[owner[row]], ids[owner[j]]
        key = (own, other, text)
        if key in reported:
            continue
        if sims[row, j] >= DUPLICATE:
            reported.add(key)
            findings.append(Finding(own, "duplicate", (
                f"{own}: '{text}' is nearly the same as {other}'s '{phrases[j]}' "
                f"(cosine {sims[row, j]:.2f}); keep it under one cause.")))
        elif siblings.any() and sims[row, j] >= sims[row, siblings].max() + OVERLAP_MARGIN:
            reported.add(key)
            findings.append(Finding(own, "overlap", (
                f"{own}: '{text}' is closer to {other} ('{phrases[j]}', {sims[row, j]:.2f}) "
                f"than to its own examples ({sims[row, siblings].max():.2f}); reword it or move "
                "it.")))
    return findings


def user_examples_for(taxonomy: Taxonomy, path: Path | None) -> list[tuple[str, str]]:
    """The user's examples file, checked against the taxonomy's ids; the default file
    (nlp/training/cause_examples.csv) contributes only the rows of causes the taxonomy has."""
    from storywatch.nlp.train_causes import USER_EXAMPLES, read_user_examples

    ids = {c.id for c in taxonomy.causes}
    if path is not None:
        return read_user_examples(path, ids)
    everything = read_user_examples(USER_EXAMPLES, {c for _, c in _all_rows()})
    return [(text, cause) for text, cause in everything if cause in ids]


def _all_rows() -> list[tuple[str, str]]:
    import csv

    from storywatch.nlp.train_causes import USER_EXAMPLES

    if not USER_EXAMPLES.is_file():
        return []
    lines = [ln for ln in USER_EXAMPLES.read_text(encoding="utf-8").splitlines()
             if not ln.lstrip().startswith("#")]
    return [(r.get("text", ""), r.get("cause", "").strip()) for r in csv.DictReader(lines)]
