"""The flow's steps on the lake: load landing files, find pending stories, save tags and reply
classes, switch versions, record crawls, rebuild the daily rollups of the days a run touched.

Each step computes its rows with the warehouse's own code on a scratch in-memory warehouse (the
loader's upsert rules, `save_tags`, `make_current`, ...) and commits them to the lake in one
Delta commit per table, so the lake and the DuckDB file hold the same rows for the same input.
Only the driver of a run calls these: the lake has one committer.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from storywatch.scale.lake import Lake, lake_rows, open_session, rollup_code, scratch, tag_rows
from storywatch.story_record import story_text
from storywatch.warehouse import db, report_rollups
from storywatch.warehouse.crawl_log import CrawlRun, record_crawl_runs
from storywatch.warehouse.known_stories import known_story_keys, loaded_landing_files
from storywatch.warehouse.loader import LoadReport, landing_files, read_landing, upsert_stories
from storywatch.warehouse.reply_tags import PendingReply, pending_replies, save_reply_tags
from storywatch.warehouse.report_rollups import DAILY_ROLLUP_SQL
from storywatch.warehouse.tags import PendingStory, save_tags, text_hash

# The lake's copies of the story views (lake name, view), as report_rollups makes them.
COPIES = (("story_facts_rollup", "story_facts"), ("story_causes_rollup", "story_causes"),
          ("story_owners_rollup", "story_owners"))
# The lake's daily rollup tables (warehouse: DAILY_SCORES, DAILY_CAUSES, DAILY_OWNERS):
# (lake name, grouping columns, what it counts), as report_rollups makes them.
DAILY = tuple((name, *report_rollups.DAILY[table]) for name, table in (
    ("daily_scores", report_rollups.DAILY_SCORES), ("daily_causes", report_rollups.DAILY_CAUSES),
    ("daily_owners", report_rollups.DAILY_OWNERS)))


def _existing_stories(lake: Lake, keys: list[str]) -> pa.Table:
    return lake.rows("stories", "WHERE list_contains(?, story_key)", [keys])


def load(lake: Lake, workdir: Path) -> tuple[LoadReport, set]:
    """Load the landing files the lake has not loaded; return the report and the publication
    days of the stories inserted or changed (the days whose rollups are stale).

    Stories commit first, then the files as loaded: after a kill between the two, the next load
    reads the files again and finds their stories unchanged, never twice.
    """
    report = LoadReport()
    with open_session(lake) as session:
        done = loaded_landing_files(session)
    files = [path for path in landing_files(workdir) if path.name not in done]
    if not files:
        return report, set()
    con = scratch()
    read = []
    for path in files:
        rows_before, skipped_before = report.rows, report.skipped
        records = read_landing(path, report)
        read.append((path, records, report.rows - rows_before, report.skipped - skipped_before))
    keys = sorted({r["story_key"] for _, records, _, _ in read for r in records
                   if isinstance(r.get("story_key"), str)})
    existing = _existing_stories(lake, keys).drop_columns(["text_hash"])
    con.register("_existing", existing)
    con.execute("INSERT INTO stories SELECT * FROM _existing")
    con.execute("CREATE TEMP TABLE _before AS SELECT story_key, updated_at FROM stories")
    for path, records, rows, read_skips in read:
        skipped = report.skipped
        upsert_stories(con, records, path.name, report)
        con.execute("INSERT INTO loaded_files VALUES (?, now()::TIMESTAMP, ?, ?)",
                    [path.name, rows, read_skips + report.skipped - skipped])
    report.files = len(files)
    changed = lake_rows(con, "stories",
                        "WHERE story_key NOT IN (SELECT story_key FROM _before) OR updated_at > "
                        "(SELECT b.updated_at FROM _before b WHERE b.story_key = stories.story_key)")
    changed = changed.append_column("text_hash", pa.array(
        [text_hash(story_text(title, body)) for title, body
         in zip(changed["title"].to_pylist(), changed["body"].to_pylist())], pa.string()))
    lake.upsert("stories", changed)
    lake.upsert("loaded_files", lake_rows(con, "loaded_files"))
    days = set(pc.cast(changed["published_at"], pa.date32()).to_pylist())
    con.close()
    return report, days


def known_keys(lake: Lake, formats: set[str] | None) -> set[str]:
    """Story keys the lake holds (of these source formats; None: all), for incremental crawls."""
    with open_session(lake) as session:
        return known_story_keys(session, sorted(formats) if formats else None)


def loaded_files(lake: Lake) -> set[str]:
    with open_session(lake) as session:
        return loaded_landing_files(session)


def record_crawls(lake: Lake, runs: list[CrawlRun]) -> None:
    con = scratch()
    record_crawl_runs(con, runs)
    lake.upsert("crawl_runs", lake_rows(con, "crawl_runs"))
    con.close()


def pending_table(lake: Lake, model_version: str) -> pa.Table:
    """Stories `model_version` has not tagged in their current text, oldest first: a join on
    the stored text hash (story_key, text_hash, text), no hashing of every story."""
    with open_session(lake) as session:
        found = session.sql(
            """
            SELECT s.story_key, s.text_hash, s.title, s.body
            FROM _lake_stories s
            ANTI JOIN _lake_tags t
              ON t.story_key = s.story_key AND t.model_version = ? AND t.body_hash = s.text_hash
            ORDER BY s.published_at NULLS LAST, s.story_key
            """, params=[model_version]).to_arrow_table()
    texts = [story_text(title, body) for title, body
             in zip(found["title"].to_pylist(), found["body"].to_pylist())]
    return pa.table({"story_key": found["story_key"], "body_hash": found["text_hash"],
                     "text": pa.array(texts, pa.string())})


def pending_stories(lake: Lake, model_version: str) -> list[PendingStory]:
    table = pending_table(lake, model_version)
    return [PendingStory(*row) for row in zip(*(table[c].to_pylist() for c in table.column_names))]


def save_story_tags(lake: Lake, model_version: str, tagged: list[tuple[str, str, dict]]) -> int:
    """Upsert (story_key, body_hash, tags) keyed by (story, model version): a retried batch or
    a re-run replaces its rows, never adds. The current model version is not changed here."""
    if not tagged:
        return 0
    con = scratch()
    save_tags(con, model_version, tagged)
    lake.upsert("tags", tag_rows(con))
    con.close()
    return len(tagged)


def make_current(lake: Lake, table: str, column: str, version: str) -> None:
    """Make `version` the current one of a versions table (model_versions, reply_models), in
    one commit, after the run's tags have all committed."""
    con = scratch()
    con.register("_old", lake.rows(table))
    con.execute(f"INSERT INTO {table} SELECT * FROM _old")
    db.make_current(con, table, column, version)
    lake.replace(table, lake_rows(con, table))
    con.close()


