"""The storywatch dashboard for marketing: story trends, causes and the stories themselves.

Run it with `storywatch dashboard --workdir DIR` or
`streamlit run dashboard/app.py --client.disableDataExport true -- --workdir DIR` (that option
hides the tables' own CSV export, which would copy story text into a spreadsheet unchanged;
`storywatch dashboard` sets it). The workdir comes from that flag, else from
STORYWATCH_WORKDIR, else ./storywatch-data; it is read here once and handed to the pages through
the session; each page draws the sidebar's global filters (dashboard/filters.py).
Pages only call warehouse named queries, and show story text only as plain text. A warehouse
problem is shown as one sentence, never as a traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import streamlit as st

from storywatch.dashboard.data import WORKDIR_KEY, problem_sentence
from storywatch.errors import StorywatchError

DEFAULT_WORKDIR = "storywatch-data"
PAGES = Path(__file__).resolve().parent / "pages"


def workdir_from(argv: list[str], environ: dict[str, str]) -> Path:
    """--workdir from the command line, else STORYWATCH_WORKDIR, else ./storywatch-data."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--workdir", default=None)
    given, _ = parser.parse_known_args(argv)
    return Path(given.workdir or environ.get("STORYWATCH_WORKDIR") or DEFAULT_WORKDIR).resolve()


st.set_page_config(page_title="storywatch", layout="wide")
workdir = workdir_from(sys.argv[1:], dict(os.environ))
st.session_state[WORKDIR_KEY] = str(workdir)
st.sidebar.text(f"Warehouse: {workdir}")
navigation = st.navigation([
    st.Page(PAGES / "overview.py", title="Overview", default=True),
    st.Page(PAGES / "competitors.py", title="Competitors"),
    st.Page(PAGES / "causes.py", title="Causes & owners"),
    st.Page(PAGES / "themes.py", title="Emerging themes"),
    st.Page(PAGES / "alerts.py", title="Alerts"),
    st.Page(PAGES / "stories.py", title="Stories"),
    st.Page(PAGES / "sources.py", title="Sources"),
])
try:
    navigation.run()
except StorywatchError as error:
    # The pages handle warehouse problems where they read; this catches any domain error they
    # miss, by type, so a user still gets one sentence and never a traceback.
    st.warning(problem_sentence(error))
