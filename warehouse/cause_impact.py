"""Driver impact: which cause makes or breaks each brand's story.

Per brand and cause: the brand's net story score over all its tagged stories (`score_all`), the
same over its stories that do not name the cause (`score_without`), and `impact = score_all -
score_without` (below 0 the cause drags the brand down), with a 95% interval, the cause's volume
and share of the brand's stories, and `what_if_score`: the brand's score had the negative stories
that complain about the cause been neutral. Below `min_stories` a row is `too_few`: shown, never
ranked as if it could be judged. The rule lives once, in the table macro `cause_impact_over`
(migration 010), which the `cause_impact` view also calls; docs/sql.md explains the interval.
"""
from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pandas as pd

from storywatch.nlp.cause_names import cause_names
from storywatch.warehouse.report_rollups import relations

MIN_STORIES = 5
COLUMNS = ["brand", "is_competitor", "cause", "cause_name", "owner", "stories", "share",
           "score_all", "score_without", "impact", "impact_low", "impact_high", "what_if_score",
           "too_few"]
_LISTS = ("brands", "sources", "causes")


def macro_filters(**filters: object) -> tuple[str, list[object]]:
    """The `name := ?` arguments for the filters given, and their values; one left out (None or
    an empty list) stays NULL in the macro and filters nothing."""
    given = {}
    for name, value in filters.items():
        if value is None or (name in _LISTS and not value):
            continue
        given[name] = [str(item) for item in value] if name in _LISTS else value
    return "".join(f", {name} := ?" for name in given), list(given.values())


def cause_impact(
    con: duckdb.DuckDBPyConnection, brands=None, start=None, end=None, sources=None,
    causes=None, min_stories: int = MIN_STORIES, labels: Mapping[str, str] | None = None, *,
    rollups: bool = True,
) -> pd.DataFrame:
    """Impact rows (COLUMNS): our brands first, then competitors; within a brand, the cause
    that drags its score down most first, judgeable rows before `too_few` ones.

    `causes` only picks which causes are listed: the brand's scores still count all its stories.
    `labels` maps cause ids to display names (default: the packaged taxonomy's labels).
    The rollup tables are read while current (`rollups=False`: the views); same answer.
    """
    arguments, values = macro_filters(from_week=start, to_week=end, brands=brands,
                                      sources=sources, causes=causes)
    read = relations(con, rollups)
    frame = con.execute(f"""
        SELECT * FROM cause_impact_over(?, ?{arguments}, min_stories := ?)
        ORDER BY is_competitor, brand, too_few, impact, cause
    """, [read.causes, read.facts, *values, int(min_stories)]).df()
    frame.insert(3, "cause_name", cause_names(frame["cause"], labels))
    return frame.loc[:, COLUMNS]


def our_cause_order(impact: pd.DataFrame) -> list[str]:
    """Cause ids ranked by our impact (worst first); causes only competitors name come last.

    With several of our brands, a cause's impact is their stories-weighted mean.
    """
    ours = impact.loc[~impact["is_competitor"] & impact["impact"].notna()]
    weighted = (ours["impact"] * ours["stories"]).groupby(ours["cause"]).sum() \
        / ours.groupby("cause")["stories"].sum()
    ranked = list(weighted.sort_values(kind="stable").index)
    rest = sorted(set(impact["cause"]) - set(ranked))
    return ranked + rest


def strongest_causes(impact: pd.DataFrame, count: int | None) -> pd.DataFrame:
    """The rows of the `count` causes moving our score most either way (all when None), ranked
    as `our_cause_order` ranks them, each cause's brands ours first."""
    order = our_cause_order(impact)
    if count is not None:
        ours = impact.loc[~impact["is_competitor"]].groupby("cause")["impact"].sum()
        strongest = set(ours.abs().sort_values(ascending=False, kind="stable").index[:count])
        order = [cause for cause in order if cause in strongest] or order[:count]
    shown = impact.loc[impact["cause"].isin(order)]
    rank = shown["cause"].map(order.index)
    return shown.assign(rank=rank).sort_values(["rank", "is_competitor", "brand"],
                                               kind="stable").drop(columns="rank")
