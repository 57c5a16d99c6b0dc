"""`storywatch sql` is read-only by construction: the attacks a tester found are refused and leave
every file as it was, reads still work, and an idle prompt never blocks a writer."""
from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.warehouse import WarehouseError, connect
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.sql import export_parquet, run_query
from storywatch.warehouse.sql_guard import WriteRefused
from storywatch.warehouse.sql_sandbox import FileRefused, UnsafeReadablePath, connect_for_analysts

ROOT = Path(__file__).resolve().parent.parent
STORIES = 3


def stories(first: int, count: int) -> list[dict]:
    return [{"story_key": f"demo:{n}", "source": "demo", "brand": "Northwind",
             "body": f"story {n}", "published_at": "2026-10-01T00:00:00Z"}
            for n in range(first, first + count)]


@pytest.fixture()
def warehouse(workdir: Path) -> Path:
    """A tiny warehouse with three stories, a landing/ folder and a storywatch.toml."""
    con = connect(workdir)
    upsert_stories(con, stories(0, STORIES))
    con.close()
    (workdir / "landing").mkdir()
    (workdir / "storywatch.toml").write_text('[brand]\nname = "Northwind"\n', encoding="utf-8")
    return workdir


def story_count(workdir: Path) -> int:
    return len(run_query(workdir, "SELECT story_key FROM story_facts"))