def current_version(lake: Lake, table: str, column: str) -> str | None:
    rows = lake.rows(table, "WHERE is_current").column(column).to_pylist()
    return rows[0] if rows else None


def replies_pending(lake: Lake, reply_version: str) -> list[PendingReply]:
    with open_session(lake) as session:
        return pending_replies(session, reply_version)


def save_replies(lake: Lake, reply_version: str, tagged: list[tuple[str, str, dict]]) -> None:
    con = scratch()
    save_reply_tags(con, reply_version, tagged)
    lake.upsert("replies", lake_rows(con, "reply_tags"))
    con.close()


def story_days(lake: Lake, keys: list[str]) -> set:
    """Publication days of these stories."""
    found = _existing_stories(lake, keys)
    return set(pc.cast(found["published_at"], pa.date32()).to_pylist())


def _day_predicate(days: set, day: str = "day") -> str:
    """SQL (for DuckDB and for Delta) true for rows of these days; `day` is the day column."""
    dated = sorted(d for d in days if d is not None)
    parts = [f"{day} IN ({', '.join(repr(d.isoformat()) for d in dated)})"] if dated else []
    if None in days:
        parts.append(f"{day} IS NULL")
    return " OR ".join(parts) or "FALSE"


def refresh_rollups(lake: Lake, days: set | None) -> None:
    """Rebuild the daily rollups of these publication days (None: every day), then record the
    table versions they were built from; until then readers take the views (same answers)."""
    with open_session(lake) as session:
        published = "CAST(published_at AS DATE)"
        for name, view in COPIES:
            where = "" if days is None else f"WHERE {_day_predicate(days, published)}"
            # Ordered by time, so a query for recent stories skips the older row groups.
            fresh = session.sql(f"SELECT * FROM {view} {where} ORDER BY published_at") \
                .to_arrow_table()
            lake.replace(name, fresh, where=None if days is None else
                         _day_predicate(days, published))
        for name, columns, view in DAILY:
            source = (f"(SELECT * FROM {view} WHERE CAST(published_at AS DATE) IN "
                      f"(SELECT unnest(?::DATE[])) OR (? AND published_at IS NULL))")
            if days is None:
                source = view
            session.execute(DAILY_ROLLUP_SQL.format(table=f"_fresh_{name}", columns=columns, view=source),
                            [] if days is None else
                            [sorted(d for d in days if d is not None), None in days])
            fresh = session.sql(f"SELECT * FROM _fresh_{name}").to_arrow_table()
            lake.replace(name, fresh, where=None if days is None else _day_predicate(days))
    versions = lake.versions()
    lake.replace("rollup_state", pa.table({
        "stories_version": [versions["stories"]], "tags_version": [versions["tags"]],
        "model_versions_version": [versions["model_versions"]], "code": [rollup_code()]}))
