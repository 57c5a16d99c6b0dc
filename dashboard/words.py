"""Words and colours users read: causes by their taxonomy name, human column names, whole-number
counts, ratings as stars, and each brand in its one colour (storywatch.reports.palette).

Tables keep their data columns (a CSV download is the data); only what the table shows changes:
`table_options()` gives the st.dataframe options that name and format every column and show a
readable twin in place of a raw id (`cause_name` for `cause`, `side` in words for the
`is_competitor` checkbox).
"""
from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from storywatch.dashboard.data import fetch_quietly
from storywatch.nlp.cause_names import cause_name
from storywatch.reports.palette import brand_colours
from storywatch.warehouse import queries

# Column -> (label, kind): "count" shows whole numbers, "score" a signed decimal, "percent" an
# unsigned one, "date" a day, "text" as is.
COLUMNS = {
    "brand": ("Brand", "text"), "side": ("Side", "text"), "week": ("Week", "date"),
    "cause_name": ("Cause", "text"), "owner": ("Owner", "text"),
    "competitor": ("Competitor", "text"), "stories": ("Stories", "count"),
    "positive": ("Positive", "count"), "negative": ("Negative", "count"),
    "neutral": ("Neutral", "count"), "net_story_score": ("Net story score", "score"),
    "share": ("Share of the brand's stories (%)", "percent"),
    "score_all": ("Score, all stories", "score"),
    "score_without": ("Score without this cause", "score"),
    "impact": ("Impact (points)", "score"), "impact_low": ("Impact, 95% from", "score"),
    "impact_high": ("Impact, 95% to", "score"),
    "what_if_score": ("Score if its complaints were neutral", "score"),
    "too_few": ("Too few stories to judge", "text"),
    "our_stories": ("Our stories", "count"), "our_net_score": ("Our score", "score"),
    "competitor_stories": ("Their stories", "count"),
    "competitor_net_score": ("Their score", "score"), "gap": ("Gap (ours − theirs)", "score"),
    "negative_share": ("Negative, % of stories", "percent"),
    "net_stories": ("Net stories", "count"), "previous_stories": ("Stories before", "count"),
    "previous_net_stories": ("Net stories before", "count"),
    "previous_net_score": ("Score before", "score"), "moved": ("Moved (net stories)", "count"),
    "brand_stories": ("Brand's stories", "count"), "replies": ("Replies", "count"),
    "classified": ("Classified", "count"), "helpful": ("Helpful", "count"),
    "apologetic": ("Apologetic", "count"), "policy_citing": ("Citing policy", "count"),
}
# Raw columns hidden when the table carries their readable form.
HIDDEN = {"cause": "cause_name", "is_competitor": "side"}


def with_words(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with `cause_name` for `cause` and `side` for `is_competitor`, added at the end
    (the data keeps its column order; `table_options` shows them in place of the raw ones)."""
    frame = frame.copy()
    if "cause" in frame and "cause_name" not in frame:
        frame["cause_name"] = [cause_name(cause) for cause in frame["cause"]]
    if "is_competitor" in frame and "side" not in frame:
        frame["side"] = ["competitor" if flag else "ours" for flag in frame["is_competitor"]]
    return frame


def _shown_order(frame: pd.DataFrame) -> list[str]:
    """Columns as shown: a readable twin in its raw column's place, the raw one hidden."""
    raw_of = {twin: raw for raw, twin in HIDDEN.items()}
    order: list[str] = []
    for column in frame.columns:
        if raw_of.get(column) in frame.columns:
            continue  # shown in its raw column's place
        twin = HIDDEN.get(column)
        order.append(twin if twin in frame.columns else column)
    return order


def table_options(frame: pd.DataFrame, **overrides: object) -> dict[str, object]:
    """st.dataframe options naming and formatting every column of `frame` (overrides win),
    showing readable twins in place of raw ids."""
    config: dict[str, object] = {}
    for column in frame.columns:
        label, kind = COLUMNS.get(column, (column.replace("_", " ").capitalize(), "text"))
        if kind == "count":
            config[column] = st.column_config.NumberColumn(label, format="%d")
        elif kind == "score":
            config[column] = st.column_config.NumberColumn(label, format="%+.1f")
        elif kind == "percent":
            config[column] = st.column_config.NumberColumn(label, format="%.1f")
        elif kind == "date":
            config[column] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        else:
            config[column] = st.column_config.TextColumn(label)
    config.update(overrides)
    return {"column_config": config, "column_order": _shown_order(frame)}


def named_causes(causes: object) -> str:
    """A story's list of cause ids ("billing, credit") in display names."""
    if causes is None or (not isinstance(causes, str) and pd.isna(causes)):
        return ""
    return ", ".join(cause_name(cause) for cause in str(causes).split(", "))


def brand_scale(workdir: Path) -> alt.Scale:
    """The Altair colour scale giving each brand its one colour across pages and filters."""
    known = fetch_quietly(workdir, queries.brands)
    pairs = [] if known is None else list(zip(known["brand"], known["is_competitor"],
                                              strict=True))
    colours = brand_colours(pairs)
    return alt.Scale(domain=list(colours), range=list(colours.values()))


def brand_colour_map(workdir: Path) -> dict[str, str]:
    """{brand: colour}, the same as brand_scale, for the PNG charts."""
    scale = brand_scale(workdir)
    return dict(zip(scale.domain, scale.range, strict=True))


def stars(rating: object) -> str:
    """A 0..1 rating ((stars - 1) / 4) as five stars: 0.0 is one star, 1.0 five."""
    if rating is None or pd.isna(rating):
        return "no rating"
    filled = max(1, min(5, round(1 + 4 * float(rating))))
    return "★" * filled + "☆" * (5 - filled) + f" ({filled}/5)"
