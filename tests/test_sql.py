"""Analysts' SQL: output formats, files, the interactive prompt, refusals, Parquet copies of views."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.commands.analyse import export_parquet as export_parquet_command
from storywatch.warehouse import WarehouseError, connect_read_only
from storywatch.warehouse.sql import (
    export_parquet,
    format_result,
    run_query,
    statements,
    write_result,
)
from tests.fixture_warehouse import build_fixture_warehouse

QUERY = "SELECT brand, count(*) AS stories FROM story_facts GROUP BY brand ORDER BY brand"
EXPECTED = [("Brightmart", 18), ("HomeHaven", 17), ("Northwind", 27)]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("sql")
    build_fixture_warehouse(path)
    return path


def invoke(*args, input: str | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def test_statements_split_on_semicolons_and_stop_at_quit():
    lines = ["SELECT 1\n", "  + 1;\n", "\n", "SELECT 'a;b';\n", ".quit\n", "SELECT 3;\n"]
    assert list(statements(lines)) == ["SELECT 1\n  + 1;", "SELECT 'a;b';"]
    assert list(statements(["SELECT 4"])) == ["SELECT 4"]


def test_a_semicolon_in_a_string_name_or_comment_does_not_end_a_statement():
    lines = ["SELECT 'a;\n", "\n", "b' AS \"x;\n", "y\", 1 -- one;\n", "+ 1;\n",
             "SELECT 'caf\u00e9;'; -- done\n", "-- a comment only;\n", ";\n", "SELECT /* ;\n",
             "*/ 2;\n", "-- the end\n", ".quit\n", "SELECT 3;\n"]
    assert list(statements(lines)) == [
        "SELECT 'a;\n\nb' AS \"x;\ny\", 1 -- one;\n+ 1;", "SELECT 'caf\u00e9;'; -- done",
        "SELECT /* ;\n*/ 2;"]


def test_a_script_with_a_semicolon_at_a_line_end_inside_a_string_runs_as_written(workdir):
    script = "SELECT 'a;\nb' AS s, 1 AS n;\nSELECT 2 AS n;\n"
    result = invoke("sql", "--workdir", workdir, "--format", "json", input=script)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.split("]\n")[0] + "]") == [{"s": "a;\nb", "n": 1}]
    assert result.output.endswith('[\n {\n  "n": 2\n }\n]\n')


def test_a_script_with_failed_statements_runs_the_rest_and_exits_1(workdir):
    script = ("SELECT count(*) AS n FROM competitor_gap;\nDROP VIEW story_facts;\n"
              "SELECT no_such_column FROM story_facts;\nSELECT 'after' AS x;\n")
    result = CliRunner().invoke(cli, ["sql", "--workdir", str(workdir), "--format", "csv"],
                                input=script)
    assert result.exit_code == 1
    assert "n\n10\n" in result.output and "x\nafter\n" in result.output
    assert sum(line.startswith("Error: ") for line in result.output.splitlines()) == 3
    assert result.output.splitlines()[-1].startswith("Error: 2 of 4 statements failed")


@pytest.mark.parametrize("output_format", ["csv", "json", "parquet"])
def test_out_file_round_trips(workdir, tmp_path, output_format):
    frame = run_query(workdir, QUERY)
    path = write_result(frame, output_format, tmp_path / f"out.{output_format}", workdir)
    if output_format == "csv":
        back = pd.read_csv(path)
    elif output_format == "json":
        back = pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
    else:
        back = pd.read_parquet(path)
    assert list(back.itertuples(index=False, name=None)) == EXPECTED


def test_parquet_is_not_printed():
    with pytest.raises(WarehouseError, match="--out"):
        format_result(pd.DataFrame({"a": [1]}), "parquet")


def test_cli_out_and_parquet(workdir, tmp_path):
    out = tmp_path / "brands.parquet"
    result = invoke("sql", QUERY, "--workdir", workdir, "--format", "parquet", "--out", out)
    assert result.exit_code == 0 and "Wrote 3 rows" in result.output
    assert list(pd.read_parquet(out)["stories"]) == [18, 17, 27]
    printed = invoke("sql", QUERY, "--workdir", workdir, "--format", "parquet")
    assert printed.exit_code == 1 and "--out" in printed.output


def test_prompt_runs_each_statement_and_survives_a_refusal(workdir):
    script = (f"{QUERY}\n;\nDROP VIEW story_facts;\n"
              "SELECT count(*) AS n FROM competitor_gap;\n.quit\nSELECT 'never';\n")
    result = CliRunner().invoke(cli, ["sql", "--workdir", str(workdir), "--format", "csv"],
                                input=script)
    assert result.exit_code == 1, result.output  # a script: the refusal is counted at the end
    assert "Error: 1 of 3 statements failed" in result.output
    assert "brand,stories\nBrightmart,18\nHomeHaven,17\nNorthwind,27\n" in result.output
    assert "Error: Refused" in result.output and "DROP" in result.output
    assert "n\n10\n" in result.output and "never" not in result.output
    assert len(run_query(workdir, "SELECT * FROM story_facts")) == 62


@pytest.mark.parametrize("statement", [
    "CREATE TABLE x AS SELECT 1", "UPDATE stories SET body = ''",
    "INSERT INTO stories SELECT * FROM stories", "COPY stories TO 'x.csv'",
    "ATTACH 'other.duckdb'",
    "SELECT 1; DELETE FROM stories",
])
def test_writes_and_ddl_are_refused(workdir, statement):
    result = invoke("sql", statement, "--workdir", workdir)
    assert result.exit_code == 1 and result.output.startswith("Error: Refused")


def test_export_parquet_writes_every_view(workdir, tmp_path):
    result = CliRunner().invoke(export_parquet_command, [str(tmp_path / "pq"), "--workdir",
                                                         str(workdir)], catch_exceptions=False)
    assert result.exit_code == 0
    written = sorted(path.stem for path in (tmp_path / "pq").glob("*.parquet"))
    assert written == ["cause_impact", "competitor_gap", "current_model", "story_causes", "story_facts",
                       "story_owners", "story_replies", "weekly_brand_scores", "weekly_cause_scores"]
    con = connect_read_only(workdir)
    try:
        for view in written:
            expected = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
            assert len(pd.read_parquet(tmp_path / "pq" / f"{view}.parquet")) == expected
        gap = pd.read_parquet(tmp_path / "pq" / "competitor_gap.parquet")
        assert gap.set_index(["cause", "competitor"]).loc[
            ("staff attitude", "Brightmart"), "gap"] == -45.7
    finally:
        con.close()
    assert export_parquet(workdir, tmp_path / "again")[0].suffix == ".parquet"
