"""Score the tagger and the two baselines on the real data sets: the real-data suite.

For every set (nlp.real_sets, the hand labels of nlp.real_labels, the project's own test
stories) the test rows are put in a fixed hashed order and the first `cap` are scored; all three
systems read the same rows in the same run. Figures, each only where the set's labels support it:
sentiment (per-class P/R/F1, macro-F1, accuracy) on rows with a sentiment label; stars (1-2
negative, 4-5 positive: agreement, macro-F1 over the two classes, share tagged neutral) on rated
rows; causes (per-cause P/R/F1, macro-F1 over causes present in gold, micro-F1) on rows whose
labels say which of the set's scored causes the text is about, with predictions outside those
causes ignored; owners (P/R/F1 of every owner predicted, owner accuracy: the strongest cause's
owner is a gold owner, or nothing linked when there is none) where the labels decide the owner;
cause linkage and polarity: of the causes the labels rate, the share the system links, and of
those the share whose evidence sentence has the rated polarity.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storywatch.errors import StorywatchError
from storywatch.nlp.baselines import Prediction
from storywatch.nlp.evaluation import multi_label_report, single_label_report, star_label
from storywatch.nlp.labelled import LabelledDataError
from storywatch.nlp.real_labels import read_hand_labels
from storywatch.nlp.real_sets import ALL, REAL_SETS, RealRow, RealSet, read_own_stories
from storywatch.nlp.real_split import order_key
from storywatch.nlp.sentiment import CLASSES
from storywatch.nlp.taxonomy import Taxonomy

DEFAULT_CAP = 600
HAND_LABELS = RealSet("hand_labels", None, "hand-labelled real texts (tests/data/real_labels), "
                      "hash test split", (ALL,), read_hand_labels)
OWN_STORIES = RealSet("own_stories", None, "the project's own hand-written test stories "
                      "(nlp.labelled test split)", (ALL,), read_own_stories)
SUITE: tuple[RealSet, ...] = (*REAL_SETS, HAND_LABELS, OWN_STORIES)
System = Callable[[list[str]], list[Prediction]]


class UnknownSet(StorywatchError, ValueError):
    """A set name given to the suite is not one of its sets."""


@dataclass
class SetResult:
    set: RealSet
    test_rows: int  # before the cap
    rows: int  # scored
    scores: dict[str, dict[str, Any]]  # system -> figures
    seconds: dict[str, float]


def tagger_system(tagger) -> System:
    """The tagger as a system: its sentiment and linked causes with their evidence sentiment."""
    def predict(texts: list[str]) -> list[Prediction]:
        return [Prediction(t.sentiment, tuple((c.cause, c.evidence_sentiment) for c in t.causes))
                for t in tagger.tag(texts)]
    return predict


def capped(rows: list[RealRow], file: str | None, cap: int | None) -> list[RealRow]:
    """The first `cap` rows in the fixed hashed order (all of them when cap is None)."""
    ordered = sorted(rows, key=lambda r: order_key(file or "", r.key))
    return ordered if cap is None else ordered[:cap]


def _per_class(report, labels: Sequence[str],
               predicted: set[str]) -> dict[str, dict[str, float]]:
    """Scores of the labels that occur in gold or were predicted (false alarms show too)."""
    return {label: report.per_class[label] for label in labels
            if report.per_class[label]["support"] or label in predicted}


def _micro_f1(gold: list[set[str]], predicted: list[set[str]]) -> float:
    tp = sum(len(g & p) for g, p in zip(gold, predicted))
    n_pred, n_gold = sum(map(len, predicted)), sum(map(len, gold))
    return 2 * tp / (n_pred + n_gold) if tp else 0.0


def _sentiment(rows: list[RealRow], preds: list[Prediction]) -> dict[str, Any] | None:
    pairs = [(r.sentiment, p.sentiment) for r, p in zip(rows, preds) if r.sentiment]
    if not pairs:
        return None
    report = single_label_report("sentiment", [g for g, _ in pairs], [p for _, p in pairs],
                                 list(CLASSES))
    return {"rows": len(pairs), "macro_f1": report.macro_f1, "accuracy": report.accuracy,
            "per_class": _per_class(report, CLASSES, {p for _, p in pairs})}


def _stars(rows: list[RealRow], preds: list[Prediction]) -> dict[str, Any] | None:
    pairs = [(star_label(r.stars), p.sentiment) for r, p in zip(rows, preds)
             if star_label(r.stars)]
    if not pairs:
        return None
    gold, predicted = [g for g, _ in pairs], [p for _, p in pairs]
    report = single_label_report("stars", gold, predicted, list(CLASSES))
    return {"rows": len(pairs), "agreement": report.accuracy, "macro_f1": report.macro_f1,
            "neutral_share": predicted.count("neutral") / len(predicted),
            "per_class": _per_class(report, ("negative", "positive"), set(predicted))}


def _causes(rows: list[RealRow], preds: list[Prediction],
            scored: list[str]) -> dict[str, Any] | None:
    pairs = [(set(r.causes), {c for c, _ in p.causes} & set(scored))
             for r, p in zip(rows, preds) if r.causes is not None]
    if not pairs or not scored:
        return None
    gold, predicted = [g for g, _ in pairs], [p for _, p in pairs]
    report = multi_label_report("causes", gold, predicted, scored)
    return {"rows": len(pairs), "macro_f1": report.macro_f1,
            "micro_f1": _micro_f1(gold, predicted),
            "per_class": _per_class(report, scored, set().union(*predicted))}


def _owners(rows: list[RealRow], preds: list[Prediction],
            owner_of: dict[str, str]) -> dict[str, Any] | None:
    pairs = [(set(r.owners), p) for r, p in zip(rows, preds) if r.owners is not None]
    if not pairs:
        return None
    gold = [g for g, _ in pairs]
    predicted = [{owner_of[c] for c, _ in p.causes} for _, p in pairs]
    right = sum((owner_of[p.causes[0][0]] in g) if g and p.causes else (not g and not p.causes)
                for g, p in pairs)
    owners = sorted(set(owner_of.values()))
    report = multi_label_report("owners", gold, predicted, owners)
    return {"rows": len(pairs), "accuracy": right / len(pairs), "macro_f1": report.macro_f1,
            "micro_f1": _micro_f1(gold, predicted),
            "per_class": _per_class(report, owners, set().union(*predicted))}


def _polarity(rows: list[RealRow], preds: list[Prediction]) -> dict[str, Any] | None:
    rated = linked = right = 0
    for row, pred in zip(rows, preds):
        evidence = dict(pred.causes)
        for cause, polarity in row.polarity.items():
            rated += 1
            if cause in evidence:
                linked += 1
                right += evidence[cause] == polarity
    if not rated:
        return None
    return {"rated": rated, "linked": linked, "linkage": linked / rated, "right": right,
            "accuracy": right / linked if linked else None}


def score_rows(rows: list[RealRow], preds: list[Prediction], scored: list[str],
               owner_of: dict[str, str]) -> dict[str, Any]:
    """Every figure the set's labels support, for one system's predictions on the rows."""
    figures = {"sentiment": _sentiment(rows, preds), "stars": _stars(rows, preds),
               "causes": _causes(rows, preds, scored), "owners": _owners(rows, preds, owner_of),
               "polarity": _polarity(rows, preds)}
    return {name: value for name, value in figures.items() if value is not None}


def load_rows(real_set: RealSet, data_dir: Path, taxonomy: Taxonomy) -> list[RealRow] | str:
    """The set's test rows, or one line saying why the set is skipped."""
    if real_set.file is not None and not (data_dir / real_set.file).is_file():
        return f"{real_set.file} is missing from {data_dir}"
    if real_set is HAND_LABELS and not data_dir.is_dir():
        return f"the shared data folder {data_dir} is absent (hand labels hold ids, not texts)"
    try:
        return real_set.read(data_dir, taxonomy)
    except LabelledDataError as error:
        return str(error)


