"""The dashboard while its warehouse cannot be read: a writer holds the DuckDB lock, or the file
is not a DuckDB database at all.

Every page, and the landing page app.py opens, must show one sentence saying what is going on
(and its last data where it has some), never a traceback. The writer is a real child process
holding the file read-write, since a lock taken in the test's own process may not block.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import storywatch.dashboard.data
from storywatch.warehouse import WarehouseBusy, database_path
from tests.fixture_warehouse import build_fixture_warehouse

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
# None: the landing page app.py shows first (the Overview).
PAGES = (None, "pages/overview.py", "pages/competitors.py", "pages/causes.py",
         "pages/stories.py", "pages/sources.py")
TITLES = {None: "Overview", "pages/overview.py": "Overview", "pages/competitors.py": "Competitors",
          "pages/causes.py": "Causes & owners", "pages/stories.py": "Stories",
          "pages/sources.py": "Sources"}
BUSY = "being updated"


@pytest.fixture(scope="module")
def fixture_workdir(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("unreadable")
    build_fixture_warehouse(workdir)
    return workdir


@pytest.fixture()
def cold(monkeypatch) -> None:
    """No answer cached or remembered, and a short wait for the lock so tests stay quick."""
    monkeypatch.setattr(storywatch.dashboard.data, "LOCK_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(storywatch.dashboard.data, "_LAST_GOOD", {})
    monkeypatch.setattr(storywatch.dashboard.data, "_BUSY_SEEN", {})
    st.cache_data.clear()


@contextmanager
def writer_holding(workdir: Path) -> Iterator[None]:
    """A `storywatch load` stand-in: another process with the warehouse open read-write."""
    writer = subprocess.Popen(
        [sys.executable, "-c", ("import duckdb, time; "
                                f"con = duckdb.connect({str(database_path(workdir))!r}); "
                                "print('locked', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "locked"
        yield
    finally:
        writer.kill()
        writer.wait()


def open_page(monkeypatch, workdir: Path, page: str | None) -> AppTest:
    monkeypatch.setenv("STORYWATCH_WORKDIR", str(workdir))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    if page:
        app.switch_page(page).run()
    return app


def warnings(app: AppTest) -> list[str]:
    return [element.value for element in (*app.warning, *app.info)]


@pytest.mark.parametrize("page", PAGES)
def test_busy_warehouse_with_nothing_cached_says_retry(monkeypatch, fixture_workdir, cold, page):
    with writer_holding(fixture_workdir):
        app = open_page(monkeypatch, fixture_workdir, page)
    assert not app.exception, app.exception
    assert app.title[0].value == TITLES[page]
    shown = warnings(app)
    assert any(BUSY in text and "retry in a moment" in text for text in shown), shown


@pytest.mark.slow  # each page runs twice; the quick check of busy pages is the one above
@pytest.mark.parametrize("page", PAGES)
def test_busy_warehouse_after_the_cache_expired_shows_the_last_data(monkeypatch, fixture_workdir,
                                                                    cold, page):
    app = open_page(monkeypatch, fixture_workdir, page)
    before = [frame.value for frame in app.dataframe]
    metrics = [(metric.label, metric.value) for metric in app.metric]
    downloads = sorted(button.label for button in app.get("download_button"))
    assert before and not app.exception
    with writer_holding(fixture_workdir):
        st.cache_data.clear()  # the 30 s cache ran out while the writer works
        app.run()
    assert not app.exception, app.exception
    assert any(BUSY in caption.value for caption in app.caption)
    assert [(metric.label, metric.value) for metric in app.metric] == metrics
    assert len(app.dataframe) == len(before)
    assert all(frame.value.equals(old) for frame, old in zip(app.dataframe, before, strict=True))
    # The Overview's exec report downloads come from the last report made, too.
    assert sorted(button.label for button in app.get("download_button")) == downloads


@pytest.mark.slow  # a timing check: seconds of lock waits by design
def test_a_busy_page_waits_for_the_lock_once_not_per_table(monkeypatch, fixture_workdir, cold):
    app = open_page(monkeypatch, fixture_workdir, None)
    monkeypatch.setattr(storywatch.dashboard.data, "LOCK_WAIT_SECONDS", 1.5)
    with writer_holding(fixture_workdir):
        st.cache_data.clear()
        started = time.monotonic()
        app.run()
        took = time.monotonic() - started
    stale = [caption for caption in app.caption if BUSY in caption.value]
    assert not app.exception and len(stale) >= 6
    # Waiting 1.5 s for each of the Overview's reads would take 9 s and more.
    assert took < 7, f"{took:.1f} s"


@pytest.mark.parametrize("page", PAGES)
def test_a_file_that_is_not_duckdb_is_called_unreadable_not_busy(monkeypatch, tmp_path, cold,
                                                                 page):
    database_path(tmp_path).write_bytes(os.urandom(64 * 1024))
    app = open_page(monkeypatch, tmp_path, page)
    assert not app.exception, app.exception
    shown = warnings(app)
    assert any("damaged or is not a DuckDB database" in text and "storywatch load" in text
               for text in shown), shown
    assert not any(BUSY in text for text in shown)


def test_a_warehouse_problem_no_page_handles_still_shows_one_sentence(monkeypatch,
                                                                     fixture_workdir, cold):
    def fails(workdir):
        raise WarehouseBusy(f"The warehouse {workdir} is in use by process 1 (storywatch tag).")

    # Fault injection: a page reading the warehouse outside dashboard.data's helpers; app.py,
    # which runs every page, turns it into a sentence.
    monkeypatch.setattr(storywatch.dashboard.data, "has_tagged_stories", fails)
    app = open_page(monkeypatch, fixture_workdir, None)
    assert not app.exception, app.exception
    assert any(BUSY in text and "storywatch tag" in text for text in warnings(app))
