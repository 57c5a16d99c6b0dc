"""`storywatch sql --out` never overwrites storywatch's own files, and writes whole files only.

The warehouse, the storywatch.toml in use and every workdir file outside exports/ and files/ are
refused however they are reached (symlinks, hard links, `..`); a device or FIFO stays what it is.
"""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.warehouse import connect
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.sql import run_query

ROOT = Path(__file__).resolve().parent.parent
QUERY = "SELECT 1 AS x"
LANDING_LINE = ('{"story_key": "trustpilot:fake", "source": "trustpilot", "brand": "Northwind", '
                '"body": "fake", "published_at": "2026-12-07T18:00:00Z"}')


@pytest.fixture()
def warehouse(workdir: Path) -> Path:
    """A warehouse with one story, a landing/ file and the workdir's storywatch.toml."""
    con = connect(workdir)
    upsert_stories(con, [{"story_key": "demo:0", "source": "demo", "brand": "Northwind",
                          "body": "story 0", "published_at": "2026-10-01T00:00:00Z"}])
    con.close()
    (workdir / "landing").mkdir()
    (workdir / "landing" / "20261201T000000.000000Z-demo.jsonl").write_text("", encoding="utf-8")
    (workdir / "storywatch.toml").write_text('[brand]\nname = "Northwind"\n', encoding="utf-8")
    return workdir


def sql_out(workdir: Path, out: Path, *extra: str, output_format: str = "csv"):
    return CliRunner().invoke(cli, ["sql", QUERY, "--workdir", str(workdir), "--format",
                                    output_format, "--out", str(out), *extra])


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def one_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output, result.output
    return result.output


def refused_targets(workdir: Path, tmp_path: Path) -> dict[str, Path]:
    """Each way a reviewer reached a storywatch file; links are made outside the workdir."""
    warehouse, config = workdir / "storywatch.duckdb", workdir / "storywatch.toml"
    (tmp_path / "symlink.csv").symlink_to(warehouse)
    os.link(warehouse, tmp_path / "hardlink.csv")
    os.link(config, tmp_path / "config-hardlink.csv")
    (tmp_path / "landing-link").symlink_to(workdir / "landing", target_is_directory=True)
    return {
        "warehouse": warehouse, "config": config,
        "landing": workdir / "landing" / "20261207T180000.000000Z-trustpilot-fake.jsonl",
        "workdir file": workdir / "notes.csv", "new folder": workdir / "reports" / "x.csv",
        "dot-dot": workdir / "exports" / ".." / "storywatch.duckdb",
        "symlink to the warehouse": tmp_path / "symlink.csv",
        "hard link to the warehouse": tmp_path / "hardlink.csv",
        "hard link to the config": tmp_path / "config-hardlink.csv",
        "folder symlink into landing": tmp_path / "landing-link" / "fake.jsonl",
    }


@pytest.mark.parametrize("name", ["warehouse", "config", "landing", "workdir file", "new folder",
                                  "dot-dot", "symlink to the warehouse",
                                  "hard link to the warehouse", "hard link to the config",
                                  "folder symlink into landing"])
@pytest.mark.parametrize("output_format", ["csv", "parquet"])
def test_out_onto_storywatch_files_is_refused_and_changes_nothing(warehouse, tmp_path, name,
                                                                  output_format):
    out = refused_targets(warehouse, tmp_path)[name]
    before = files_in(warehouse)
    message = one_line(sql_out(warehouse, out, output_format=output_format))
    assert message.startswith("Error: Refused: --out") and "WORKDIR/exports/" in message
    assert files_in(warehouse) == before
    assert len(run_query(warehouse, "SELECT * FROM story_facts")) == 1  # still a warehouse


def test_the_config_in_use_is_refused_wherever_it_lives(warehouse, tmp_path):
    config = tmp_path / "settings" / "storywatch.toml"
    config.parent.mkdir()
    config.write_text('[brand]\nname = "Northwind"\n', encoding="utf-8")
    message = one_line(sql_out(warehouse, config, "--config", str(config)))
    assert message.startswith("Error: Refused: --out") and str(config) in message
    assert config.read_text(encoding="utf-8") == '[brand]\nname = "Northwind"\n'


@pytest.mark.parametrize("where", ["exports", "files", "outside"])
def test_out_into_exports_files_or_outside_the_workdir_is_written(warehouse, tmp_path, where):
    out = {"exports": warehouse / "exports" / "q1" / "x.csv", "files": warehouse / "files" / "x.csv",
           "outside": tmp_path / "reports" / "x.csv"}[where]
    result = sql_out(warehouse, out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == "x\n1\n"
    assert [p.name for p in out.parent.iterdir()] == ["x.csv"]  # no temporary file left


def test_an_existing_out_keeps_its_permissions_and_links(warehouse, tmp_path):
    real = tmp_path / "private.csv"
    real.write_text("old\n", encoding="utf-8")
    real.chmod(0o600)
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    assert sql_out(warehouse, link).exit_code == 0
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "x\n1\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_file_whole(warehouse, tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "result.parquet"
    pd.DataFrame({"x": [7]}).to_parquet(out)
    before = out.read_bytes()

    def disk_full(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    message = one_line(sql_out(warehouse, out, output_format="parquet"))
    assert message.startswith("Error: could not write --out") and "No space left" in message
    assert out.read_bytes() == before and [p.name for p in out.parent.iterdir()] == [out.name]


def test_out_to_a_named_pipe_writes_into_it(warehouse, tmp_path):
    pipe = tmp_path / "results.pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    result = sql_out(warehouse, pipe)
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert received == [b"x\n1\n"] and stat.S_ISFIFO(os.stat(pipe).st_mode)


def test_out_to_dev_stdout_prints_only_the_result(warehouse):
    done = subprocess.run(
        [sys.executable, "-m", "storywatch.cli", "sql", QUERY, "--workdir", str(warehouse),
         "--format", "csv", "--out", "/dev/stdout"], cwd=ROOT, env={**os.environ,
         "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "x\n1\n" and "Wrote 1 rows to /dev/stdout" in done.stderr
