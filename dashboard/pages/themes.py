"""Emerging themes: complaints the taxonomy has no cause for yet, grouped by what they say.

Each theme is a group of similar negative stories that no cause explains, named by the words that
set it apart, with its volume, its brands and its weekly trend, and the stories themselves (as
plain text: story text is untrusted, and so are the words taken from it). The command that turns
a theme into a cause is shown beside it; the page itself never edits the taxonomy.
docs/themes.md explains the grouping.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from storywatch.dashboard.data import current_workdir, fetch, has_tagged_stories
from storywatch.warehouse.themes import find_themes

ALL = "All brands"


def theme_stories(theme) -> pd.DataFrame:
    """The theme's stories, the most typical first, as a plain-text table."""
    return pd.DataFrame([{"published": s.published_at, "brand": s.brand, "story": s.headline,
                          "text": s.body, "link": s.url} for s in theme.stories])


def weekly_frame(theme) -> pd.DataFrame:
    """Stories per complete week, one bar per week (labelled by its Monday)."""
    return pd.DataFrame({"week of": [f"{week:%Y-%m-%d}" for week, _ in theme.weekly],
                         "stories": [count for _, count in theme.weekly]}).set_index("week of")


def show_theme(theme, key: str) -> None:
    with st.container(border=True):
        st.text(f"{theme.id} · {', '.join(theme.words) or 'no distinctive words'}")
        brands = ", ".join(f"{brand} {count}" for brand, count in theme.brands)
        left, middle, right = st.columns(3)
        left.metric("Stories", theme.volume)
        middle.metric("Last 4 weeks", theme.recent, delta=theme.recent - theme.before,
                      delta_color="inverse")
        right.metric("Trend", theme.trend)
        st.text(f"Brands: {brands}")
        st.bar_chart(weekly_frame(theme), y="stories", height=160)
        st.dataframe(theme_stories(theme), hide_index=True, key=f"{key}_stories",
                     column_config={
                         "published": st.column_config.DatetimeColumn(format="YYYY-MM-DD"),
                         "text": st.column_config.TextColumn(width="large"),
                         "link": st.column_config.LinkColumn("link")})
        st.caption("Make it a cause of your taxonomy (then run `storywatch tag`):")
        st.code(f'storywatch themes promote {theme.id} --cause CAUSE_ID --name "Name" '
                "--owner Operations", language="bash")


st.title("Emerging themes")
st.caption("Negative stories that no cause explains, grouped by what they say: complaints the "
           "taxonomy has no name for yet.")

workdir = current_workdir()
if workdir is not None and has_tagged_stories(workdir):
    report = fetch(workdir, find_themes)
    if report is not None:
        left, right = st.columns(2)
        left.metric("Negative stories no cause explains", report.unexplained)
        right.metric("Themes", len(report.themes))
        if report.left_out:
            st.caption(f"{report.left_out} unexplained stories have no cached vector and are "
                       "not grouped; `storywatch tag` with [tagging] cache_embeddings = true "
                       "adds them.")
        if not report.themes:
            st.info("No emerging theme: the unexplained negative stories are too few or too "
                    "unlike each other (a theme needs at least three similar stories).")
        else:
            brands = sorted({brand for theme in report.themes for brand, _ in theme.brands})
            brand = st.selectbox("Brand", [ALL, *brands], key="themes_brand")
            shown = [t for t in report.themes
                     if brand == ALL or brand in {b for b, _ in t.brands}]
            for theme in shown:
                show_theme(theme, key=f"themes_{theme.id}")
