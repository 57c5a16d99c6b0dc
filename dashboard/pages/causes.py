"""Causes: which causes bring negative and positive stories, our brand against competitors.

Shares are per brand (percent of that brand's tagged stories), so a big competitor does not
look worse only for having more stories.
"""
from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard.data import current_workdir, fetch, has_tagged_stories

ALL = "All owners"

st.title("Causes")
st.caption("Negative and positive stories per cause and owner, our brand against competitors.")

workdir = current_workdir()
if workdir is not None and has_tagged_stories(workdir):
    known = fetch(workdir, "brands")
    found = fetch(workdir, "causes")
    left, right = st.columns(2)
    chosen = left.multiselect(
        "Brands", list(known["brand"]) if known is not None else [], key="causes_brands",
        placeholder="All brands",
    )
    owners = sorted(set(found["owner"])) if found is not None else []
    owner = right.selectbox("Owner", [ALL, *owners], key="causes_owner")
    counts = fetch(workdir, "cause_counts", brands=tuple(chosen) or None,
                   owner=None if owner == ALL else owner)
    if counts is not None and counts.empty:
        st.info("No causes found for these filters. Choose more brands or another owner.")
    elif counts is not None:
        counts = counts.assign(label=counts["brand"] + " (" + counts["side"] + ")")
        st.subheader("Negative stories per cause (% of the brand's stories)")
        negative = alt.Chart(counts).mark_bar().encode(
            y=alt.Y("cause:N", title="Cause", sort="-x"),
            x=alt.X("negative_share:Q", title="% of the brand's stories, negative with this cause"),
            color=alt.Color("label:N", title="Brand"),
            yOffset="label:N",
            tooltip=["brand", "side", "cause", "owner", "negative", "negative_share"],
        )
        st.altair_chart(negative, width="stretch", key="causes_negative_chart")
        st.subheader("Positive stories per cause")
        positive = alt.Chart(counts).mark_bar().encode(
            y=alt.Y("cause:N", title="Cause", sort="-x"),
            x=alt.X("positive:Q", title="Positive stories naming this cause"),
            color=alt.Color("label:N", title="Brand"),
            yOffset="label:N",
            tooltip=["brand", "side", "cause", "owner", "positive"],
        )
        st.altair_chart(positive, width="stretch", key="causes_positive_chart")
        st.subheader("Stories per cause, owner and brand")
        st.dataframe(counts.drop(columns="label"), hide_index=True, key="causes_table")
