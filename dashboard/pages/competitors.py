"""Competitors: are we better or worse than our competition, cause by cause?

For every cause, our net story score next to each competitor's and the gap (ours minus theirs),
as a heat map and a sortable table. Click a cell of the heat map, or pick a cause and competitor
below it, to read the stories behind that comparison. Below: how each brand answers its
customers' stories, and where it answers with its rulebook (share of replies citing policy, by
brand and by cause).
"""
from __future__ import annotations

import altair as alt
import streamlit as st

from storywatch.dashboard.data import chart_download, current_workdir, fetch, has_tagged_stories, show_table
from storywatch.dashboard.filters import our_brands, sidebar_filters
from storywatch.reports.charts import heatmap_png

st.title("Competitors")
st.caption("Gap = our net story score on a cause minus the competitor's: above 0 we do better.")
STORY_COLUMNS = ["published_at", "brand", "sentiment", "causes", "evidence", "title", "body",
                 "company_reply", "link"]


def picked_cell(event) -> tuple[str, str] | None:
    """The (cause, competitor) of the heat map cell the user clicked, if any."""
    points = (event.selection.get("cell") if event and event.selection else None) or []
    return (points[0]["cause"], points[0]["competitor"]) if points else None


workdir = current_workdir()
if workdir is not None and has_tagged_stories(workdir):
    filters = sidebar_filters(workdir)
    gap = fetch(workdir, "competitor_gap", **filters)
    if gap is not None and gap.empty:
        st.info("No competitor to compare with for these filters. Add competitors and their "
                "sources to storywatch.toml and run `storywatch crawl`, or choose more brands.")
    elif gap is not None:
        cell = alt.selection_point(name="cell", fields=["cause", "competitor"])
        base = alt.Chart(gap).encode(
            x=alt.X("competitor:N", title="Competitor"),
            y=alt.Y("cause:N", title="Cause"),
        )
        heat = base.mark_rect().encode(
            color=alt.Color("gap:Q", title="Gap", scale=alt.Scale(scheme="redblue",
                                                                  domain=[-100, 100])),
            opacity=alt.condition(cell, alt.value(1.0), alt.value(0.4)),
            tooltip=["cause", "owner", "competitor", "our_net_score", "competitor_net_score",
                     "gap", "our_stories", "competitor_stories"],
        ).add_params(cell)
        labels = base.mark_text().encode(text=alt.Text("gap:Q", format="+.1f"))
        event = st.altair_chart(heat + labels, width="stretch", key="competitors_heatmap",
                                on_select="rerun", selection_mode="cell")
        chart_download(heatmap_png(gap, "Gap per cause and competitor"), "competitors_heatmap",
                       "competitor-gap")
        st.subheader("Gap per cause and competitor")
        show_table(gap, "competitors_table", "competitor-gap")
        st.subheader("Stories behind a cell")
        clicked = picked_cell(event)
        if clicked and st.session_state.get("competitors_last_click") != clicked:
            # A click on the heat map moves the pickers to that cell.
            st.session_state["competitors_last_click"] = clicked
            st.session_state["competitors_cause"], st.session_state["competitors_brand"] = clicked
        left, right = st.columns(2)
        cause = left.selectbox("Cause", sorted(set(gap["cause"])), key="competitors_cause")
        competitor = right.selectbox("Competitor", sorted(set(gap["competitor"])),
                                     key="competitors_brand")
        scope = {**filters, "brands": (*our_brands(workdir), competitor)}
        if filters["brands"]:
            scope["brands"] = tuple(b for b in scope["brands"] if b in filters["brands"])
        table = fetch(workdir, "stories", cause=cause, limit=200, **scope)
        if table is not None and table.empty:
            st.info("No story names this cause for us or this competitor in these filters.")
        elif table is not None:
            show_table(table[STORY_COLUMNS], "competitors_stories", "cell-stories",
                       column_config={"link": st.column_config.LinkColumn("link"),
                                      "body": st.column_config.TextColumn("story", width="large")})

    st.subheader("How we answer: replies citing policy")
    st.caption("Company replies classified as helpful, apologetic (sorry, no fix offered) or "
               "citing policy; policy_share = % of classified replies that cite policy.")
    share = st.column_config.ProgressColumn("policy_share", format="%.1f%%", min_value=0,
                                            max_value=100)
    answers = fetch(workdir, "reply_classes_by_brand", **filters)
    if answers is not None and (answers.empty or answers["classified"].sum() == 0):
        st.info("No classified company replies for these filters. Run `storywatch tag` to "
                "classify new replies, or widen the filters.")
    elif answers is not None:
        show_table(answers, "competitors_replies", "replies-by-brand",
                   column_config={"policy_share": share})
        by_cause = fetch(workdir, "policy_replies_by_cause", **filters)
        if by_cause is not None and not by_cause.empty:
            st.caption("By cause of the story replied to (a story naming two causes counts "
                       "for both).")
            show_table(by_cause, "competitors_replies_by_cause", "replies-by-cause",
                       column_config={"policy_share": share})
