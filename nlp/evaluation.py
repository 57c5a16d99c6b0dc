"""Measure the tagger: per-class precision/recall/F1, macro-F1 and confusion matrices.

`evaluate_split` scores sentiment (3 classes), causes (multi-label, per cause) and owners on the
hand-labelled stories of one split (nlp.labelled: `test` is held out from all training and tuning,
`dev` picked the hyper-parameters). Owner accuracy: a story with gold causes is right when the owner
of its strongest predicted cause is among the owners of its gold causes; a story without gold
causes is right when no cause is predicted. Cause polarity: of the gold causes that are linked,
the share whose evidence sentence has the polarity the labeller gave that cause (so a negative
cause in a positive story is read as negative), over all such stories and over mixed ones (a cause
polarity differs from the story's sentiment). `star_agreement` compares story sentiment with star
ratings (1-2 negative, 4-5 positive; 3 left out), from the warehouse or the Alexa reviews CSV.
`storywatch eval` prints these reports.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storywatch.nlp.labelled import LabelledStory
from storywatch.nlp.sentiment import CLASSES
from storywatch.nlp.tagger import Tagger

NONE = "(none)"


@dataclass
class ClassReport:
    """Per-class scores and a confusion matrix (rows gold, columns predicted)."""
    name: str
    labels: list[str]
    per_class: dict[str, dict[str, float]]
    macro_f1: float
    accuracy: float | None
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    support: int = 0
    accuracy_name: str = "accuracy"  # multi-label: "exact-set accuracy" (the whole set right)

    def render(self) -> str:
        head = f"{self.name}: macro-F1 {self.macro_f1:.3f}"
        if self.accuracy is not None:
            head += f", {self.accuracy_name} {self.accuracy:.3f}"
        lines = [f"{head} ({self.support} stories)",
                 f"  {'class':<16}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}"]
        for label in self.labels:
            s = self.per_class[label]
            lines.append(f"  {label:<16}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}"
                         f"{int(s['support']):>9}")
        if self.confusion:
            columns = list(next(iter(self.confusion.values())))
            lines.append("  confusion (rows gold, columns predicted):")
            lines.append("  " + " " * 16 + "".join(f"{c[:8]:>9}" for c in columns))
            for gold, row in self.confusion.items():
                lines.append(f"  {gold:<16}" + "".join(f"{row[c]:>9}" for c in columns))
        return "\n".join(lines)


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": n_gold}


def single_label_report(name: str, gold: list[str], predicted: list[str],
                        labels: list[str]) -> ClassReport:
    """Per-class P/R/F1 (macro over classes present in gold) and the confusion matrix."""
    per_class = {}
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        per_class[label] = _prf(tp, predicted.count(label), gold.count(label))
    present = [lab for lab in labels if per_class[lab]["support"]]
    confusion = {g: {p: sum(a == g and b == p for a, b in zip(gold, predicted)) for p in labels}
                 for g in labels}
    return ClassReport(name, labels, per_class,
                       sum(per_class[lab]["f1"] for lab in present) / max(len(present), 1),
                       sum(g == p for g, p in zip(gold, predicted)) / max(len(gold), 1),
                       confusion, len(gold))


def multi_label_report(name: str, gold: list[set[str]], predicted: list[set[str]],
                       labels: list[str]) -> ClassReport:
    """Per-label P/R/F1 over stories; macro-F1 over labels that occur in gold.

    The confusion matrix counts, for each gold label, the labels predicted on the same stories
    ('(none)' when a story got no label, or has none in gold).
    """
    per_class = {}
    for label in labels:
        tp = sum(label in g and label in p for g, p in zip(gold, predicted))
        per_class[label] = _prf(tp, sum(label in p for p in predicted),
                                sum(label in g for g in gold))
    present = [lab for lab in labels if per_class[lab]["support"]]
    columns = [*labels, NONE]
    confusion = {g: dict.fromkeys(columns, 0) for g in columns}
    for g_set, p_set in zip(gold, predicted):
        for g in g_set or {NONE}:
            for p in p_set or {NONE}:
                confusion[g][p] += 1
    exact = sum(g == p for g, p in zip(gold, predicted)) / max(len(gold), 1)
    return ClassReport(name, labels, per_class,
                       sum(per_class[lab]["f1"] for lab in present) / max(len(present), 1),
                       exact, confusion, len(gold), "exact-set accuracy")


def evaluate_split(tagger: Tagger, stories: list[LabelledStory]) -> dict[str, Any]:
    """Sentiment, cause and owner reports for labelled stories, plus owner accuracy."""
    tags = tagger.tag([s.text for s in stories])
    owner_of = {c.id: c.owner for c in tagger.taxonomy.causes}
    cause_ids = list(owner_of)
    owners = sorted(set(owner_of.values()))
    gold_causes = [{c for c in s.causes if c in owner_of} for s in stories]
    pred_causes = [{c.cause for c in t.causes} for t in tags]
    gold_owners = [{owner_of[c] for c in g} for g in gold_causes]
    pred_owners = [{c.owner for c in t.causes} for t in tags]
    right = 0
    for g, t in zip(gold_owners, tags):
        right += (t.causes[0].owner in g) if g and t.causes else (not g and not t.causes)
    primary_gold = [owner_of[s.causes[0]] if s.causes and s.causes[0] in owner_of else NONE
                    for s in stories]
    primary_pred = [t.causes[0].owner if t.causes else NONE for t in tags]
    polarity = _cause_polarity(stories, tags)
    return {
        "sentiment": single_label_report("sentiment", [s.sentiment for s in stories],
                                         [t.sentiment for t in tags], list(CLASSES)),
        "causes": multi_label_report("causes", gold_causes, pred_causes, cause_ids),
        "owners": multi_label_report("owners", gold_owners, pred_owners, owners),
        "primary_owner": single_label_report("primary owner (first gold cause vs strongest)",
                                             primary_gold, primary_pred, [*owners, NONE]),
        "owner_accuracy": right / max(len(stories), 1),
        "cause_polarity": polarity,
        "stories": len(stories),
    }


def _cause_polarity(stories: list[LabelledStory], tags: list) -> dict[str, tuple[int, int]]:
    """{'all': (right, linked), 'mixed': (right, linked)}: evidence sentiment vs cause polarity."""
    counts = {"all": [0, 0], "mixed": [0, 0]}
    for story, tagged in zip(stories, tags):
        polarity = story.cause_polarity
        mixed = bool(polarity) and set(polarity.values()) != {story.sentiment}
        for cause in tagged.causes:
            if cause.cause not in polarity:
                continue
            right = cause.evidence_sentiment == polarity[cause.cause]
            for key in ("all", "mixed") if mixed else ("all",):
                counts[key][0] += right
                counts[key][1] += 1
    return {key: (right, linked) for key, (right, linked) in counts.items()}


def star_label(stars: float | None) -> str | None:
    if stars is None:
        return None
    return "negative" if stars <= 2 else "positive" if stars >= 4 else None


def star_agreement(tagger: Tagger | None, texts: list[str], stars: list[float],
                   sentiments: list[str] | None = None) -> dict[str, Any]:
    """Agreement of story sentiment with stars (1-2 negative, 4-5 positive, 3 left out).

    Pass `sentiments` when the stories are tagged already (warehouse), else they are tagged here.
    """
    if sentiments is None:
        sentiments = [t.sentiment for t in tagger.tag(texts)]
    pairs = [(star_label(s), p) for s, p in zip(stars, sentiments) if star_label(s)]
    gold, predicted = [g for g, _ in pairs], [p for _, p in pairs]
    report = single_label_report("sentiment vs stars", gold, predicted, list(CLASSES))
    return {"report": report, "rated": len(pairs),
            "agreement": sum(g == p for g, p in pairs) / max(len(pairs), 1),
            "neutral_share": predicted.count("neutral") / max(len(predicted), 1)}


def read_alexa(path: Path, limit: int | None = None,
               held_out_only: bool = True) -> tuple[list[str], list[float]]:
    """Texts and star ratings of the Amazon Alexa reviews CSV (every row, or the first `limit`).

    With `held_out_only` (the default) only the half that training never sees is read
    (nlp.train_sentiment.alexa_half), so the agreement is a held-out figure.
    """
    from storywatch.nlp.train_sentiment import alexa_half

    texts, stars = [], []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = row.get("text", "")
            if held_out_only and alexa_half(text.strip()) != "held_out":
                continue
            if text.strip():
                texts.append(row["text"])
                stars.append(float(row["rating"]))
            if limit and len(texts) >= limit:
                break
    return texts, stars


def warehouse_ratings(workdir: Path) -> tuple[list[float], list[str]]:
    """(stars 1..5, sentiment) of the tagged, rated stories of a storywatch workdir's warehouse."""
    from storywatch.warehouse.sql import run_query

    frame = run_query(workdir, "SELECT rating, sentiment FROM story_facts "
                               "WHERE rating IS NOT NULL AND sentiment IS NOT NULL")
    # The warehouse keeps ratings normalised to 0..1 ((stars - 1) / 4); star_label wants 1..5.
    return [1.0 + 4.0 * float(r) for r in frame["rating"]], [str(s) for s in frame["sentiment"]]
