"""The policy changes a user recorded (storywatch.toml `[[policy_changes]]`), on the Causes page.

Each change is drawn as a dashed rule on its cause's weekly score (our brands), with the sentence
`storywatch.warehouse.policy_changes` gives: the same span of our stories before and after, and
whether the negative share moved (Fisher's exact test), as the exec report says it.
"""
from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from storywatch.config import load_settings
from storywatch.dashboard.data import fetch
from storywatch.errors import StorywatchError
from storywatch.nlp.cause_names import cause_name
from storywatch.policy_options import PolicyChange
from storywatch.reports.palette import OURS
from storywatch.warehouse import report_queries
from storywatch.warehouse.policy_changes import policy_effects


def recorded_changes(workdir: Path) -> tuple[PolicyChange, ...]:
    """The changes in the config the dashboard's workdir uses; a bad file is one warning."""
    try:
        return load_settings(workdir).policy_changes
    except StorywatchError as error:
        st.warning(f"Policy changes are not shown: {error}")
        return ()


def change_chart(trend: pd.DataFrame, change: PolicyChange) -> alt.LayerChart:
    """The cause's weekly net story score with the change day as a dashed rule."""
    line = alt.Chart(trend).mark_line(point=True, color=OURS[0]).encode(
        x=alt.X("week:T", title=None),
        y=alt.Y("net_story_score:Q", title="Net story score", scale=alt.Scale(domain=[-100, 100])),
        tooltip=[alt.Tooltip("week:T", title="Week"),
                 alt.Tooltip("stories:Q", title="Stories", format="d"),
                 alt.Tooltip("net_story_score:Q", title="Net story score", format="+.1f")])
    day = pd.DataFrame({"day": [pd.Timestamp(change.day)], "note": [change.note or "policy change"]})
    rule = alt.Chart(day).mark_rule(color="#444444", strokeDash=[5, 4], size=2).encode(
        x="day:T", tooltip=[alt.Tooltip("day:T", title="Changed"),
                            alt.Tooltip("note:N", title="Change")])
    return alt.layer(line, rule).properties(height=180)


def show_policy_changes(workdir: Path, filters: dict) -> None:
    """A section per recorded change: its chart and what it did; nothing when none is recorded."""
    changes = recorded_changes(workdir)
    if not changes:
        return
    st.subheader("Policy changes")
    st.caption("Changes recorded in storywatch.toml ([[policy_changes]]): the dashed line is the "
               "day of the change; our stories the same number of days before and after are "
               "compared on their share of negative stories about the cause.")
    end = filters["end"] or fetch(workdir, report_queries.latest_story_day)
    if end is None:
        return
    labels = {change.cause: cause_name(change.cause) for change in changes}
    effects = fetch(workdir, policy_effects, changes=changes, as_of=end,
                    brands=filters["brands"], labels=labels)
    if effects is None:
        return
    for number, (change, effect) in enumerate(zip(changes, effects.itertuples(), strict=True)):
        # The note is the user's own words, shown as plain text like every other text.
        st.text(f"{change.day:%Y-%m-%d} · {labels[change.cause]}"
                + (f" · {change.note}" if change.note else ""))
        st.text(effect.sentence)
        trend = fetch(workdir, report_queries.cause_trend, causes=[change.cause],
                      **{k: v for k, v in filters.items() if k != "causes"})
        if trend is not None and not trend.empty:
            st.altair_chart(change_chart(trend, change), width="stretch",
                            key=f"causes_policy_chart_{number}")
