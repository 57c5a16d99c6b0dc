"""Sources: per source and brand, the last crawl, stories gathered and errors.

So a broken spider is visible: a source whose last crawl had errors, or found nothing, is
listed first with a warning.
"""
from __future__ import annotations

import streamlit as st

from storywatch.dashboard.data import current_workdir, fetch, show_table
from storywatch.warehouse import database_path, queries

st.title("Sources")
st.caption("The last crawl of each source: what it found, its errors, and the stories stored.")

workdir = current_workdir()
if workdir is not None and not database_path(workdir).exists():
    st.info(f"No warehouse in {workdir} yet. Run `storywatch demo`, or `storywatch crawl` "
            "after adding sources to storywatch.toml.")
elif workdir is not None:
    health = fetch(workdir, queries.source_health)
    if health is not None and health.empty:
        st.info("No source crawled yet. Add sources to storywatch.toml and run "
                "`storywatch crawl`.")
    elif health is not None:
        for row in health.itertuples():
            if row.errors_last_crawl:
                st.warning(f"{row.source} for {row.brand}: {row.errors_last_crawl} errors in the "
                           "last crawl. Run `storywatch crawl` again, or check the source's URL.")
            elif row.crawls and not row.found_last_crawl:
                st.warning(f"{row.source} for {row.brand}: the last crawl found no stories.")
        left, middle, right = st.columns(3)
        left.metric("Sources", len(health))
        # Two pages of one format for a brand are two rows sharing that format's stories.
        stored = health.drop_duplicates(["source", "brand"])["stories_stored"].sum()
        middle.metric("Stories stored", int(stored))
        right.metric("Errors in last crawls", int(health["errors_last_crawl"].sum()))
        show_table(health, "sources_table", "sources",
                   column_config={"url": st.column_config.LinkColumn("url")})
