"""The competitor comparison as cells a person can read: per cause, our score and each
competitor's, with volumes, "no data" and "too few stories" said as such.

Built from the competitor gap (one row per cause and competitor) and used by the dashboard's
Competitors page and the report's chart alike. A cell's `label` is what it shows: the score and
its volume ("+14 · 7 stories"), "too few (3)" below the minimum volume, or "no data". `fill` and
`text` are its colours on the shared diverging scale (storywatch.reports.palette), so the text
stays readable on every background.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from storywatch.nlp.cause_names import cause_name
from storywatch.reports.palette import NO_DATA, TOO_FEW, hex_colour, score_colour, text_colour

MIN_STORIES = 5
OURS_COLUMN = "Us"
CELL_COLUMNS = ["cause", "cause_name", "owner", "column", "brand", "competitor", "score",
                "stories", "gap", "state", "label", "fill", "text"]


def _stories(count: int) -> str:
    return f"{count} story" if count == 1 else f"{count} stories"


def cell_label(score: object, stories: int, min_stories: int = MIN_STORIES) -> tuple[str, str]:
    """(state, label): 'score', 'too_few' or 'no_data', and the text the cell shows."""
    if not stories or score is None or pd.isna(score):
        return "no_data", "no data"
    if stories < min_stories:
        return "too_few", f"too few ({stories})"
    return "score", f"{score:+.0f} · {_stories(stories)}"


def _cell(cause, owner, column, brand, competitor, score, stories, gap, min_stories) -> dict:
    stories = int(stories or 0)
    state, label = cell_label(score, stories, min_stories)
    if state == "score":
        background = score_colour(score)
        fill, text = hex_colour(background), text_colour(background)
    else:
        fill, text = (TOO_FEW if state == "too_few" else NO_DATA), "#444444"
    return {"cause": cause, "owner": owner, "column": column, "brand": brand,
            "competitor": competitor, "score": None if state == "no_data" else score,
            "stories": stories, "gap": gap, "state": state, "label": label, "fill": fill,
            "text": text}


def comparison_cells(
    gap: pd.DataFrame, cause_order: Sequence[str] = (), ours: str = OURS_COLUMN,
    min_stories: int = MIN_STORIES, labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per cause and column (ours first, then each competitor), causes in `cause_order`
    (others after it, by name). `gap` has the columns of the competitor_gap named query."""
    rows = []
    for cause, per_cause in gap.groupby("cause", sort=False):
        first = per_cause.iloc[0]
        rows.append(_cell(cause, first["owner"], ours, ours, None, first["our_net_score"],
                          first["our_stories"], None, min_stories))
        for row in per_cause.itertuples():
            rows.append(_cell(cause, row.owner, row.competitor, row.competitor, row.competitor,
                              row.competitor_net_score, row.competitor_stories, row.gap,
                              min_stories))
    cells = pd.DataFrame(rows, columns=[c for c in CELL_COLUMNS if c != "cause_name"])
    cells.insert(1, "cause_name", [cause_name(cause, labels) for cause in cells["cause"]])
    ranked = list(cause_order) + sorted(set(cells["cause"]) - set(cause_order))
    rank = {cause: number for number, cause in enumerate(ranked)}
    columns = [ours, *sorted(set(cells["column"]) - {ours})]
    cells["row_rank"] = cells["cause"].map(rank)
    cells["column_rank"] = cells["column"].map(columns.index)
    return cells.sort_values(["row_rank", "column_rank"], kind="stable").reset_index(drop=True)
