"""Overview: the net story score per brand per week, and how many stories each week brought."""
from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard.data import current_workdir, fetch, has_tagged_stories

st.title("Overview")
st.caption("Net story score = 100 × (positive − negative) / tagged stories, per brand per week.")

workdir = current_workdir()
if workdir is not None and has_tagged_stories(workdir):
    known = fetch(workdir, "brands")
    chosen = st.multiselect(
        "Brands", list(known["brand"]) if known is not None else [], key="overview_brands",
        placeholder="All brands",
    )
    brands = tuple(chosen) or None
    headline = fetch(workdir, "brand_net_score", brands=brands)
    weekly = fetch(workdir, "weekly_net_score", brands=brands)
    if headline is not None and weekly is not None:
        columns = st.columns(max(len(headline), 1))
        for column, row in zip(columns, headline.itertuples(), strict=False):
            side = "competitor" if row.is_competitor else "ours"
            column.metric(f"{row.brand} ({side})", f"{row.net_story_score:+.1f}",
                          help=f"{row.stories} tagged stories: {row.positive} positive, "
                               f"{row.negative} negative")
        st.subheader("Net story score per week")
        trend = alt.Chart(weekly).mark_line(point=True).encode(
            x=alt.X("week:T", title="Week"),
            y=alt.Y("net_story_score:Q", title="Net story score",
                    scale=alt.Scale(domain=[-100, 100])),
            color=alt.Color("brand:N", title="Brand"),
            tooltip=["brand", "week:T", "net_story_score", "stories", "positive", "negative"],
        )
        st.altair_chart(trend, width="stretch", key="overview_trend")
        st.subheader("Stories per week")
        volume = alt.Chart(weekly).mark_bar().encode(
            x=alt.X("week:T", title="Week"),
            y=alt.Y("stories:Q", title="Tagged stories"),
            color=alt.Color("brand:N", title="Brand"),
            xOffset="brand:N",
            tooltip=["brand", "week:T", "stories", "positive", "negative", "neutral"],
        )
        st.altair_chart(volume, width="stretch", key="overview_volume")
        st.subheader("Weekly table")
        st.dataframe(weekly, hide_index=True, key="overview_table",
                     column_config={"week": st.column_config.DateColumn("week")})
