"""The sidebar's global filters: date range, brands, sources and causes, kept across pages.

Every page draws them first thing with `sidebar_filters()`, under the same widget keys
(`filter_dates`, `filter_brands`, `filter_sources`, `filter_causes`). Streamlit forgets a widget's
value once a run does not draw it, so the choice is also kept under a plain session key and seeds
the widgets on the next page: the filters follow the user from page to page. The result is a dict
of keyword arguments that the named queries take as they are.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import streamlit as st

from storywatch.dashboard.data import fetch_quietly
from storywatch.nlp.cause_names import cause_name
from storywatch.warehouse import queries

FILTERS_KEY = "storywatch_filters"
SAVED_KEY = "storywatch_filter_choice"
WIDGETS = {"dates": "filter_dates", "brands": "filter_brands", "sources": "filter_sources",
           "causes": "filter_causes"}
NO_FILTERS: dict[str, object] = {"brands": None, "sources": None, "causes": None,
                                 "start": None, "end": None}


def _date_range(picked: object) -> tuple[date | None, date | None]:
    # While the user is halfway through picking a range, the widget holds one date.
    if isinstance(picked, tuple | list):
        return (picked[0] if picked else None), (picked[1] if len(picked) > 1 else None)
    return picked, None


def sidebar_filters(workdir: Path) -> dict[str, object]:
    """Draw the sidebar filters (when there is data to filter) and remember the choice."""
    period = fetch_quietly(workdir, queries.story_period)
    brands = fetch_quietly(workdir, queries.brands)
    if period is None or brands is None:
        st.session_state[FILTERS_KEY] = dict(NO_FILTERS)
        return st.session_state[FILTERS_KEY]
    sources = fetch_quietly(workdir, queries.sources)
    causes = fetch_quietly(workdir, queries.causes)
    first, last = period[0], period[1] + timedelta(days=6)
    _seed_widgets(first, last)
    sidebar = st.sidebar
    sidebar.header("Filters")
    picked = sidebar.date_input("Published between", min_value=first,
                                max_value=last, key="filter_dates",
                                on_change=_save, args=("dates",),
                                help="Rounded to whole weeks (Monday to Sunday).")
    start, end = _date_range(picked)
    ours = ", ".join(brands.loc[~brands["is_competitor"], "brand"]) or "none"
    chosen_brands = sidebar.multiselect("Brands", list(brands["brand"]), key="filter_brands",
                                        on_change=_save, args=("brands",),
                                        placeholder="All brands",
                                        help=f"Ours: {ours}; the others are competitors.")
    chosen_sources = sidebar.multiselect(
        "Sources", list(sources["source"]) if sources is not None else [],
        key="filter_sources", placeholder="All sources", on_change=_save, args=("sources",))
    chosen_causes = sidebar.multiselect(
        "Causes", list(causes["cause"]) if causes is not None else [], key="filter_causes",
        on_change=_save, args=("causes",), placeholder="All causes", format_func=cause_name,
        help="Only stories naming one of these causes.")
    st.session_state[FILTERS_KEY] = {
        "brands": tuple(chosen_brands) or None, "sources": tuple(chosen_sources) or None,
        "causes": tuple(chosen_causes) or None, "start": start, "end": end,
    }
    return dict(st.session_state[FILTERS_KEY])


def _seed_widgets(first: date, last: date) -> None:
    """Give the widgets the choice last made, on this page or another (or the defaults)."""
    saved = st.session_state.setdefault(SAVED_KEY, {})
    defaults = {"dates": (first, last), "brands": [], "sources": [], "causes": []}
    for name, key in WIDGETS.items():
        st.session_state[key] = saved.get(name, defaults[name])


def _save(name: str) -> None:
    """on_change: remember a widget's new value before the rerun draws the page."""
    st.session_state.setdefault(SAVED_KEY, {})[name] = st.session_state[WIDGETS[name]]


def our_brands(workdir: Path) -> list[str]:
    """Our brands (not competitors), as the warehouse knows them."""
    known = fetch_quietly(workdir, queries.brands)
    return [] if known is None else list(known.loc[~known["is_competitor"], "brand"])