def score_set(real_set: RealSet, rows: list[RealRow], systems: dict[str, System],
              taxonomy: Taxonomy, cap: int | None) -> SetResult:
    """Run every system on the set's capped rows and score them."""
    chosen = capped(rows, real_set.file, cap)
    texts = [r.text for r in chosen]
    owner_of = {c.id: c.owner for c in taxonomy.causes}
    scored = list(owner_of) if real_set.causes == (ALL,) else list(real_set.causes)
    scores, seconds = {}, {}
    for name, system in systems.items():
        start = time.perf_counter()
        preds = system(texts)
        seconds[name] = round(time.perf_counter() - start, 2)
        scores[name] = score_rows(chosen, preds, scored, owner_of)
    return SetResult(real_set, len(rows), len(chosen), scores, seconds)


def select_sets(names: Sequence[str] | None) -> list[RealSet]:
    """The suite's sets in suite order, or those named.

    Raises:
        UnknownSet: a name is not a set of the suite (the message lists them).
    """
    if not names:
        return list(SUITE)
    known = {s.name: s for s in SUITE}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownSet(f"unknown set(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    return [s for s in SUITE if s.name in names]


def run_suite(make_systems: Callable[[], dict[str, System]], taxonomy: Taxonomy,
              data_dir: Path, sets: Sequence[RealSet], cap: int | None,
              echo: Callable[[str], None]) -> tuple[list[SetResult], dict[str, str]]:
    """Score each set and echo its table (or one line saying why it is skipped).

    `make_systems` is called once, before the first set that has rows, so a run that skips
    every set loads no model.
    """
    from storywatch.nlp.real_report import render_set

    results: list[SetResult] = []
    skipped: dict[str, str] = {}
    systems: dict[str, System] | None = None
    for real_set in sets:
        rows = load_rows(real_set, data_dir, taxonomy)
        if isinstance(rows, str) or not rows:
            skipped[real_set.name] = rows or "no test rows"
            echo(f"\n{real_set.name}: skipped, {skipped[real_set.name]}.")
            continue
        systems = systems if systems is not None else make_systems()
        result = score_set(real_set, rows, systems, taxonomy, cap)
        results.append(result)
        echo("\n" + render_set(result))
    return results, skipped
