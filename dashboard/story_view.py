"""One story on a page, shown only as plain text: story text is untrusted.

Anyone can write a review, so title, body, evidence and company reply go through `st.text` or a
table, never Markdown or HTML. The reply's class (helpful, apologetic, policy-citing) is shown
under it, with the reply sentence that decided it, also as plain text. The source link is offered
only when it is http(s) (the named queries already drop anything else), as a button, not as
rendered text.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from storywatch.dashboard.data import WORKDIR_KEY, fetch_quietly
from storywatch.dashboard.words import stars
from storywatch.warehouse import reply_queries

REPLY_CLASSES = {"helpful": "helpful", "apologetic": "apologetic (no fix offered)",
                 "policy_citing": "cites policy"}


def plain(value: object, missing: str) -> str:
    return missing if value is None or (not isinstance(value, str) and pd.isna(value)) \
        else str(value)


def meta_line(story) -> str:
    published = "undated" if pd.isna(story.published_at) else f"{story.published_at:%Y-%m-%d}"
    rating = stars(story.rating)
    votes = "" if pd.isna(story.helpful_votes) else f" · {int(story.helpful_votes)} helpful votes"
    return (f"{published} · {story.brand} · {plain(story.sentiment, 'untagged')} · "
            f"{rating}{votes}")


def show_story(story, key: str) -> None:
    """Title, meta line, body with the company's reply beside it, and the source link."""
    st.text(plain(story.title, "(no title)"))
    st.text(meta_line(story))
    left, right = st.columns(2)
    left.text(plain(story.body, ""))
    right.text("Company reply: " + plain(story.company_reply, "none"))
    if isinstance(story.company_reply, str) and story.company_reply.strip():
        right.text(reply_class_line(story.story_key))
    if isinstance(story.link, str):
        st.link_button("Open at the source", story.link, key=f"{key}_link")


def reply_class_line(story_key: str) -> str:
    """The "Reply class: ..." line of a story's current reply, with the sentence that decided it."""
    workdir = st.session_state.get(WORKDIR_KEY)
    found = (fetch_quietly(Path(workdir), reply_queries.reply_class, story_key=story_key)
             if workdir else None)
    return describe_reply_class(found)


def describe_reply_class(found: pd.DataFrame | None) -> str:
    """The "Reply class: ..." line for the `reply_class` query's answer (None: not answered)."""
    if found is None or found.empty or not isinstance(found.iloc[0]["reply_version"], str):
        return "Reply class: not classified yet (run `storywatch tag`)"
    row = found.iloc[0]
    if not isinstance(row["reply_class"], str):  # classified, but nothing to read: "!!!", emoji
        return "Reply class: none (the reply has no words to classify)"
    label = REPLY_CLASSES.get(row["reply_class"], row["reply_class"])
    evidence = plain(row["reply_evidence"], "")
    return f"Reply class: {label} ({row['reply_score']:.2f})" + (
        f" · because: {evidence}" if evidence else "")
