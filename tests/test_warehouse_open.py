"""Opening the warehouse: a busy file names the process that holds it, a damaged file says so
(not "busy"), and migrations run only when the file lacks one."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import storywatch.warehouse.db
from storywatch.cli import cli
from storywatch.warehouse import (
    WarehouseBusy,
    WarehouseCorrupt,
    connect,
    connect_read_only,
    database_path,
)
from storywatch.warehouse.db import reading, writing

HOLDER = """\
import sys

import duckdb

con = duckdb.connect(sys.argv[2], read_only=sys.argv[3] == "read-only")
print("holding", flush=True)
sys.stdin.readline()
"""


@pytest.fixture()
def hold(tmp_path: Path):
    """Start a process named like a console script (`storywatch sql`) holding the warehouse."""
    started = []

    def start(workdir: Path, mode: str) -> subprocess.Popen:
        script = tmp_path / "storywatch"
        script.write_text(HOLDER, encoding="utf-8")
        # How the kernel sees `storywatch sql`: the interpreter, the script, its arguments.
        process = subprocess.Popen(
            [sys.executable, str(script), "sql", str(database_path(workdir)), mode],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stdout.readline().strip() == "holding"
        return process

    yield start
    for process in started:
        process.communicate("\n", timeout=30)


def test_writer_blocked_by_a_reader_names_the_reader(workdir, hold):
    connect(workdir).close()
    reader = hold(workdir, "read-only")
    with pytest.raises(WarehouseBusy) as caught:
        connect(workdir, wait_seconds=0.3)
    message = str(caught.value)
    assert f"in use by process {reader.pid} (storywatch sql {database_path(workdir)}" in message
    assert "Try again when it has finished" in message
    assert "another storywatch command" not in message


def test_reader_blocked_by_a_writer_names_the_writer(workdir, hold):
    connect(workdir).close()
    writer = hold(workdir, "read-write")
    with pytest.raises(WarehouseBusy, match=f"in use by process {writer.pid} \\(storywatch sql"):
        connect_read_only(workdir, wait_seconds=0.3)


@pytest.mark.parametrize("content", [
    pytest.param(b"", id="empty"),
    pytest.param(os.urandom(64 * 1024), id="random-bytes"),
    pytest.param(b"brand,body\nNorthwind,late again\n" * 500, id="text"),
])
def test_damaged_file_is_corrupt_not_busy(workdir, content):
    database_path(workdir).write_bytes(content)
    for opening in (connect, connect_read_only):
        with pytest.raises(WarehouseCorrupt, match="Move it aside and rebuild it") as caught:
            opening(workdir)
        assert "in use" not in str(caught.value)
    result = CliRunner().invoke(cli, ["sources", "--workdir", str(workdir)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {database_path(workdir)}")
    assert "storywatch load" in result.output and "Traceback" not in result.output


def test_up_to_date_warehouse_opens_without_migrating(workdir, monkeypatch):
    connect(workdir).close()

    def refuse(_con):
        raise AssertionError("migrations ran on an up-to-date warehouse")

    monkeypatch.setattr(storywatch.warehouse.db, "migrate", refuse)
    for _ in range(3):
        connect(workdir).close()


def test_missing_migration_is_applied_at_the_next_open(workdir):
    con = connect(workdir)
    (last,) = con.execute("SELECT max(number) FROM schema_migrations").fetchone()
    con.execute("DELETE FROM schema_migrations WHERE number = ?", [last])
    con.close()
    con = connect(workdir)
    assert con.execute("SELECT count(*) FROM schema_migrations WHERE number = ?",
                       [last]).fetchone() == (1,)
    con.close()


def test_holder_that_is_gone_is_named_by_pid():
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    message = textwrap.dedent(f"""
        IO Error: Could not set lock on file "x.duckdb": Conflicting lock is held in
        /usr/bin/python3 (PID {gone}).""")
    assert storywatch.warehouse.db._lock_holder(Exception(message)) == f"process {gone}"


def test_a_file_cut_short_is_corrupt_not_a_bug(workdir):
    # Stories spread over more blocks than the copy kept: DuckDB opens such a file and fails
    # only when a query reaches a missing block.
    con = connect(workdir)
    con.execute("CREATE TABLE filler AS SELECT range AS n, md5(range::VARCHAR) AS text "
                "FROM range(200000)")
    con.close()
    path = database_path(workdir)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 10])
    for opening in (writing, reading):
        with (pytest.raises(WarehouseCorrupt, match="Move it aside") as caught,
              opening(workdir) as con):
            con.execute("SELECT count(*), max(text) FROM filler").fetchone()
        assert "in use" not in str(caught.value)
    result = CliRunner().invoke(cli, ["sources", "--workdir", str(workdir)])
    assert result.exit_code == 1 and "Move it aside" in result.output
    assert "unexpected" not in result.output and "Traceback" not in result.output


def test_a_failure_about_another_file_is_not_called_a_damaged_warehouse(workdir, tmp_path):
    connect(workdir).close()
    target = tmp_path / "no-such-folder" / "out.parquet"
    with pytest.raises(duckdb.IOException), reading(workdir) as con:
        con.execute(f"COPY (SELECT 1 AS x) TO '{target}' (FORMAT parquet)")
    with reading(workdir) as con:
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] > 0
