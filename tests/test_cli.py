"""The CLI: every command has help with an example, errors are one clear line, sql is read-only."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.warehouse import connect
from storywatch.warehouse.loader import upsert_stories

README = Path(__file__).resolve().parent.parent / "README.md"


def invoke(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_example_and_docs(name):
    result = invoke(name, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"storywatch {name}" in README.read_text(encoding="utf-8"), f"README lacks {name}"


@pytest.fixture()
def filled(workdir):
    con = connect(workdir)
    upsert_stories(con, [
        {"story_key": f"demo:{n}", "source": "demo", "brand": brand, "body": f"story {n}",
         "published_at": "2026-10-01T00:00:00Z"}
        for n, brand in enumerate(["Northwind", "Northwind", "Brightmart"])
    ])
    con.close()
    return workdir


def test_sql_prints_table_csv_json(filled):
    query = "SELECT brand, count(*) AS n FROM story_facts GROUP BY brand ORDER BY brand"
    table = invoke("sql", query, "--workdir", filled)
    assert table.exit_code == 0
    assert "Brightmart" in table.output and "Northwind" in table.output
    csv = invoke("sql", query, "--workdir", filled, "--format", "csv")
    assert csv.output.splitlines() == ["brand,n", "Brightmart,1", "Northwind,2"]
    data = json.loads(invoke("sql", query, "--workdir", filled, "--format", "json").output)
    assert data == [{"brand": "Brightmart", "n": 1}, {"brand": "Northwind", "n": 2}]


def test_sql_write_is_refused_with_one_line(filled):
    result = invoke("sql", "DELETE FROM stories", "--workdir", filled)
    assert result.exit_code == 1
    assert result.output.startswith("Error: Refused")
    assert "Traceback" not in result.output
    con = connect(filled)
    assert con.execute("SELECT count(*) FROM stories").fetchone()[0] == 3
    con.close()


def test_missing_warehouse_says_what_to_run(tmp_path):
    result = invoke("sql", "SELECT 1", "--workdir", tmp_path / "nothing")
    assert result.exit_code == 1
    assert "storywatch demo" in result.output


def test_crawl_without_sources_says_how_to_configure(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("crawl", "--workdir", tmp_path / "data")
    assert result.exit_code == 1
    assert "No sources configured" in result.output


def test_bad_config_is_one_line(tmp_path):
    config = tmp_path / "storywatch.toml"
    config.write_text("[brand\nname=", encoding="utf-8")
    result = invoke("load", "--workdir", tmp_path, "--config", config)
    assert result.exit_code == 1
    assert "not valid TOML" in result.output


def test_export_unknown_format(filled):
    result = invoke("export", "--workdir", filled, "--format", "html,docx")
    assert result.exit_code == 2
    assert "docx" in result.output
