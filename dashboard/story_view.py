"""One story on a page, shown only as plain text: story text is untrusted.

Anyone can write a review, so title, body, evidence and company reply go through `st.text` or a
table, never Markdown or HTML. The source link is offered only when it is http(s) (the named
queries already drop anything else), as a button, not as rendered text.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st


def plain(value: object, missing: str) -> str:
    return missing if value is None or (not isinstance(value, str) and pd.isna(value)) \
        else str(value)


def meta_line(story) -> str:
    published = "undated" if pd.isna(story.published_at) else f"{story.published_at:%Y-%m-%d}"
    rating = "no rating" if pd.isna(story.rating) else f"rating {story.rating:.2f}"
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
    if isinstance(story.link, str):
        st.link_button("Open at the source", story.link, key=f"{key}_link")
