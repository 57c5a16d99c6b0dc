"""Stories: the stories themselves, filtered by brand, sentiment, cause and text, with evidence.

Story text is untrusted (anyone can write a review), so it is shown only in the table and as
plain text, never as Markdown or HTML.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.data import current_workdir, fetch, has_tagged_stories

ALL = "All"
SENTIMENTS = [ALL, "negative", "positive", "neutral"]
LIMIT = 500
COLUMNS = ["published_at", "brand", "sentiment", "causes", "evidence", "title", "body",
           "sentiment_score", "rating", "source", "author", "link"]


def plain(value: object, missing: str) -> str:
    return missing if value is None or pd.isna(value) else str(value)


st.title("Stories")
st.caption("Newest first. The evidence column holds the sentence that names each cause.")

workdir = current_workdir()
if workdir is not None and has_tagged_stories(workdir):
    known = fetch(workdir, "brands")
    found = fetch(workdir, "causes")
    brand_column, sentiment_column, cause_column, search_column = st.columns(4)
    brand = brand_column.selectbox(
        "Brand", [ALL, *(known["brand"] if known is not None else [])], key="stories_brand")
    sentiment = sentiment_column.selectbox("Sentiment", SENTIMENTS, key="stories_sentiment")
    cause = cause_column.selectbox(
        "Cause", [ALL, *(found["cause"] if found is not None else [])], key="stories_cause")
    search = search_column.text_input("Search text", key="stories_search").strip()
    table = fetch(
        workdir, "stories", brand=None if brand == ALL else brand,
        sentiment=None if sentiment == ALL else sentiment,
        cause=None if cause == ALL else cause, search=search or None, limit=LIMIT,
    )
    if table is not None and table.empty:
        st.info("No stories match these filters. Clear the search or choose All.")
    elif table is not None:
        st.text(f"{len(table)} stories" + (f" (the newest {LIMIT})" if len(table) == LIMIT else ""))
        st.dataframe(
            table, hide_index=True, key="stories_table", column_order=COLUMNS,
            column_config={
                "published_at": st.column_config.DatetimeColumn("published", format="YYYY-MM-DD"),
                "link": st.column_config.LinkColumn("link"),
                "body": st.column_config.TextColumn("story", width="large"),
                "evidence": st.column_config.TextColumn("evidence", width="large"),
            },
        )
        st.subheader("Read one story")
        rows = list(table.itertuples())
        picked = st.selectbox(
            "Story", range(len(rows)), key="stories_pick",
            format_func=lambda i: (f"{plain(rows[i].published_at, 'undated')[:10]} · "
                                   f"{rows[i].brand} · "
                                   f"{plain(rows[i].sentiment, 'untagged')} · #{i + 1}"),
        )
        story = rows[picked]
        st.text(plain(story.title, "(no title)"))
        st.text(story.body)
        st.text(f"Causes: {plain(story.causes, 'none found')}")
        st.text(f"Evidence: {plain(story.evidence, 'none')}")
        st.text(f"Link: {plain(story.link, 'none')}")
