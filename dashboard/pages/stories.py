"""Stories: the stories themselves, searchable, with causes, evidence and the company's reply.

Story text is untrusted (anyone can write a review), so it is shown only in tables and as plain
text, never as Markdown or HTML. The evidence sentences are highlighted by colouring table rows,
which needs no markup at all.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from storywatch.dashboard.data import current_workdir, fetch, has_tagged_stories, show_table
from storywatch.dashboard.filters import sidebar_filters
from storywatch.dashboard.story_view import plain, show_story
from storywatch.dashboard.words import named_causes, stars
from storywatch.warehouse import queries

ALL = "All"
SENTIMENTS = [ALL, "negative", "positive", "neutral"]
LIMIT = 500
COLUMNS = ["published_at", "brand", "sentiment", "causes", "evidence", "title", "body",
           "company_reply", "sentiment_score", "rating", "helpful_votes", "source", "author",
           "link"]
EVIDENCE_STYLE = "background-color: #fff3b0"


def highlight(sentences: pd.DataFrame):
    """The story's sentences with evidence rows coloured; the text stays plain table text."""
    def colour(row: pd.Series) -> list[str]:
        return [EVIDENCE_STYLE if isinstance(row["evidence_for"], str) else ""] * len(row)

    return sentences.style.apply(colour, axis=1)


st.title("Stories")
st.caption("Newest first. The sidebar's filters apply; the evidence column holds the sentence "
           "that names each cause.")

workdir = current_workdir()
if workdir is not None and has_tagged_stories(workdir):
    filters = sidebar_filters(workdir)
    sentiment_column, search_column = st.columns([1, 3])
    sentiment = sentiment_column.selectbox("Sentiment", SENTIMENTS, key="stories_sentiment")
    search = search_column.text_input("Search text", key="stories_search",
                                      placeholder="Words in the title or story").strip()
    table = fetch(workdir, queries.stories, sentiment=None if sentiment == ALL else sentiment,
                  search=search or None, limit=LIMIT, **filters)
    if table is not None and table.empty:
        st.info("No stories match these filters. Clear the search or a sidebar filter.")
    elif table is not None:
        st.text(f"{len(table)} stories" + (f" (the newest {LIMIT})" if len(table) == LIMIT else ""))
        shown = table[COLUMNS].assign(causes=table["causes"].map(named_causes),
                                      rating=table["rating"].map(stars))
        show_table(
            shown, "stories_table", "stories",
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
        show_story(story, key="stories_story")
        st.text(f"Causes: {named_causes(story.causes) or 'none found'}")
        sentences = fetch(workdir, queries.story_sentences, story_key=story.story_key)
        if sentences is not None and not sentences.empty:
            st.caption("Sentences; the evidence for a cause is highlighted.")
            sentences = sentences.assign(evidence_for=[
                named_causes(causes) if isinstance(causes, str) else None
                for causes in sentences["evidence_for"]])
            st.dataframe(highlight(sentences), hide_index=True, key="stories_sentences",
                         column_config={
                             "sentence_index": st.column_config.NumberColumn("#", format="%d"),
                             "sentence": st.column_config.TextColumn("Sentence", width="large"),
                             "sentiment": st.column_config.TextColumn("Sentiment"),
                             "evidence_for": st.column_config.TextColumn("Evidence for")})
        else:
            st.text(f"Evidence: {plain(story.evidence, 'none')}")
