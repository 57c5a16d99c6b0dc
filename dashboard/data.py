"""What the dashboard pages share: the workdir app.py was given, and cached named queries.

The warehouse file is opened read-only for each query and closed straight away, so `storywatch
load` and `storywatch tag` can take the write lock between two page views; results are cached for
30 seconds. While a writer holds the lock, a page shows the last answer it got for the same
question (with a note saying so) instead of an error. Every failure becomes one sentence on the
page, never a traceback.
"""
from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from warehouse import (
    WarehouseError,
    connect_read_only,
    database_path,
    queries,
    reply_queries,
    report_queries,
)

WORKDIR_KEY = "storywatch_workdir"
CACHE_SECONDS = 30
LOCK_WAIT_SECONDS = 2.0
# The last good answer per question, shown while a writer holds the lock. Per process, like
# Streamlit's own cache, so every session benefits.
_LAST_GOOD: dict[tuple, object] = {}
LAST_GOOD_ENTRIES = 256


def current_workdir() -> Path | None:
    """The workdir app.py put in the session, or None when a page was started on its own."""
    value = st.session_state.get(WORKDIR_KEY)
    if value is None:
        st.info("Start the dashboard with `storywatch dashboard --workdir DIR`.")
        return None
    return Path(value)


def _named(name: str):
    for module in (queries, report_queries, reply_queries):
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"no named query {name!r} in warehouse.queries, report_queries or "
                         "reply_queries")


def ask(workdir: str, name: str, **filters: object) -> pd.DataFrame | int:
    """Run the named query `<name>` on a read-only connection, uncached."""
    con = connect_read_only(Path(workdir), wait_seconds=LOCK_WAIT_SECONDS)
    try:
        return _named(name)(con, **filters)
    except duckdb.Error as error:
        raise WarehouseError(
            f"The warehouse {database_path(Path(workdir))} could not answer ({error}); "
            "run `storywatch load` to bring its schema up to date."
        ) from error
    finally:
        con.close()


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def query(workdir: str, name: str, **filters: object) -> pd.DataFrame | int:
    """`ask`, cached for CACHE_SECONDS so reruns do not reopen the file for every widget."""
    return ask(workdir, name, **filters)


def _remembered(workdir: Path, name: str, filters: dict[str, object]):
    key = (str(workdir), name, tuple(sorted((k, repr(v)) for k, v in filters.items())))
    try:
        result = query(str(workdir), name, **filters)
    except WarehouseError as error:
        if "busy" in str(error) and key in _LAST_GOOD:
            st.caption("The warehouse is busy (crawl, load or tag is writing): showing the "
                       "last data read. Reload in a moment for the newest.")
            return _LAST_GOOD[key]
        raise
    _LAST_GOOD.pop(key, None)
    _LAST_GOOD[key] = result
    while len(_LAST_GOOD) > LAST_GOOD_ENTRIES:
        _LAST_GOOD.pop(next(iter(_LAST_GOOD)))  # the least recently read answer
    return result


def fetch(workdir: Path, name: str, **filters: object) -> pd.DataFrame | None:
    """A named query's result, or None after showing why it could not be read."""
    try:
        return _remembered(workdir, name, filters)
    except WarehouseError as error:
        st.warning(str(error))
        return None


def fetch_quietly(workdir: Path, name: str, **filters: object):
    """A named query's result, or None without a message (for the sidebar's choices)."""
    if not database_path(workdir).exists():
        return None
    try:
        return _remembered(workdir, name, filters)
    except WarehouseError:
        return None


def has_tagged_stories(workdir: Path) -> bool:
    """True when there is something to show; otherwise tell the user what to run."""
    if not database_path(workdir).exists():
        st.info(
            f"No warehouse in {workdir} yet. Run `storywatch demo` to try storywatch on a demo "
            "site, or `storywatch run` to crawl, load and tag your sources."
        )
        return False
    try:
        # Uncached, so stories loaded or tagged a moment ago show at once.
        count = ask(str(workdir), "story_count")
        tagged = ask(str(workdir), "tagged_story_count")
    except WarehouseError as error:
        if "busy" in str(error) and (str(workdir), "story_period", ()) in _LAST_GOOD:
            return True  # a writer is at work; the pages show their last data
        st.warning(str(error))
        return False
    if count == 0:
        st.info("No stories yet. Run `storywatch crawl` and then `storywatch load`.")
        return False
    if tagged == 0:
        st.info(f"{count} stories are loaded but none is tagged yet. Run `storywatch tag`.")
        return False
    return True


def show_table(frame: pd.DataFrame, key: str, file_name: str, **options: object) -> None:
    """A table with a CSV download of exactly what it shows."""
    st.dataframe(frame, hide_index=True, key=key, **options)
    st.download_button("Download CSV", frame.to_csv(index=False).encode("utf-8"),
                       file_name=f"{file_name}.csv", mime="text/csv", key=f"{key}_csv")


def chart_download(png: bytes, key: str, file_name: str) -> None:
    """The "Download chart (PNG)" button under a chart: the same data drawn by matplotlib."""
    st.download_button("Download chart (PNG)", png, file_name=f"{file_name}.png",
                       mime="image/png", key=f"{key}_png")


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def report_files(workdir: str, period: str, end: date | None) -> dict[str, tuple[str, bytes]]:
    """The exec report (HTML and PDF) for the period holding `end`: {format: (name, bytes)}."""
    from warehouse.export import write_report
    from warehouse.report_data import gather_report

    con = connect_read_only(Path(workdir), wait_seconds=LOCK_WAIT_SECONDS)
    try:
        data = gather_report(con, None, period, end)
    finally:
        con.close()
    with tempfile.TemporaryDirectory() as folder:
        written = write_report(data, Path(folder), ["html", "pdf"])
        return {path.suffix.lstrip("."): (path.name, path.read_bytes()) for path in written}
