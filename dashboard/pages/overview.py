"""Overview: are we fostering positive or negative stories, against our competitors?

Net story score per brand per week, story volume, each brand's change in the latest week, the
three stories most worth reading, and the exec report as a download.
"""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from storywatch.dashboard.data import (
    chart_download,
    current_workdir,
    fetch,
    fetch_report_files,
    has_tagged_stories,
    show_table,
)
from storywatch.dashboard.filters import sidebar_filters
from storywatch.dashboard.story_view import show_story
from storywatch.reports.charts import bars_png, trend_png

st.title("Overview")
st.caption("Net story score = 100 × (positive − negative) / tagged stories, from −100 to +100.")


def week_change(weekly: pd.DataFrame, brand: str) -> float | None:
    """The brand's score in its latest week minus the week before (None with one week)."""
    scores = weekly.loc[weekly["brand"] == brand, "net_story_score"]
    return None if len(scores) < 2 else round(scores.iloc[-1] - scores.iloc[-2], 1)


workdir = current_workdir()
if workdir is not None and has_tagged_stories(workdir):
    filters = sidebar_filters(workdir)
    headline = fetch(workdir, "brand_net_score", **filters)
    weekly = fetch(workdir, "weekly_net_score", **filters)
    if headline is not None and headline.empty:
        st.info("No tagged stories match the sidebar's filters: widen the dates or clear a filter.")
    elif headline is not None and weekly is not None:
        columns = st.columns(max(len(headline), 1))
        for column, row in zip(columns, headline.itertuples(), strict=False):
            side = "competitor" if row.is_competitor else "ours"
            change = week_change(weekly, row.brand)
            column.metric(f"{row.brand} ({side})", f"{row.net_story_score:+.1f}",
                          delta=None if change is None else f"{change:+.1f} this week",
                          help=f"{row.stories} tagged stories: {row.positive} positive, "
                               f"{row.negative} negative")
        st.subheader("Net story score per week")
        trend = alt.Chart(weekly).mark_line(point=True).encode(
            x=alt.X("week:T", title="Week"),
            y=alt.Y("net_story_score:Q", title="Net story score",
                    scale=alt.Scale(domain=[-100, 100])),
            color=alt.Color("brand:N", title="Brand"),
            strokeDash=alt.StrokeDash("is_competitor:N", title="Competitor"),
            tooltip=["brand", "week:T", "net_story_score", "stories", "positive", "negative"],
        )
        st.altair_chart(trend, width="stretch", key="overview_trend")
        chart_download(trend_png(weekly, "Net story score per week"), "overview_trend",
                       "net-story-score")
        st.subheader("Stories per week")
        volume = alt.Chart(weekly).mark_bar().encode(
            x=alt.X("week:T", title="Week"),
            y=alt.Y("stories:Q", title="Tagged stories"),
            color=alt.Color("brand:N", title="Brand"),
            xOffset="brand:N",
            tooltip=["brand", "week:T", "stories", "positive", "negative", "neutral"],
        )
        st.altair_chart(volume, width="stretch", key="overview_volume")
        chart_download(bars_png(weekly, "Stories per week", "week", "brand", "stories",
                                "Tagged stories"), "overview_volume", "stories-per-week")
        st.subheader("Weekly table")
        show_table(weekly, "overview_table", "weekly-net-story-score",
                   column_config={"week": st.column_config.DateColumn("week")})
        st.subheader("Three stories most worth reading")
        st.caption("Most helpful votes first, then the longest.")
        top = fetch(workdir, "top_stories", **filters)
        for number, story in enumerate(top.itertuples() if top is not None else []):
            with st.container(border=True):
                show_story(story, key=f"overview_story_{number}")
        st.subheader("Exec report")
        kind = st.radio("Period", ["week", "month"], horizontal=True, key="overview_report_period")
        files = fetch_report_files(workdir, kind, filters["end"])
        if files is not None:
            left, right = st.columns(2)
            for column, name in ((left, "html"), (right, "pdf")):
                file_name, content = files[name]
                column.download_button(f"Download report ({name.upper()})", content,
                                       file_name=file_name, key=f"overview_report_{name}",
                                       mime="text/html" if name == "html" else "application/pdf")