def snapshot(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def targets(workdir: Path, tmp_path: Path) -> dict[str, Path]:
    return {"tmp": tmp_path / "stolen.csv", "warehouse": workdir / "storywatch.duckdb",
            "landing": workdir / "landing" / "fake.jsonl", "config": workdir / "storywatch.toml"}


@pytest.mark.parametrize("target", ["tmp", "warehouse", "landing", "config"])
@pytest.mark.parametrize("template", [
    "EXPLAIN ANALYZE COPY (SELECT 'x' AS x) TO '{path}' (FORMAT csv)",
    "EXPLAIN ANALYZE COPY stories TO '{path}'",
    "EXPLAIN (ANALYZE) COPY (SELECT 'x' AS x) TO '{path}'",
    "EXPLAIN /* hidden */ ANALYZE (FORMAT json) COPY (SELECT 'x' AS x) TO '{path}'",
    "COPY (SELECT 'x' AS x) TO '{path}' (FORMAT csv)",
])
def test_copy_to_a_file_is_refused_and_writes_nothing(warehouse, tmp_path, target, template):
    path = targets(warehouse, tmp_path)[target]
    before = snapshot(path)
    with pytest.raises(WriteRefused, match=r"^Refused: `storywatch sql` is read-only.*COPY"):
        run_query(warehouse, template.format(path=quoted(path)))
    assert snapshot(path) == before
    assert story_count(warehouse) == STORIES


@pytest.mark.parametrize("statement, kind", [
    ("IMPORT DATABASE '{workdir}/exported'", "PRAGMA"),
    ("EXPORT DATABASE '{workdir}/exported'", "EXPORT"),
    ("COPY FROM DATABASE memory TO other", "PRAGMA"),
    ("ATTACH '{workdir}/other.duckdb'", "ATTACH"),
    ("DETACH other", "DETACH"),
    ("SET threads = 1", "SET"),
    ("RESET threads", "SET"),
    ("PRAGMA enable_profiling", "PRAGMA"),
    ("INSTALL httpfs", "LOAD"),
    ("LOAD httpfs", "LOAD"),
    ("CHECKPOINT", "CALL"),
    ("CALL enable_logging()", "CALL"),
    ("VACUUM", "VACUUM"),
    ("ANALYZE", "ANALYZE/VACUUM"),
    ("EXPLAIN ANALYZE ANALYZE stories", "EXPLAIN of ANALYZE/VACUUM"),
    ("PREPARE p AS DELETE FROM stories", "PREPARE"),
    ("CREATE TEMP TABLE t AS SELECT 1", "CREATE"),
    ("UPDATE EXTENSIONS", "unknown"),
    ("EXPLAIN ANALYZE INSERT INTO stories SELECT * FROM stories", "EXPLAIN of INSERT"),
    ("SELECT 1; DELETE FROM stories", "DELETE"),
])
def test_statements_that_write_the_catalog_files_or_settings_are_refused(warehouse, statement,
                                                                         kind):
    before = sorted(path.name for path in warehouse.iterdir())
    with pytest.raises(WriteRefused, match="read-only") as refused:
        run_query(warehouse, statement.format(workdir=quoted(warehouse)))
    message = str(refused.value)
    assert kind in message and "Allowed: SELECT" in message and "\n" not in message
    assert sorted(path.name for path in warehouse.iterdir()) == before
    assert story_count(warehouse) == STORIES


def test_cli_refuses_overwriting_the_warehouse_in_one_line(warehouse):
    path = warehouse / "storywatch.duckdb"
    before = path.read_bytes()
    query = f"EXPLAIN ANALYZE COPY (SELECT 'x' AS x) TO '{quoted(path)}' (FORMAT csv)"
    result = CliRunner().invoke(cli, ["sql", query, "--workdir", str(warehouse)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Refused: `storywatch sql` is read-only")
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert path.read_bytes() == before and story_count(warehouse) == STORIES


def test_prompt_refuses_copy_and_goes_on(warehouse, tmp_path):
    stolen = tmp_path / "stolen.csv"
    script = (f"COPY stories TO '{quoted(stolen)}';\n"
              "SELECT count(*) AS n FROM story_facts;\n")
    result = CliRunner().invoke(cli, ["sql", "--workdir", str(warehouse), "--format", "csv"],
                                input=script)
    assert result.exit_code == 1, result.output
    assert "Error: Refused: `storywatch sql` is read-only, and COPY is not allowed" in result.output
    assert f"n\n{STORIES}\nError: 1 of 2 statements failed" in result.output
    assert not stolen.exists()


def test_url_read_fails_at_once_without_fetching_anything(warehouse):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        started = time.monotonic()
        with pytest.raises(FileRefused, match="never writes files, fetches URLs or loads ext"):
            run_query(warehouse, f"SELECT * FROM read_json_auto('http://127.0.0.1:{port}/x.json')")
        assert time.monotonic() - started < 5
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody knocked: the URL was never fetched
    finally:
        listener.close()


@pytest.mark.parametrize("query, rows", [
    ("SELECT story_key FROM story_facts ORDER BY story_key", STORIES),
    ("WITH s AS (SELECT * FROM story_facts) SELECT count(*) FROM s", 1),
    ("FROM story_facts", STORIES),
    ("DESCRIBE story_facts", 20),
    ("SHOW TABLES", None),  # None: some rows, however many DuckDB lists
    ("SUMMARIZE story_facts", None),
    ("EXPLAIN SELECT * FROM story_facts", 1),
    ("EXPLAIN ANALYZE SELECT count(*) FROM story_facts", 1),
    ("EXPLAIN (FORMAT json) SELECT 1", 1),
    ("EXPLAIN ANALYZE (SELECT 1) UNION (SELECT 2)", 1),
    ("EXPLAIN (SELECT 1);", 1),  # the prompt ends every statement with ';'
    ("EXPLAIN ANALYZE (SELECT 1);", 1),
    ("EXPLAIN (SELECT 1) -- why", 1),
    ("EXPLAIN /* caf\u00e9 */ SELECT 'na\u00efve'", 1),  # DuckDB counts tokens in bytes
    ("SELECT * FROM pragma_table_info('story_facts')", 20),
])
def test_reads_still_work(warehouse, query, rows):
    frame = run_query(warehouse, query)
    assert len(frame) == rows if rows is not None else not frame.empty


def test_csv_in_workdir_files_is_readable_but_other_files_are_not(warehouse, tmp_path):
    (warehouse / "files").mkdir()
    (warehouse / "files" / "targets.csv").write_text("brand,target\nNorthwind,40\n")
    outside = tmp_path / "outside.csv"
    outside.write_text("secret\n1\n")
    frame = run_query(warehouse, f"SELECT * FROM read_csv('{quoted(warehouse)}/files/*.csv')")
    assert frame.to_dict("records") == [{"brand": "Northwind", "target": 40}]
    for path in (outside, warehouse / "storywatch.toml", Path("/etc/passwd")):
        with pytest.raises(FileRefused, match="WORKDIR/files/"):
            run_query(warehouse, f"SELECT * FROM read_csv('{quoted(path)}')")


def test_readable_paths_from_storywatch_toml(warehouse, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "survey.csv").write_text("score\n7\n")
    config = tmp_path / "storywatch.toml"
    config.write_text('[sql]\nreadable_paths = ["shared"]\n', encoding="utf-8")
    query = f"SELECT score FROM read_csv('{quoted(shared)}/survey.csv')"
    result = CliRunner().invoke(cli, ["sql", query, "--workdir", str(warehouse),
                                      "--config", str(config), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output == "score\n7\n"
    refused = CliRunner().invoke(cli, ["sql", query, "--workdir", str(warehouse)])
    assert refused.exit_code == 1 and refused.output.startswith("Error: Refused")


def test_readable_paths_of_the_wrong_type_is_one_line(warehouse, tmp_path):
    config = tmp_path / "storywatch.toml"
    config.write_text('[sql]\nreadable_paths = "shared"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["sql", "SELECT 1", "--workdir", str(warehouse),
                                      "--config", str(config)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "readable_paths must be a list" in result.output
    assert result.output.count("\n") == 1


@pytest.mark.parametrize("folder", ["workdir", "parent", "landing", "config_folder"])
def test_readable_paths_that_would_expose_the_warehouse_are_refused(warehouse, folder):
    config = warehouse.parent / "settings" / "storywatch.toml"
    config.parent.mkdir()
    config.write_text("", encoding="utf-8")
    path = {"workdir": warehouse, "parent": warehouse.parent, "landing": warehouse / "landing",
            "config_folder": config.parent}[folder]
    with pytest.raises(UnsafeReadablePath, match="readable"):
        run_query(warehouse, "SELECT 1", readable_paths=[path], guarded=[config])


def test_the_connection_itself_cannot_write_files(warehouse, tmp_path):
    """Defence in depth: past the statement check, DuckDB still refuses to write or change."""
    con = connect_for_analysts(warehouse)
    try:
        for path in targets(warehouse, tmp_path).values():
            before = snapshot(path)
            with pytest.raises(duckdb.PermissionException):
                con.execute(f"COPY (SELECT 'x' AS x) TO '{quoted(path)}' (FORMAT csv)")
            assert snapshot(path) == before
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"ATTACH '{quoted(tmp_path / 'other.duckdb')}'")
        with pytest.raises(duckdb.InvalidInputException, match="locked"):
            con.execute("SET enable_external_access = true")
    finally:
        con.close()
    assert not (tmp_path / "other.duckdb").exists()
    assert story_count(warehouse) == STORIES


def test_export_parquet_still_writes_after_analysts_sql(warehouse, tmp_path):
    assert story_count(warehouse) == STORIES  # the restricted connection came and went
    written = export_parquet(warehouse, tmp_path / "parquet")
    assert (tmp_path / "parquet" / "story_facts.parquet") in written


def _reader(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)


def _read_until(lines: queue.Queue, wanted: str, seconds: float = 60.0) -> str:
    seen = ""
    deadline = time.monotonic() + seconds
    while wanted not in seen:
        seen += lines.get(timeout=max(0.1, deadline - time.monotonic()))
    return seen


def test_idle_prompt_does_not_block_a_writer(warehouse):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    prompt = subprocess.Popen(
        [sys.executable, "-m", "storywatch.cli", "sql", "--workdir", str(warehouse),
         "--format", "csv"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, cwd=warehouse.parent, env=env)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(prompt.stdout, lines), daemon=True).start()
    try:
        prompt.stdin.write("SELECT count(*) AS n FROM story_facts;\n")
        prompt.stdin.flush()
        assert _read_until(lines, f"n\n{STORIES}\n")
        started = time.monotonic()
        try:
            writer = connect(warehouse, wait_seconds=5)
        except WarehouseError as error:
            pytest.fail(f"the idle prompt blocked a writer: {error}")
        upsert_stories(writer, stories(STORIES, 1))
        writer.close()
        assert time.monotonic() - started < 5
        prompt.stdin.write("SELECT count(*) AS n FROM story_facts;\n.quit\n")
        prompt.stdin.flush()
        assert _read_until(lines, f"n\n{STORIES + 1}\n")
        assert prompt.wait(timeout=30) == 0
    finally:
        if prompt.poll() is None:
            prompt.kill()
            prompt.wait(timeout=10)
