"""Evaluate the tagger on hand-labelled stories, and pick a cause threshold.

Input: JSON Lines with a text field (or title + body), `sentiment` (positive/negative/neutral) and
`causes` (list of cause ids). Reported: sentiment accuracy and macro-F1, and for causes the hit rate
(stories with at least one right cause among those that have any), micro precision/recall/F1, and
how many no-cause stories stayed cause-free. `threshold_sweep` scores every global threshold on the
same stories; tune on your own labelled set, and keep a different one to report on.

Example:
    python -m nlp.evaluation tests/data/nlp/labelled_stories.jsonl --sweep
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from nlp.causes import SENTENCE_MARGIN
from nlp.sentences import split_sentences
from nlp.sentiment import CLASSES
from nlp.tagger import Tagger, load_tagger


def read_labelled(path: Path, text_field: str = "text") -> tuple[list[str], list[dict[str, Any]]]:
    """Texts (title + body when there is no text field) and their label records."""
    texts, records = [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            text = record.get(text_field) or ". ".join(
                part for part in (record.get("title"), record.get("body")) if part
            )
            texts.append(text)
            records.append(record)
    return texts, records


def sentiment_scores(gold: list[str], predicted: list[str]) -> dict[str, float]:
    gold_a, pred_a = np.array(gold), np.array(predicted)
    f1s = []
    for label in CLASSES:
        tp = np.sum((pred_a == label) & (gold_a == label))
        denominator = np.sum(pred_a == label) + np.sum(gold_a == label)
        if np.sum(gold_a == label):
            f1s.append(2 * tp / denominator if denominator else 0.0)
    return {"sentiment_accuracy": float(np.mean(gold_a == pred_a)),
            "sentiment_macro_f1": float(np.mean(f1s))}


def cause_scores(gold: list[set[str]], predicted: list[set[str]]) -> dict[str, float]:
    tp = sum(len(g & p) for g, p in zip(gold, predicted))
    n_pred, n_gold = sum(map(len, predicted)), sum(map(len, gold))
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    with_causes = [(g, p) for g, p in zip(gold, predicted) if g]
    without = [p for g, p in zip(gold, predicted) if not g]
    return {
        "cause_hit_rate": sum(bool(g & p) for g, p in with_causes) / max(len(with_causes), 1),
        "cause_precision": precision,
        "cause_recall": recall,
        "cause_f1": 2 * precision * recall / (precision + recall) if tp else 0.0,
        "no_cause_kept_clean": sum(not p for p in without) / len(without) if without else 1.0,
    }


def evaluate(tagger: Tagger, texts: list[str], records: list[dict[str, Any]]) -> dict[str, float]:
    """Sentiment and cause scores of the tagger against the records' labels."""
    tags = tagger.tag(texts)
    scores = sentiment_scores([r["sentiment"] for r in records], [t.sentiment for t in tags])
    scores.update(cause_scores([set(r.get("causes") or []) for r in records],
                               [{c.cause for c in t.causes} for t in tags]))
    return scores


def story_cause_scores(tagger: Tagger, texts: list[str]) -> np.ndarray:
    """Best-sentence similarity of every story (rows) to every cause (columns)."""
    rows = []
    for text in texts:
        sentences = split_sentences(text)
        embeddings = tagger._encode(sentences, batch_size=64)
        scores = tagger.linker.sentence_scores(embeddings)
        scores = np.where(scores >= scores.max(axis=1, keepdims=True) - SENTENCE_MARGIN, scores, -1)
        rows.append(scores.max(axis=0) if len(sentences) else np.full(scores.shape[1], -1.0))
    return np.array(rows)


def threshold_sweep(tagger: Tagger, texts: list[str], records: list[dict[str, Any]],
                    thresholds: np.ndarray) -> list[dict[str, float]]:
    """Cause scores at each global threshold (per-cause thresholds in the taxonomy ignored)."""
    matrix = story_cause_scores(tagger, texts)
    ids = [c.id for c in tagger.taxonomy.causes]
    gold = [set(r.get("causes") or []) for r in records]
    results = []
    for threshold in thresholds:
        predicted = [{ids[j] for j in np.flatnonzero(row >= threshold)} for row in matrix]
        results.append({"threshold": float(threshold), **cause_scores(gold, predicted)})
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Evaluate the tagger on labelled stories.")
    parser.add_argument("path", type=Path)
    parser.add_argument("--text-field", default="text")
    parser.add_argument("--sweep", action="store_true", help="also sweep the cause threshold")
    args = parser.parse_args(argv)
    tagger = load_tagger()
    texts, records = read_labelled(args.path, args.text_field)
    print(f"{tagger.model_version}: {len(texts)} stories")
    for name, value in evaluate(tagger, texts, records).items():
        print(f"{name:24s} {value:.3f}")
    if args.sweep:
        for row in threshold_sweep(tagger, texts, records, np.arange(0.30, 0.66, 0.025)):
            print("  ".join(f"{k}={v:.3f}" for k, v in row.items()))


if __name__ == "__main__":
    main()
