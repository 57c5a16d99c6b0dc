"""Overview: are we fostering positive or negative stories, against our competitors, and why?

Net story score per brand (with its change in the latest week), the causes that make or break
each brand's score (driver impact, ours beside competitors), the weekly score with each week's
volume, story volume, the three stories most worth reading, and the exec report as a download.
Every brand keeps its one colour (storywatch.reports.palette), causes read as the taxonomy names
them.
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
from storywatch.dashboard.words import brand_colour_map, brand_scale, table_options, with_words
from storywatch.reports.charts import bars_png, impact_png, trend_png
from storywatch.warehouse import cause_impact, queries
from storywatch.warehouse.cause_impact import MIN_STORIES, strongest_causes

TOP_CHOICES = {"5 causes": 5, "10 causes": 10, "all causes": None}

st.title("Overview")
st.caption("Net story score = 100 × (positive − negative) / tagged stories, from −100 to +100.")


def week_change(weekly: pd.DataFrame, brand: str) -> float | None:
    """The brand's score in its latest week minus the week before (None with one week)."""
    scores = weekly.loc[weekly["brand"] == brand, "net_story_score"]
    return None if len(scores) < 2 else round(scores.iloc[-1] - scores.iloc[-2], 1)


def impact_chart(shown: pd.DataFrame, scale: alt.Scale) -> alt.LayerChart:
    names = list(dict.fromkeys(shown["cause_name"]))
    base = alt.Chart(shown).encode(
        y=alt.Y("cause_name:N", title=None, sort=names, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("brand:N", sort=scale.domain),
        color=alt.Color("brand:N", title="Brand", scale=scale),
    )
    tooltip = [alt.Tooltip("brand:N", title="Brand"), alt.Tooltip("cause_name:N", title="Cause"),
               alt.Tooltip("impact:Q", title="Impact (points)", format="+.1f"),
               alt.Tooltip("impact_low:Q", title="95% from", format="+.1f"),
               alt.Tooltip("impact_high:Q", title="95% to", format="+.1f"),
               alt.Tooltip("stories:Q", title="Stories", format="d"),
               alt.Tooltip("share:Q", title="Share of the brand's stories (%)", format=".1f"),
               alt.Tooltip("what_if_score:Q", title="Score if its complaints were neutral",
                           format="+.1f")]
    bars = base.mark_bar().encode(
        x=alt.X("impact:Q", title="Impact on the brand's net story score (points)"),
        opacity=alt.condition(alt.datum.too_few, alt.value(0.3), alt.value(1.0)),
        tooltip=tooltip,
    )
    # A thin bar, not a rule: a bar of set height sits in the middle of its band.
    interval = base.transform_filter(~alt.datum.too_few).mark_bar(height=2).encode(
        x="impact_low:Q", x2="impact_high:Q", color=alt.value("#333333"))
    return alt.layer(bars, interval).properties(height=alt.Step(14))


def weekly_chart(weekly: pd.DataFrame, scale: alt.Scale) -> alt.LayerChart:
    base = alt.Chart(weekly).encode(
        x=alt.X("week:T", title="Week"),
        y=alt.Y("net_story_score:Q", title="Net story score",
                scale=alt.Scale(domain=[-100, 100])),
        color=alt.Color("brand:N", title="Brand", scale=scale),
    )
    tooltip = [alt.Tooltip("brand:N", title="Brand"), alt.Tooltip("week:T", title="Week"),
               alt.Tooltip("net_story_score:Q", title="Net story score", format="+.1f"),
               alt.Tooltip("stories:Q", title="Stories", format="d"),
               alt.Tooltip("positive:Q", title="Positive", format="d"),
               alt.Tooltip("negative:Q", title="Negative", format="d")]
    # A point's size is the week's volume: a jump on four stories looks like four stories.
    points = base.mark_point(filled=True).encode(
        size=alt.Size("stories:Q", title="Stories that week",
                      scale=alt.Scale(range=[15, 400]), legend=alt.Legend(format="d")),
        tooltip=tooltip)
    return alt.layer(base.mark_line(), points)


workdir = current_workdir()
if workdir is not None and has_tagged_stories(workdir):
    filters = sidebar_filters(workdir)
    headline = fetch(workdir, queries.brand_net_score, **filters)
    weekly = fetch(workdir, queries.weekly_net_score, **filters)
    if headline is not None and headline.empty:
        st.info("No tagged stories match the sidebar's filters: widen the dates or clear a filter.")
    elif headline is not None and weekly is not None:
        scale, colours = brand_scale(workdir), brand_colour_map(workdir)
        columns = st.columns(max(len(headline), 1))
        for column, row in zip(columns, headline.itertuples(), strict=False):
            side = "competitor" if row.is_competitor else "ours"
            change = week_change(weekly, row.brand)
            column.metric(f"{row.brand} ({side})", f"{row.net_story_score:+.1f}",
                          delta=None if change is None else f"{change:+.1f} this week",
                          help=f"{row.stories} tagged stories: {row.positive} positive, "
                               f"{row.negative} negative")

        st.subheader("What makes or breaks each brand's story")
        st.caption("Impact = the brand's net story score minus its score without the stories "
                   "naming the cause: below 0 the cause drags the score down. Lines: 95% "
                   f"interval; pale bars: fewer than {MIN_STORIES} stories, too few to judge.")
        picked = st.radio("Show", list(TOP_CHOICES), horizontal=True, key="overview_impact_top",
                          help="The causes that move our score most, either way.")
        impact = fetch(workdir, cause_impact.cause_impact, **filters)
        if impact is not None and impact.empty:
            st.info("No story names a cause in these filters.")
        elif impact is not None:
            shown = strongest_causes(impact, TOP_CHOICES[picked])
            st.altair_chart(impact_chart(shown, scale), width="stretch", key="overview_impact")
            chart_download(impact_png(shown, "What makes or breaks each brand's story",
                                      colours), "overview_impact", "cause-impact")

        st.subheader("Net story score per week")
        st.caption("A point's size is the number of stories that week.")
        st.altair_chart(weekly_chart(weekly, scale), width="stretch", key="overview_trend")
        chart_download(trend_png(weekly, "Net story score per week", colours=colours),
                       "overview_trend", "net-story-score")
        st.subheader("Stories per week")
        volume = alt.Chart(weekly).mark_bar().encode(
            # Weeks as bands, so each brand's bar stands beside the others (xOffset).
            x=alt.X("yearmonthdate(week):O", title="Week",
                    axis=alt.Axis(format="%d %b", labelAngle=0)),
            y=alt.Y("stories:Q", title="Tagged stories", axis=alt.Axis(format="d", tickMinStep=1)),
            color=alt.Color("brand:N", title="Brand", scale=scale),
            xOffset=alt.XOffset("brand:N", sort=scale.domain),
            tooltip=[alt.Tooltip("brand:N", title="Brand"), alt.Tooltip("week:T", title="Week"),
                     alt.Tooltip("stories:Q", title="Stories", format="d"),
                     alt.Tooltip("positive:Q", title="Positive", format="d"),
                     alt.Tooltip("negative:Q", title="Negative", format="d"),
                     alt.Tooltip("neutral:Q", title="Neutral", format="d")],
        )
        st.altair_chart(volume, width="stretch", key="overview_volume")
        chart_download(bars_png(weekly, "Stories per week", "week", "brand", "stories",
                                "Tagged stories", colours), "overview_volume", "stories-per-week")
        st.subheader("Weekly table")
        weekly_words = with_words(weekly)
        show_table(weekly_words, "overview_table", "weekly-net-story-score",
                   **table_options(weekly_words))
        if impact is not None and not impact.empty:
            st.subheader("Impact per brand and cause")
            impact_words = with_words(impact)
            show_table(impact_words, "overview_impact_table", "cause-impact",
                       **table_options(impact_words))
        st.subheader("Three stories most worth reading")
        st.caption("Most helpful votes first, then the longest.")
        top = fetch(workdir, queries.top_stories, **filters)
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
