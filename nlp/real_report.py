"""The real-data suite's report: one table per set, a summary over all sets, and its JSON.

Every table has one column per system (the tagger, the keyword baseline, MiniLM zero-shot), so
each figure is read next to both baselines. Per-class lines show precision/recall/F1; `n` is the
number of rows (or gold labels, or rated causes) the figure is over. '-' means the set's labels
do not support the figure for that system.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from storywatch.nlp.real_eval import SetResult

COLUMNS = {"tagger": "tagger", "keyword": "keyword", "zero_shot": "MiniLM zero-shot"}
WIDTH = 17
HEADLINES = (("sentiment", "macro_f1", "sentiment macro-F1"),
             ("stars", "agreement", "star agreement (1-2 vs 4-5)"),
             ("stars", "neutral_share", "tagged neutral, rated 1-2/4-5"),
             ("causes", "macro_f1", "cause macro-F1"),
             ("causes", "micro_f1", "cause micro-F1"),
             ("owners", "accuracy", "owner accuracy"),
             ("polarity", "linkage", "rated causes linked"),
             ("polarity", "accuracy", "linked with rated polarity"))


def _value(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def _prf(scores: dict[str, float] | None) -> str:
    if scores is None:
        return "-"
    return f"{scores['precision']:.2f}/{scores['recall']:.2f}/{scores['f1']:.2f}"


def _line(label: str, cells: list[str]) -> str:
    return f"  {label:<40}" + "".join(f"{c:>{WIDTH}}" for c in cells)


def _header(systems: list[str]) -> str:
    return _line("metric", [COLUMNS.get(s, s) for s in systems])


def _figure_lines(result: SetResult, part: str, label: str,
                  keys: tuple[tuple[str, str], ...]) -> list[str]:
    systems = list(result.scores)
    figures = [result.scores[s].get(part) for s in systems]
    first = next((f for f in figures if f), None)
    if first is None:
        return []
    count = first.get("rows", first.get("rated"))
    lines = []
    for i, (key, name) in enumerate(keys):
        suffix = f" (n={count})" if i == 0 else ""
        lines.append(_line(f"{label} {name}{suffix}", [_value(f.get(key)) if f else "-"
                                                       for f in figures]))
    classes = list(dict.fromkeys(c for f in figures if f for c in f.get("per_class", {})))
    for cls in classes:
        support = max(int(f["per_class"].get(cls, {}).get("support", 0)) for f in figures if f)
        lines.append(_line(f"  {cls} P/R/F1 (n={support})",
                           [_prf(f["per_class"].get(cls)) if f else "-" for f in figures]))
    return lines


def render_set(result: SetResult) -> str:
    """The set's table: metric | tagger | keyword | MiniLM zero-shot."""
    s = result.set
    where = f" ({s.file})" if s.file else ""
    lines = [f"== {s.name}: {s.title}{where}; {result.rows} of {result.test_rows} test rows ==",
             _header(list(result.scores))]
    lines += _figure_lines(result, "sentiment", "sentiment", (("macro_f1", "macro-F1"),
                                                              ("accuracy", "accuracy")))
    lines += _figure_lines(result, "stars", "stars", (("agreement", "agreement"),
                                                      ("macro_f1", "macro-F1"),
                                                      ("neutral_share", "tagged neutral")))
    lines += _figure_lines(result, "causes", "causes", (("macro_f1", "macro-F1"),
                                                        ("micro_f1", "micro-F1")))
    lines += _figure_lines(result, "owners", "owners", (("accuracy", "accuracy"),
                                                        ("macro_f1", "macro-F1"),
                                                        ("micro_f1", "micro-F1")))
    lines += _figure_lines(result, "polarity", "rated causes", (("linkage", "linked"),
                                                                ("accuracy", "right polarity")))
    seconds = ", ".join(f"{COLUMNS.get(k, k)} {v:.1f}s" for k, v in result.seconds.items())
    lines.append(f"  time: {seconds}")
    return "\n".join(lines)


def render_summary(results: list[SetResult]) -> str:
    """One line per set and headline figure, all three systems side by side."""
    if not results:
        return "== summary: no set was scored =="
    systems = list(results[0].scores)
    lines = ["== summary over all sets (headline figures) ==",
             f"  {'set':<20}" + _header(systems)[2:]]
    for result in results:
        for part, key, label in HEADLINES:
            figures = [result.scores[s].get(part) for s in systems]
            if any(figures):
                cells = [_value(f.get(key)) if f else "-" for f in figures]
                lines.append(f"  {result.set.name:<20}" + _line(label, cells)[2:])
    return "\n".join(lines)


def write_json(path: Path, results: list[SetResult], skipped: dict[str, str],
               meta: dict[str, Any]) -> None:
    """Everything the tables show, per set and system, as JSON (for comparing runs)."""
    document = {**meta, "skipped": skipped, "sets": {
        r.set.name: {"title": r.set.title, "file": r.set.file, "test_rows": r.test_rows,
                     "rows": r.rows, "scored_causes": list(r.set.causes), "seconds": r.seconds,
                     "scores": r.scores} for r in results}}
    Path(path).write_text(json.dumps(document, indent=2, sort_keys=False) + "\n",
                          encoding="utf-8")
