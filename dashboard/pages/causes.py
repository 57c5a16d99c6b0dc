"""Causes & owners: which policies bring negative and positive stories, and who owns them.

Grouped by owner (Operations, Sales, Service, Finance, Product), so marketing can show which side
of the house is costing stories; the weekly trend per cause; and the causes that moved most
since the previous week or month. Shares are per side or brand, so a big competitor does not
look worse only for having more stories.
"""
from __future__ import annotations

import altair as alt
import streamlit as st

from storywatch.dashboard.data import chart_download, current_workdir, fetch, has_tagged_stories, show_table
from storywatch.dashboard.filters import sidebar_filters
from storywatch.reports.charts import bars_png, trend_png
from storywatch.warehouse.report_queries import period_ending

ALL = "All owners"

st.title("Causes & owners")
st.caption("Which policies generate negative and positive stories, grouped by their owner.")

workdir = current_workdir()
if workdir is not None and has_tagged_stories(workdir):
    filters = sidebar_filters(workdir)
    owners = fetch(workdir, "owner_scores", **filters)
    if owners is not None and owners.empty:
        st.info("No causes found for these filters: widen the dates or clear a filter.")
    elif owners is not None:
        st.subheader("Negative stories by owner (% of the side's stories)")
        chart = alt.Chart(owners).mark_bar().encode(
            y=alt.Y("owner:N", title="Owner", sort="-x"),
            x=alt.X("negative_share:Q", title="% of stories: negative and naming the owner's causes"),
            color=alt.Color("side:N", title="Side"), yOffset="side:N",
            tooltip=["owner", "side", "stories", "positive", "negative", "net_story_score"],
        )
        st.altair_chart(chart, width="stretch", key="causes_owner_chart")
        chart_download(bars_png(owners, "Negative stories by owner (% of the side's stories)",
                                "owner", "side", "negative_share", "% of the side's stories"),
                       "causes_owner_chart", "owners")
        show_table(owners, "causes_owner_table", "owners")

        st.subheader("Causes that moved most (our brands)")
        kind = st.radio("Compare", ["week", "month"], horizontal=True, key="causes_movers_period",
                        format_func=lambda k: f"last {k} with the one before")
        end = filters["end"] or fetch(workdir, "latest_story_day")
        if end is not None:
            period = period_ending(kind, end)
            st.caption(f"{period.label} against the {kind} before; moved = change in net "
                       "stories (positive minus negative) naming the cause.")
            movers = fetch(workdir, "cause_movers", period=period, limit=10,
                           **{k: filters[k] for k in ("brands", "sources", "causes")})
            if movers is not None and movers.empty:
                st.info("No cause of our brands was named in these two periods: choose one of "
                        "our brands in the sidebar, or wider dates.")
            elif movers is not None:
                show_table(movers, "causes_movers_table", f"movers-{period.slug}")

        st.subheader("Trend per cause (our brands)")
        trend = fetch(workdir, "cause_trend", **filters)
        if trend is not None and not trend.empty:
            line = alt.Chart(trend).mark_line(point=True).encode(
                x=alt.X("week:T", title="Week"),
                y=alt.Y("net_story_score:Q", title="Net story score",
                        scale=alt.Scale(domain=[-100, 100])),
                color=alt.Color("cause:N", title="Cause"),
                tooltip=["cause", "owner", "week:T", "stories", "net_story_score"],
            )
            st.altair_chart(line, width="stretch", key="causes_trend_chart")
            chart_download(trend_png(trend, "Net story score per cause (our brands)", by="cause"),
                           "causes_trend_chart", "cause-trend")
            show_table(trend, "causes_trend_table", "cause-trend",
                       column_config={"week": st.column_config.DateColumn("week")})

        st.subheader("Stories per cause, owner and brand")
        found = sorted(set(owners["owner"]))
        owner = st.selectbox("Owner", [ALL, *found], key="causes_owner")
        counts = fetch(workdir, "cause_counts", owner=None if owner == ALL else owner, **filters)
        if counts is not None:
            show_table(counts, "causes_table", "cause-counts")
