"""What the dashboard pages share: the workdir app.py was given, and cached named queries.

The warehouse file is opened read-only for each batch of queries and closed straight away, so
`storywatch load` and `storywatch tag` can take the write lock between two page views; results
are cached for 30 seconds. Every failure becomes one sentence on the page, never a traceback.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from warehouse import WarehouseError, connect_read_only, database_path, queries

WORKDIR_KEY = "storywatch_workdir"
CACHE_SECONDS = 30


def current_workdir() -> Path | None:
    """The workdir app.py put in the session, or None when a page was started on its own."""
    value = st.session_state.get(WORKDIR_KEY)
    if value is None:
        st.info("Start the dashboard with `storywatch dashboard --workdir DIR`.")
        return None
    return Path(value)


def ask(workdir: str, name: str, **filters: object) -> pd.DataFrame | int:
    """Run the named query `warehouse.queries.<name>` on a read-only connection, uncached."""
    con = connect_read_only(Path(workdir))
    try:
        return getattr(queries, name)(con, **filters)
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
        st.warning(str(error))
        return False
    if count == 0:
        st.info("No stories yet. Run `storywatch crawl` and then `storywatch load`.")
        return False
    if tagged == 0:
        st.info(f"{count} stories are loaded but none is tagged yet. Run `storywatch tag`.")
        return False
    return True


def fetch(workdir: Path, name: str, **filters: object) -> pd.DataFrame | None:
    """A named query's result, or None after showing why it could not be read."""
    try:
        return query(str(workdir), name, **filters)
    except WarehouseError as error:
        st.warning(str(error))
        return None
