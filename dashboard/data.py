"""What the dashboard pages share: the workdir app.py was given, and cached named queries.

A page asks a question by passing the named query itself (`fetch(workdir, queries.brands)`), so
a misspelt or removed query fails at import, not on a page view.

The warehouse file is opened read-only for each query and closed straight away, so `storywatch
load` and `storywatch tag` can take the write lock between two page views; results are cached for
30 seconds. While a writer holds the lock (WarehouseBusy), a page shows the last answer it got for
the same question (with a note saying so), or else a warning to retry in a moment; a file DuckDB
cannot read (WarehouseCorrupt) is named as such. Every failure becomes one sentence on the page,
never a traceback. Tables download as CSV through `storywatch.reports.spreadsheet_safety`, so
story text cannot run as a spreadsheet formula.
"""
from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from storywatch.errors import StorywatchError
from storywatch.reports.spreadsheet_safety import spreadsheet_csv
from storywatch.warehouse import (
    WarehouseBusy,
    WarehouseCorrupt,
    WarehouseError,
    database_path,
    queries,
    reading,
)

WORKDIR_KEY = "storywatch_workdir"
CACHE_SECONDS = 30
LOCK_WAIT_SECONDS = 2.0
# The last good answer per question, shown while a writer holds the lock. Per process, like
# Streamlit's own cache, so every session benefits.
_LAST_GOOD: dict[tuple, object] = {}
LAST_GOOD_ENTRIES = 256
# Once a read found a writer at work, reads in the next few seconds try the lock once instead of
# waiting again: a page of ten tables shows its last data after one wait, not ten.
_BUSY_SEEN: dict[str, float] = {}
BUSY_MEMORY_SECONDS = 5.0


def current_workdir() -> Path | None:
    """The workdir app.py put in the session, or None when a page was started on its own."""
    value = st.session_state.get(WORKDIR_KEY)
    if value is None:
        st.info("Start the dashboard with `storywatch dashboard --workdir DIR`.")
        return None
    return Path(value)


# A named query: a function of an open connection and keyword filters.
Question = Callable[..., object]


def _name(question: Question) -> str:
    """What the caches key a question by: the query function's module and name."""
    return f"{question.__module__}.{question.__qualname__}"


@contextmanager
def page_reading(workdir: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """`storywatch.warehouse.reading` with the dashboard's short wait; a failed query is a
    WarehouseError."""
    seen = _BUSY_SEEN.get(workdir)
    recently_busy = seen is not None and time.monotonic() - seen < BUSY_MEMORY_SECONDS
    try:
        with reading(Path(workdir),
                     wait_seconds=0.0 if recently_busy else LOCK_WAIT_SECONDS) as con:
            yield con
    except WarehouseBusy:
        _BUSY_SEEN[workdir] = time.monotonic()
        raise
    except duckdb.Error as error:
        raise WarehouseError(
            f"The warehouse {database_path(Path(workdir))} could not answer ({error}); "
            "run `storywatch load` to bring its schema up to date."
        ) from error


def ask(workdir: str, question: Question, **filters: object) -> pd.DataFrame | int:
    """Run the named query `question` on a read-only connection, uncached."""
    with page_reading(workdir) as con:
        return question(con, **filters)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _cached(workdir: str, name: str, _question: Question, **filters: object):
    # Streamlit hashes the other arguments for the key; `name` stands in for the function.
    return ask(workdir, _question, **filters)


def query(workdir: str, question: Question, **filters: object) -> pd.DataFrame | int:
    """`ask`, cached for CACHE_SECONDS so reruns do not reopen the file for every widget."""
    return _cached(workdir, _name(question), question, **filters)


def problem_sentence(error: StorywatchError) -> str:
    """What a page says when it cannot go on: busy means retry, corrupt repair, else the error's
    own sentence (every StorywatchError says how to fix it)."""
    if isinstance(error, WarehouseBusy):
        return ("The warehouse is being updated right now (a crawl, load or tag is writing to "
                f"it): retry in a moment. {error}")
    if isinstance(error, WarehouseCorrupt):
        return f"The warehouse file is damaged or is not a DuckDB database. {error}"
    return str(error)


def _key(workdir: Path, name: str, filters: dict[str, object]) -> tuple:
    return str(workdir), name, tuple(sorted((k, repr(v)) for k, v in filters.items()))


def _remembered(key: tuple, read: Callable[[], object]):
    """`read()`, or while a writer holds the lock the last answer it gave for `key`."""
    try:
        result = read()
    except WarehouseBusy:
        if key not in _LAST_GOOD:
            raise
        st.caption("The warehouse is being updated (crawl, load or tag is writing): showing "
                   "the last data read. Reload in a moment for the newest.")
        return _LAST_GOOD[key]
    _LAST_GOOD.pop(key, None)
    _LAST_GOOD[key] = result
    while len(_LAST_GOOD) > LAST_GOOD_ENTRIES:
        _LAST_GOOD.pop(next(iter(_LAST_GOOD)))  # the least recently read answer
    return result


def _answer(workdir: Path, question: Question, filters: dict[str, object]):
    return _remembered(_key(workdir, _name(question), filters),
                       lambda: query(str(workdir), question, **filters))


def fetch(workdir: Path, question: Question, **filters: object) -> pd.DataFrame | None:
    """A named query's result, or None after showing why it could not be read."""
    try:
        return _answer(workdir, question, filters)
    except WarehouseError as error:
        st.warning(problem_sentence(error))
        return None


def fetch_quietly(workdir: Path, question: Question, **filters: object):
    """A named query's result, or None without a message (for the sidebar's choices)."""
    if not database_path(workdir).exists():
        return None
    try:
        return _answer(workdir, question, filters)
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
        count = ask(str(workdir), queries.story_count)
        tagged = ask(str(workdir), queries.tagged_story_count)
    except WarehouseError as error:
        period_read = _key(workdir, _name(queries.story_period), {}) in _LAST_GOOD
        if isinstance(error, WarehouseBusy) and period_read:
            return True  # a writer is at work; the pages show their last data
        st.warning(problem_sentence(error))
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
    st.download_button("Download CSV", spreadsheet_csv(frame).encode("utf-8"),
                       file_name=f"{file_name}.csv", mime="text/csv", key=f"{key}_csv")


def chart_download(png: bytes, key: str, file_name: str) -> None:
    """The "Download chart (PNG)" button under a chart: the same data drawn by matplotlib."""
    st.download_button("Download chart (PNG)", png, file_name=f"{file_name}.png",
                       mime="image/png", key=f"{key}_png")


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def report_files(workdir: str, period: str, end: date | None) -> dict[str, tuple[str, bytes]]:
    """The exec report (HTML and PDF) for the period holding `end`: {format: (name, bytes)}."""
    from storywatch.reports.content import gather_report
    from storywatch.reports.export import write_report

    with page_reading(workdir) as con:
        data = gather_report(con, None, period, end)
    with tempfile.TemporaryDirectory() as folder:
        written = write_report(data, Path(folder), ["html", "pdf"])
        return {path.suffix.lstrip("."): (path.name, path.read_bytes()) for path in written}


def fetch_report_files(workdir: Path, period: str,
                       end: date | None) -> dict[str, tuple[str, bytes]] | None:
    """`report_files`, or None after showing why the report could not be made."""
    key = (str(workdir), "report_files", period, repr(end))
    try:
        return _remembered(key, lambda: report_files(str(workdir), period, end))
    except WarehouseError as error:
        st.warning(problem_sentence(error))
        return None
