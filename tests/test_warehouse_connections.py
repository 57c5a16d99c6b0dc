"""One way to read and one way to write the warehouse: `reading()` and `writing()` in warehouse.db.

A reader's block holds the file only while it runs, so a writer gets in straight after it; a
writer's block is one transaction (the savers inside it, such as `save_tags`, join it), so a
failure half-way leaves nothing behind, and the file is let go either way. Package code opens the
warehouse only through these (or a SharedWriter, or the analysts' sandbox built on them).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from storywatch.warehouse import WarehouseError, database_path, reading, writing
from storywatch.warehouse.crawl_log import CrawlRun, record_crawl_runs, sources_status
from storywatch.warehouse.tags import save_tags

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "dashboard", "nlp", "storywatch", "warehouse")
# The openers themselves: warehouse.db, and the sandbox that restricts a read-only connection.
OPENERS = {"warehouse/db.py", "warehouse/sql_sandbox.py"}
BY_HAND = re.compile(r"(?<![\w.])connect(_read_only)?\(|duckdb\.connect\(|BEGIN TRANSACTION")
TAGS = {"sentiment": "negative", "sentiment_score": -0.9, "language": "en",
        "sentences": [{"index": 0, "text": "No refund.", "sentiment": "negative",
                       "sentiment_score": -0.9}],
        "causes": [{"cause": "refunds", "owner": "Operations", "score": 0.8,
                    "evidence": "No refund."}]}


def _run(source: str) -> CrawlRun:
    return CrawlRun(source=source, brand="Northwind", url="http://127.0.0.1/", stories_found=3,
                    started_at="2025-01-06T10:00:00Z", finished_at="2025-01-06T10:01:00Z",
                    errors=0)


def test_reading_a_workdir_without_a_warehouse_says_how_to_make_one(workdir):
    with pytest.raises(WarehouseError, match="storywatch crawl"), reading(workdir):
        pass
    assert not database_path(workdir).exists()


def test_a_writing_block_commits_its_savers_together(workdir):
    with writing(workdir) as con:
        record_crawl_runs(con, [_run("schema_org")])
        save_tags(con, "model-a", [("story-1", "hash-1", TAGS)])  # its own transaction joins
    with reading(workdir) as con:
        assert [row[0] for row in sources_status(con)] == ["schema_org"]
        assert con.execute("SELECT model_version FROM current_model").fetchall() == [("model-a",)]
        assert con.execute("SELECT count(*) FROM cause_tags").fetchone() == (1,)


def test_a_failed_writing_block_leaves_nothing_and_lets_go_of_the_file(workdir):
    with writing(workdir) as con:
        record_crawl_runs(con, [_run("schema_org")])
    with pytest.raises(ValueError, match="half-way"), writing(workdir) as con:
        record_crawl_runs(con, [_run("trustpilot")])
        save_tags(con, "model-b", [("story-1", "hash-1", TAGS)])
        raise ValueError("failed half-way")
    with writing(workdir, wait_seconds=0.0) as con:  # closed: a writer gets in at once
        assert [row[0] for row in sources_status(con)] == ["schema_org"]
        assert con.execute("SELECT count(*) FROM story_tags").fetchone() == (0,)


def test_a_reading_block_lets_go_of_the_file_even_when_it_fails(workdir):
    with writing(workdir):
        pass
    with pytest.raises(KeyError), reading(workdir) as con:
        con.execute("SELECT count(*) FROM stories").fetchone()
        raise KeyError("a page failed")
    # DuckDB refuses a read-write connection while this process still has a read-only one open.
    with writing(workdir, wait_seconds=0.0) as con:
        record_crawl_runs(con, [_run("schema_org")])
    with reading(workdir, wait_seconds=0.0) as con:
        assert len(sources_status(con)) == 1


def _opened_by_hand() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name in OPENERS:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if BY_HAND.search(line):
                    found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_package_code_opens_the_warehouse_only_through_reading_and_writing():
    assert _opened_by_hand() == []
