"""Causes & owners: which policies bring negative and positive stories, and who owns them.

Grouped by owner (Operations, Sales, Service, Finance, Product), so marketing can show which side
of the house is costing stories; the weekly trend of the causes named most, one small chart per
cause (a top-N picker chooses how many) rather than one tangle of lines; and the causes that
moved most since the previous week or month. Shares are per side or brand, so a big competitor
does not look worse only for having more stories. Causes read as the taxonomy names them.
"""
from __future__ import annotations

import altair as alt
import streamlit as st

from storywatch.dashboard.data import (
    chart_download,
    current_workdir,
    fetch,
    has_tagged_stories,
    show_table,
)
from storywatch.dashboard.filters import sidebar_filters
from storywatch.dashboard.policy_view import show_policy_changes
from storywatch.dashboard.words import table_options, with_words
from storywatch.reports.charts import bars_png, trend_png
from storywatch.reports.palette import COMPETITORS, OURS
from storywatch.warehouse import report_queries
from storywatch.warehouse.report_queries import period_ending

ALL = "All owners"
TOP_CHOICES = {"top 4": 4, "top 8": 8, "top 12": 12, "all": None}
SIDES = alt.Scale(domain=["ours", "competitor"], range=[OURS[0], COMPETITORS[0]])


def top_trend(trend, count: int | None):
    """The weekly rows of the `count` causes with most stories, and their names by volume."""
    volume = trend.groupby("cause_name")["stories"].sum().sort_values(ascending=False,
                                                                       kind="stable")
    names = list(volume.index[:count] if count else volume.index)
    return trend.loc[trend["cause_name"].isin(names)], names


def trend_chart(trend, names: list[str]) -> alt.FacetChart:
    """Small multiples: one score line per cause, a point's size its week's volume."""
    base = alt.Chart(trend).encode(
        x=alt.X("week:T", title=None),
        y=alt.Y("net_story_score:Q", title="Net story score",
                scale=alt.Scale(domain=[-100, 100])),
    )
    tooltip = [alt.Tooltip("cause_name:N", title="Cause"), alt.Tooltip("owner:N", title="Owner"),
               alt.Tooltip("week:T", title="Week"),
               alt.Tooltip("stories:Q", title="Stories", format="d"),
               alt.Tooltip("net_story_score:Q", title="Net story score", format="+.1f")]
    line = base.mark_line(color=OURS[0])
    points = base.mark_point(filled=True, color=OURS[0]).encode(
        size=alt.Size("stories:Q", title="Stories that week", scale=alt.Scale(range=[10, 200]),
                      legend=alt.Legend(format="d")), tooltip=tooltip)
    return alt.layer(line, points).properties(width=220, height=120).facet(
        facet=alt.Facet("cause_name:N", title=None, sort=names), columns=3)

st.title("Causes & owners")
st.caption("Which policies generate negative and positive stories, grouped by their owner.")

workdir = current_workdir()
if workdir is not None and has_tagged_stories(workdir):
    filters = sidebar_filters(workdir)
    owners = fetch(workdir, report_queries.owner_scores, **filters)
    if owners is not None and owners.empty:
        st.info("No causes found for these filters: widen the dates or clear a filter.")
    elif owners is not None:
        st.subheader("Negative stories by owner (% of the side's stories)")
        chart = alt.Chart(owners).mark_bar().encode(
            y=alt.Y("owner:N", title="Owner", sort="-x"),
            x=alt.X("negative_share:Q", title="% of stories: negative and naming the owner's causes"),
            color=alt.Color("side:N", title="Side", scale=SIDES), yOffset="side:N",
            tooltip=[alt.Tooltip("owner:N", title="Owner"), alt.Tooltip("side:N", title="Side"),
                     alt.Tooltip("stories:Q", title="Stories", format="d"),
                     alt.Tooltip("positive:Q", title="Positive", format="d"),
                     alt.Tooltip("negative:Q", title="Negative", format="d"),
                     alt.Tooltip("net_story_score:Q", title="Net story score", format="+.1f")],
        )
        st.altair_chart(chart, width="stretch", key="causes_owner_chart")
        chart_download(bars_png(owners, "Negative stories by owner (% of the side's stories)",
                                "owner", "side", "negative_share", "% of the side's stories",
                                {"ours": OURS[0], "competitor": COMPETITORS[0]}),
                       "causes_owner_chart", "owners")
        show_table(owners, "causes_owner_table", "owners", **table_options(owners))

        st.subheader("Causes that moved most (our brands)")
        kind = st.radio("Compare", ["week", "month"], horizontal=True, key="causes_movers_period",
                        format_func=lambda k: f"last {k} with the one before")
        end = filters["end"] or fetch(workdir, report_queries.latest_story_day)
        if end is not None:
            period = period_ending(kind, end)
            st.caption(f"{period.label} against the {kind} before; moved = change in net "
                       "stories (positive minus negative) naming the cause.")
            movers = fetch(workdir, report_queries.cause_movers, period=period, limit=10,
                           **{k: filters[k] for k in ("brands", "sources", "causes")})
            if movers is not None and movers.empty:
                st.info("No cause of our brands was named in these two periods: choose one of "
                        "our brands in the sidebar, or wider dates.")
            elif movers is not None:
                movers = with_words(movers)
                show_table(movers, "causes_movers_table", f"movers-{period.slug}",
                           **table_options(movers))

        st.subheader("Trend per cause (our brands)")
        trend = fetch(workdir, report_queries.cause_trend, **filters)
        if trend is not None and not trend.empty:
            trend = with_words(trend)
            picked = st.radio("Causes", list(TOP_CHOICES), horizontal=True,
                              key="causes_trend_top",
                              help="The causes named in most of our stories, one chart each.")
            shown, names = top_trend(trend, TOP_CHOICES[picked])
            st.caption("One chart per cause, most stories first; a point's size is the number "
                       "of stories that week.")
            st.altair_chart(trend_chart(shown, names), key="causes_trend_chart")
            chart_download(trend_png(shown, "Net story score per cause (our brands)",
                                     by="cause_name"), "causes_trend_chart", "cause-trend")
            show_table(trend, "causes_trend_table", "cause-trend", **table_options(trend))

        show_policy_changes(workdir, filters)

        st.subheader("Stories per cause, owner and brand")
        found = sorted(set(owners["owner"]))
        owner = st.selectbox("Owner", [ALL, *found], key="causes_owner")
        counts = fetch(workdir, report_queries.cause_counts,
                       owner=None if owner == ALL else owner, **filters)
        if counts is not None:
            counts = with_words(counts)
            show_table(counts, "causes_table", "cause-counts", **table_options(counts))
