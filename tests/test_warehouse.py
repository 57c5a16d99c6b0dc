"""The warehouse: migrations, idempotent load from landing files, tags per model version, read-only SQL."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from storywatch.warehouse import WarehouseError, connect, connect_read_only
from storywatch.warehouse.db import SharedWriter
from storywatch.warehouse.loader import load_landing, upsert_stories
from storywatch.warehouse.sql import WriteRefused, run_query
from storywatch.warehouse.tags import pending_stories, save_tags


def story(key: str, body: str, brand: str = "Northwind", **extra) -> dict:
    record = {
        "story_key": f"trustpilot:{key}", "source": "trustpilot", "external_id": key,
        "brand": brand, "is_competitor": brand != "Northwind", "body": body,
        "title": None, "rating": 0.25, "rating_raw": "2/5",
        "published_at": "2026-09-14T08:30:00+02:00", "fetched_at": "2026-11-20T10:00:00Z",
        "labels": [], "raw": {"id": key},
    }
    record.update(extra)
    return record


def write_landing(workdir: Path, name: str, records: list, extra_lines: list[str] = ()) -> Path:
    folder = workdir / "landing"
    folder.mkdir(exist_ok=True)
    path = folder / name
    lines = [json.dumps(r) for r in records] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tags(sentiment: str, score: float, causes=()) -> dict:
    return {
        "sentiment": sentiment, "sentiment_score": score, "language": "en",
        "sentences": [{"index": 0, "text": "x", "sentiment": sentiment, "sentiment_score": score}],
        "causes": [{"cause": c, "owner": "Operations", "score": 0.5, "evidence": "x",
                    "evidence_sentiment": sentiment} for c in causes],
    }


def test_migrations_create_schema_once(workdir):
    con = connect(workdir)
    found = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    tables = {row[0] for row in found}
    assert {"stories", "story_tags", "cause_tags", "story_facts", "weekly_brand_scores"} <= tables
    con.close()
    con = connect(workdir)  # reopening applies nothing twice
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] >= 3
    con.close()


def load(workdir: Path):
    with SharedWriter(workdir) as writer:
        return load_landing(writer, workdir)


def test_load_is_idempotent_and_counts_bad_lines(workdir):
    write_landing(workdir, "20260920-trustpilot-a.jsonl",
                  [story("1", "Refund refused without a receipt."), story("2", "Great staff!")],
                  extra_lines=["{not json", json.dumps({"source": "x"})])
    (workdir / "landing" / "20260921-trustpilot-b.jsonl.part").write_text("{half", "utf-8")
    first = load(workdir)
    assert (first.files, first.inserted, first.skipped) == (1, 2, 2)
    assert set(first.skip_reasons) == {"line is not valid JSON",
                                       "invalid record: missing story_key, brand, body"}
    con = connect(workdir)
    before = con.execute("SELECT * FROM stories ORDER BY story_key").fetchall()
    con.close()
    second = load(workdir)
    assert (second.files, second.inserted, second.updated) == (0, 0, 0)
    con = connect(workdir)
    assert con.execute("SELECT * FROM stories ORDER BY story_key").fetchall() == before
    con.close()
    # the same stories arriving again in a new crawl's file change nothing either
    write_landing(workdir, "20260922-trustpilot-c.jsonl", [story("1", "Refund refused without a receipt.")])
    third = load(workdir)
    assert (third.inserted, third.updated, third.unchanged) == (0, 0, 1)
    con = connect(workdir)
    assert con.execute("SELECT count(*) FROM stories").fetchone()[0] == 2
    stored = con.execute("SELECT published_at, brand FROM stories WHERE external_id='1'").fetchone()
    assert stored[0].isoformat() == "2026-09-14T06:30:00"  # stored as UTC
    con.close()


def test_edited_story_updates_and_is_retagged(workdir):
    con = connect(workdir)
    upsert_stories(con, [story("7", "Delivery was late.")])
    pending = pending_stories(con, "model-a")
    save_tags(con, "model-a", [(p.story_key, p.body_hash, tags("negative", -0.7, ["delays"]))
                               for p in pending])
    assert pending_stories(con, "model-a") == []
    assert upsert_stories(con, [story("7", "Delivery was late, but they refunded the fee.")]) == (0, 1, 0)
    again = pending_stories(con, "model-a")
    assert [p.story_key for p in again] == ["trustpilot:7"]
    save_tags(con, "model-a", [(p.story_key, p.body_hash, tags("positive", 0.3)) for p in again])
    assert con.execute("SELECT count(*) FROM story_tags").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM cause_tags").fetchone()[0] == 0
    # a new model version needs everything tagged again, and becomes the one views read
    assert len(pending_stories(con, "model-b")) == 1
    con.close()


def test_views_read_current_model(workdir):
    con = connect(workdir)
    upsert_stories(con, [story("1", "bad"), story("2", "good"), story("3", "bad", brand="Brightmart")])
    save_tags(con, "m1", [
        ("trustpilot:1", "h", tags("negative", -0.9, ["refunds"])),
        ("trustpilot:2", "h", tags("positive", 0.8)),
        ("trustpilot:3", "h", tags("negative", -0.5)),
    ])
    rows = con.execute(
        "SELECT brand, stories, positive, negative, net_story_score FROM weekly_brand_scores "
        "ORDER BY brand").fetchall()
    assert rows == [("Brightmart", 1, 0, 1, -100.0), ("Northwind", 2, 1, 1, 0.0)]
    causes = con.execute("SELECT story_key, cause, owner FROM story_causes").fetchall()
    assert causes == [("trustpilot:1", "refunds", "Operations")]
    con.close()


def test_read_only_connection_and_missing_warehouse(workdir):
    with pytest.raises(WarehouseError, match="storywatch demo"):
        connect_read_only(workdir)
    connect(workdir).close()
    con = connect_read_only(workdir)
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM stories")
    con.close()


@pytest.mark.parametrize("query", [
    "DELETE FROM stories", "DROP VIEW story_facts", "CREATE TABLE x (a INT)",
    "INSERT INTO stories (story_key) VALUES ('x')", "SELECT 1; DROP TABLE stories",
    "COPY stories TO 'stolen.csv'", "ATTACH 'other.duckdb'", "UPDATE stories SET body = ''",
])
def test_sql_refuses_writes(workdir, query):
    connect(workdir).close()
    with pytest.raises(WriteRefused, match="read-only"):
        run_query(workdir, query)


def test_sql_runs_queries(workdir):
    con = connect(workdir)
    upsert_stories(con, [story("1", "bad"), story("2", "good")])
    con.close()
    frame = run_query(workdir, "SELECT count(*) AS n FROM story_facts")
    assert frame["n"].tolist() == [2]
    with pytest.raises(WarehouseError, match="failed"):
        run_query(workdir, "SELECT nope FROM story_facts")
