"""Alerts: what `storywatch alerts` found, newest week first, each with the stories behind it.

Every alert is one sentence (which cause, which brand, how many stories against the usual) and up
to three stories; their headlines are story text, so they are shown as plain text, with a link
button only for http(s) links. Alerts are stored by `storywatch alerts` (docs/alerts.md); this
page only reads them.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from storywatch.dashboard.data import current_workdir, fetch, show_table
from storywatch.warehouse import database_path
from storywatch.warehouse.alert_history import stored_alerts

ALL = "All"
DIRECTIONS = {ALL: None, "Worse (more negative stories)": "worse",
              "Better (more positive stories)": "better"}
SHOWN = 30
TABLE = ["period_start", "brand", "cause_label", "owner", "direction", "stories",
         "baseline_per_period", "p_value", "sentence", "delivered_at"]


def delivery_line(alert) -> str:
    """Where the alert went, in words."""
    sent = [f"{name} {when:%Y-%m-%d %H:%M}" for name, when in
            (("e-mail", alert.email_sent_at), ("webhook", alert.webhook_sent_at))
            if not pd.isna(when)]
    if not pd.isna(alert.delivered_at):
        return "Delivered" + (f" ({', '.join(sent)})" if sent else " (printed; no channel set)")
    return "Pending: " + (f"sent by {', '.join(sent)}; " if sent else "") + \
        "the next `storywatch alerts` run retries it"


def show_alert(alert, key: str) -> None:
    with st.container(border=True):
        st.text(f"{alert.period_start:%Y-%m-%d} · {alert.brand} · {alert.cause_label} · "
                f"{'good news' if alert.direction == 'better' else 'worse'}")
        st.text(alert.sentence)
        for number, story in enumerate(alert.examples):
            left, right = st.columns([5, 1])
            left.text(f"“{story['headline']}”")
            if story["url"]:
                right.link_button("Open", story["url"], key=f"{key}_story{number}")
        st.caption(delivery_line(alert))


st.title("Alerts")
st.caption("Weeks (or days) in which a brand's stories about a cause departed from its own "
           "baseline, as `storywatch alerts` found and sent them.")

workdir = current_workdir()
if workdir is not None and not database_path(workdir).exists():
    st.info(f"No warehouse in {workdir} yet. Run `storywatch demo`, or `storywatch run` and "
            "then `storywatch alerts`.")
elif workdir is not None:
    alerts = fetch(workdir, stored_alerts)
    if alerts is not None and alerts.empty:
        st.info("No alerts stored yet. Run `storywatch alerts` (the README has a cron line that "
                "runs it every Monday).")
    elif alerts is not None:
        brand_column, direction_column = st.columns(2)
        brand = brand_column.selectbox("Brand", [ALL, *sorted(alerts["brand"].unique())],
                                       key="alerts_brand")
        direction = direction_column.selectbox("Direction", list(DIRECTIONS),
                                               key="alerts_direction")
        chosen = alerts
        if brand != ALL:
            chosen = chosen[chosen["brand"] == brand]
        if DIRECTIONS[direction]:
            chosen = chosen[chosen["direction"] == DIRECTIONS[direction]]
        left, middle, right = st.columns(3)
        left.metric("Alerts", len(chosen))
        middle.metric("Worse", int((chosen["direction"] == "worse").sum()))
        right.metric("Pending delivery", int(chosen["delivered_at"].isna().sum()))
        if chosen.empty:
            st.info("No alert matches these choices.")
        for index, alert in enumerate(chosen.head(SHOWN).itertuples()):
            show_alert(alert, key=f"alerts_{index}")
        if len(chosen) > SHOWN:
            st.caption(f"The newest {SHOWN} of {len(chosen)} are shown above; the table has all.")
        st.subheader("All stored alerts")
        show_table(chosen[TABLE], "alerts_table", "alerts",
                   column_config={
                       "period_start": st.column_config.DateColumn("period", format="YYYY-MM-DD"),
                       "cause_label": "cause",
                       "baseline_per_period": st.column_config.NumberColumn(
                           "usual per period", format="%.1f"),
                       "p_value": st.column_config.NumberColumn("p", format="%.1e"),
                       "sentence": st.column_config.TextColumn("alert", width="large"),
                       "delivered_at": st.column_config.DatetimeColumn(
                           "delivered", format="YYYY-MM-DD HH:mm")})
