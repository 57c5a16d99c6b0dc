"""Competitors: are we better or worse than our competition, cause by cause?

Per cause (rows, sorted by our driver impact, worst first) our net story score and each
competitor's (columns), counted by each cause's own polarity, every cell labelled with its score
and volume, or "too few (n)" and "no data" in grey, on one diverging scale that covers the whole
score range (-100 to +100). Click a cell, or pick a cause and competitor, to read the story pair
behind it (one of theirs, one of ours) and every story behind the comparison. Below: how each
brand answers its customers' stories, and where it answers with its rulebook.
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
from storywatch.dashboard.filters import our_brands, sidebar_filters
from storywatch.dashboard.story_view import plain, show_story
from storywatch.dashboard.words import named_causes, table_options, with_words
from storywatch.nlp.cause_names import cause_name
from storywatch.reports.charts import comparison_png
from storywatch.reports.comparison import MIN_STORIES, comparison_cells
from storywatch.reports.palette import SCORE_SCALE
from storywatch.warehouse import cause_impact, cause_stories, queries, reply_queries, report_queries
from storywatch.warehouse.cause_impact import our_cause_order

st.title("Competitors")
st.caption("Each cell: the brand's net story score on the cause, counting each cause by its own "
           "polarity (praise of a policy in an angry story is praise), and how many stories it "
           f"rests on. Grey: fewer than {MIN_STORIES} stories, or none. Causes are sorted by "
           "their impact on our score, worst first.")
STORY_COLUMNS = ["published_at", "brand", "sentiment", "causes", "evidence", "title", "body",
                 "company_reply", "link"]
POLARITY = {"positive": "praises it", "negative": "complains about it", "neutral": "neutral"}


def picked_cell(event) -> tuple[str, str] | None:
    """The (cause, column) of the comparison cell the user clicked, if any."""
    points = (event.selection.get("cell") if event and event.selection else None) or []
    return (points[0]["cause"], points[0]["column"]) if points else None


def comparison_chart(cells, ours_label: str) -> alt.LayerChart:
    columns = list(dict.fromkeys(cells["column"]))
    names = list(dict.fromkeys(cells["cause_name"]))
    cell = alt.selection_point(name="cell", fields=["cause", "column"])
    base = alt.Chart(cells).encode(
        x=alt.X("column:N", title=None, sort=columns, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("cause_name:N", title=None, sort=names, axis=alt.Axis(labelLimit=260)),
        tooltip=[alt.Tooltip("cause_name:N", title="Cause"), alt.Tooltip("owner:N", title="Owner"),
                 alt.Tooltip("brand:N", title="Brand"), alt.Tooltip("label:N", title="Shows"),
                 alt.Tooltip("score:Q", title="Net story score", format="+.1f"),
                 alt.Tooltip("stories:Q", title="Stories", format="d"),
                 alt.Tooltip("gap:Q", title=f"Gap ({ours_label} − them)", format="+.1f")],
    )
    grey = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("fill:N", scale=None),
        opacity=alt.condition(cell, alt.value(1.0), alt.value(0.45)),
    ).add_params(cell)
    scored = base.transform_filter(alt.datum.state == "score").mark_rect(
        stroke="white", strokeWidth=2).encode(
        color=alt.Color("score:Q", title="Net story score",
                        scale=alt.Scale(domain=[-100, 0, 100], range=list(SCORE_SCALE),
                                        interpolate="rgb")),
        opacity=alt.condition(cell, alt.value(1.0), alt.value(0.45)),
    )
    labels = base.mark_text(fontSize=12).encode(text="label:N",
                                                color=alt.Color("text:N", scale=None))
    # The grey cells, the scored cells and the labels each colour by their own rule.
    return alt.layer(grey, scored, labels).resolve_scale(color="independent").properties(
        height=alt.Step(34))


def show_pair(pair, cause: str, competitor: str) -> None:
    """One of their stories beside one of ours, each with how it judges the cause."""
    left, right = st.columns(2)
    for column, side, title in ((left, "theirs", competitor), (right, "ours", "Ours")):
        with column:
            rows = pair.loc[pair["side"] == side]
            st.text(f"{title}: {cause_name(cause)}")
            if rows.empty:
                st.text("No story names this cause in these filters.")
                continue
            story = next(rows.itertuples())
            with st.container(border=True):
                show_story(story, key=f"competitors_pair_{side}")
                st.text(f"On {cause_name(cause)}: "
                        f"{POLARITY.get(story.cause_sentiment, story.cause_sentiment)} · "
                        f"evidence: {plain(story.evidence, 'none')}")


workdir = current_workdir()
if workdir is not None and has_tagged_stories(workdir):
    filters = sidebar_filters(workdir)
    gap = fetch(workdir, report_queries.competitor_gap, **filters)
    impact = fetch(workdir, cause_impact.cause_impact, **filters)
    if gap is not None and gap.empty:
        st.info("No competitor to compare with for these filters. Add competitors and their "
                "sources to storywatch.toml and run `storywatch crawl`, or choose more brands.")
    elif gap is not None:
        ours = [b for b in our_brands(workdir) if not filters["brands"] or b in filters["brands"]]
        ours_label = f"{' + '.join(ours) or 'Us'} (ours)"
        order = our_cause_order(impact) if impact is not None and not impact.empty else []
        cells = comparison_cells(gap, order, ours=ours_label)
        event = st.altair_chart(comparison_chart(cells, ours_label), width="stretch",
                                key="competitors_heatmap", on_select="rerun",
                                selection_mode="cell")
        chart_download(comparison_png(cells, "Net story score per cause: us and each competitor"),
                       "competitors_heatmap", "competitor-comparison")
        st.subheader("Gap per cause and competitor")
        rank = {cause: number for number, cause in enumerate(dict.fromkeys(cells["cause"]))}
        gap_words = with_words(gap.assign(rank=gap["cause"].map(rank)).sort_values(
            ["rank", "competitor"], kind="stable").drop(columns="rank"))
        show_table(gap_words, "competitors_table", "competitor-gap",
                   **table_options(gap_words))
        st.subheader("The stories behind a cell")
        clicked = picked_cell(event)
        if clicked and st.session_state.get("competitors_last_click") != clicked:
            # A click on the comparison moves the pickers to that cell (ours: only the cause).
            st.session_state["competitors_last_click"] = clicked
            st.session_state["competitors_cause"] = clicked[0]
            if clicked[1] in set(gap["competitor"]):
                st.session_state["competitors_brand"] = clicked[1]
        left, right = st.columns(2)
        causes = [c for c in dict.fromkeys(cells["cause"])]
        cause = left.selectbox("Cause", causes, key="competitors_cause", format_func=cause_name)
        competitor = right.selectbox("Competitor", sorted(set(gap["competitor"])),
                                     key="competitors_brand")
        pair = fetch(workdir, cause_stories.story_pair, cause=cause, competitor=competitor,
                     ours=tuple(ours), start=filters["start"], end=filters["end"],
                     sources=filters["sources"])
        if pair is not None:
            show_pair(pair, cause, competitor)
        scope = {**filters, "brands": (*ours, competitor)}
        table = fetch(workdir, queries.stories, cause=cause, limit=200, **scope)
        if table is not None and table.empty:
            st.info("No story names this cause for us or this competitor in these filters.")
        elif table is not None:
            st.caption("Every story behind the comparison, newest first.")
            table = table.assign(causes=table["causes"].map(named_causes))
            show_table(table[STORY_COLUMNS], "competitors_stories", "cell-stories",
                       column_config={
                           "published_at": st.column_config.DatetimeColumn(
                               "Published", format="YYYY-MM-DD"),
                           "brand": "Brand", "sentiment": "Story sentiment", "causes": "Causes",
                           "evidence": "Evidence", "title": "Title",
                           "company_reply": "Company reply",
                           "link": st.column_config.LinkColumn("Link"),
                           "body": st.column_config.TextColumn("Story", width="large")})

    st.subheader("How we answer: replies citing policy")
    st.caption("Company replies classified as helpful, apologetic (sorry, no fix offered) or "
               "citing policy; policy share = % of classified replies that cite policy.")
    share = st.column_config.ProgressColumn("Policy share", format="%.1f%%", min_value=0,
                                            max_value=100)
    answers = fetch(workdir, reply_queries.reply_classes_by_brand, **filters)
    if answers is not None and (answers.empty or answers["classified"].sum() == 0):
        st.info("No classified company replies for these filters. Run `storywatch tag` to "
                "classify new replies, or widen the filters.")
    elif answers is not None:
        show_table(answers, "competitors_replies", "replies-by-brand",
                   **table_options(answers, policy_share=share))
        by_cause = fetch(workdir, reply_queries.policy_replies_by_cause, **filters)
        if by_cause is not None and not by_cause.empty:
            st.caption("By cause of the story replied to (a story naming two causes counts "
                       "for both).")
            by_cause_words = with_words(by_cause)
            show_table(by_cause_words, "competitors_replies_by_cause", "replies-by-cause",
                       **table_options(by_cause_words, policy_share=share))
