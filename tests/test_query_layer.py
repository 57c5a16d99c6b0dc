"""One query layer: the net story score is written once (the SQL macro `net_score`), the rollups
are chosen by a parameter, query modules share no private helpers, the dashboard keys its
questions by the query functions, and `storywatch sources` and the Sources page show the same
last crawls."""
from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from storywatch.cli import cli
from storywatch.warehouse import (
    connect,
    connect_read_only,
    queries,
    reading,
    reply_queries,
    report_queries,
    writing,
)
from storywatch.warehouse.crawl_log import CrawlRun, record_crawl_runs, sources_status
from storywatch.warehouse.report_rollups import refresh_rollups, rollups_current
from tests.fixture_warehouse import build_fixture_warehouse

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("storywatch", "crawler", "nlp", "warehouse", "dashboard", "reports", "scale")
MIGRATIONS = ROOT / "warehouse" / "migrations"
# The score as SQL arithmetic: 100.0 * (...) / ..., rounded to one decimal. Shares (100.0 * negative
# / all) are other numbers; what makes it the score is the positive (or net) count inside.
_PERCENT = re.compile(r"100\.0\s*\*(?:(?!,\s*1\)).){0,240}?,\s*1\)", re.DOTALL)
_NET = re.compile(r"positive|POSITIVE|net_stor|_NET\b")


def formulas(text: str) -> list[str]:
    """Each net story score formula written out in `text`."""
    return [found for found in _PERCENT.findall(text) if _NET.search(found)]


def migration_number(path: Path) -> int:
    return int(path.name.split("_", 1)[0])


def test_the_formula_is_written_once_in_code_and_current_migrations():
    """Migrations before 009 are history (each object they wrote it in is re-created since, which
    the next test checks on a warehouse); from 009 on, and in every module, only the macro."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[path] = formulas(path.read_text(encoding="utf-8"))
    for path in sorted(MIGRATIONS.glob("*.sql")):
        if migration_number(path) >= 9:
            found[path] = formulas(path.read_text(encoding="utf-8"))
    written = {str(path.relative_to(ROOT)): len(hits) for path, hits in found.items() if hits}
    assert written == {"warehouse/migrations/009_net_score.sql": 1}
    (macro,) = formulas((MIGRATIONS / "009_net_score.sql").read_text(encoding="utf-8"))
    assert "positive - negative" in macro


@pytest.fixture(scope="module")
def fixture_workdir(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("query_layer")
    build_fixture_warehouse(workdir)
    return workdir


def test_the_warehouse_defines_the_formula_only_in_the_macro(fixture_workdir):
    with reading(fixture_workdir) as con:
        definitions = con.execute("""
            SELECT view_name, sql FROM duckdb_views() WHERE NOT internal
            UNION ALL
            SELECT function_name, CAST(macro_definition AS VARCHAR) FROM duckdb_functions()
            WHERE function_type IN ('macro', 'table_macro') AND NOT internal
        """).fetchall()
        uses = {name for name, sql in definitions if "net_score(" in (sql or "")}
    written = {name for name, sql in definitions if formulas(sql or "")}
    assert written == {"net_score"}
    assert {"weekly_brand_scores", "weekly_cause_scores", "competitor_gap_over"} <= uses


class Recording:
    """A connection that keeps the SQL text of every statement a named query runs."""

    def __init__(self, con) -> None:
        self.con, self.statements = con, []

    def execute(self, sql: str, params: list | None = None):
        self.statements.append(sql)
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)


def every_question(con) -> dict[str, object]:
    """Every named query, asked with the dashboard's filters where it takes them."""
    week = report_queries.period_ending("week", date(2025, 3, 24))
    scope = {"brands": ["Northwind", "HomeHaven"], "start": date(2025, 1, 20),
             "end": date(2025, 3, 16), "sources": ["trustpilot", "schema_org"]}
    refunds = {"causes": ["refunds"]}
    return {
        "weekly": lambda: queries.weekly_net_score(con, **scope),
        "weekly_causes": lambda: queries.weekly_net_score(con, **refunds),
        "headline": lambda: queries.brand_net_score(con, **scope),
        "change": lambda: report_queries.brand_change(con, week),
        "movers": lambda: report_queries.cause_movers(con, week),
        "gap": lambda: report_queries.competitor_gap(con, **scope),
        "owners": lambda: report_queries.owner_scores(con, **scope),
        "owners_causes": lambda: report_queries.owner_scores(con, **refunds),
        "trend": lambda: report_queries.cause_trend(con, **scope),
        "counts": lambda: report_queries.cause_counts(con, **scope),
        "replies": lambda: reply_queries.reply_classes_by_brand(con, **scope),
        "stories": lambda: queries.stories(con, cause="refunds", **scope),
    }


@pytest.mark.parametrize("rolled_up", [False, True], ids=["views", "rollups"])
def test_named_queries_score_with_the_macro_and_never_write_it_out(tmp_path, rolled_up):
    build_fixture_warehouse(tmp_path)
    con = connect(tmp_path)
    try:
        if rolled_up:
            refresh_rollups(con)
        recording = Recording(con)
        for name, ask in every_question(recording).items():
            recording.statements.clear()
            answer = ask()
            sql = "\n".join(recording.statements)
            assert not formulas(sql), name
            if "net_story_score" in answer.columns or "gap" in answer.columns:
                assert "net_score(" in sql or "competitor_gap_over(" in sql, name
            # The relation read is named in the SQL, never rewritten into it afterwards.
            read_rollups = bool(re.search(r"rollup_(story|daily)_", sql))
            assert read_rollups == rolled_up or name == "replies", name
    finally:
        con.close()


def test_rollups_are_chosen_by_a_parameter(tmp_path):
    """A rollup edited behind the fingerprint's back shows which one each call read."""
    build_fixture_warehouse(tmp_path)
    writer = connect(tmp_path)
    refresh_rollups(writer)
    writer.execute("DELETE FROM rollup_story_causes WHERE cause = 'refunds'")
    writer.execute("DELETE FROM rollup_daily_causes WHERE cause = 'refunds'")
    writer.close()
    con = connect_read_only(tmp_path)
    try:
        assert rollups_current(con)
        for ask in (queries.causes, report_queries.cause_counts, report_queries.cause_trend,
                    report_queries.competitor_gap):
            assert "refunds" not in set(ask(con)["cause"]), ask.__name__
            assert "refunds" in set(ask(con, rollups=False)["cause"]), ask.__name__
        stories = queries.stories(con, causes=["refunds"], rollups=False)
        assert not stories.empty and queries.stories(con, causes=["refunds"]).empty
    finally:
        con.close()


QUERY_MODULES = {f"storywatch.warehouse.{name}" for name in (
    "queries", "report_queries", "reply_queries", "query_base", "crawl_log")}


def test_no_module_borrows_a_query_modules_private_names():
    """What query modules share lives in query_base under public names."""
    borrowed = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module in QUERY_MODULES:
                    borrowed += [f"{path.relative_to(ROOT)}: {node.module}.{alias.name}"
                                 for alias in node.names if alias.name.startswith("_")]
    assert not borrowed


def test_the_dashboard_asks_by_function_never_by_name():
    by_name = []
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in {"fetch", "fetch_quietly", "ask", "query"}
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)):
                by_name.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not by_name


def test_the_dashboard_keys_its_cache_by_the_query_function(fixture_workdir):
    from storywatch.dashboard import data

    brands = data.query(str(fixture_workdir), queries.brands)
    sources = data.query(str(fixture_workdir), queries.sources)
    # Same workdir, same (no) filters: only the function tells the two questions apart.
    assert list(brands.columns[:1]) == ["brand"] and list(sources.columns[:1]) == ["source"]


def more_crawls(workdir: Path) -> None:
    """A crawl again (the newest counts), and a second, broken page of a source crawled
    before another page of it: both pages are crawl targets, so both are shown."""
    def run(source, brand, url, day, found, errors, reasons=None):
        return CrawlRun(source=source, brand=brand, url=url, started_at=f"{day}T06:00:00Z",
                        finished_at=f"{day}T06:05:00Z", stories_found=found, errors=errors,
                        error_reasons=reasons or {})

    with writing(workdir) as con:
        record_crawl_runs(con, [
            run("schema_org", "Northwind", "https://reviews.example/northwind", "2025-04-02", 5, 0),
            run("trustpilot", "HomeHaven", "https://reviews.example/homehaven-uk", "2025-03-31",
                0, 2, {"http_503": 2}),
        ])


def page_rows(frame: pd.DataFrame) -> list[tuple]:
    crawled = frame[frame["crawls"] > 0].sort_values(["brand", "source", "url"])
    return [(r.source, r.brand, r.url, f"{r.last_crawl:%Y-%m-%d %H:%M}", r.found_last_crawl,
             r.errors_last_crawl, r.stories_stored) for r in crawled.itertuples()]


def test_storywatch_sources_and_the_sources_page_show_the_same_last_crawls(tmp_path,
                                                                             monkeypatch):
    build_fixture_warehouse(tmp_path)
    more_crawls(tmp_path)
    with reading(tmp_path) as con:
        command = [(*row[:3], f"{row[3]:%Y-%m-%d %H:%M}", *row[4:7])
                   for row in sources_status(con)]
        (stored,) = con.execute("SELECT count(*) FROM stories WHERE source = 'schema_org' "
                                "AND brand = 'Northwind'").fetchone()
    assert ("schema_org", "Northwind", "https://reviews.example/northwind", "2025-04-02 06:05",
            5, 0, stored) in command
    assert [row[2] for row in command if row[1] == "HomeHaven"] == [
        "https://reviews.example/homehaven", "https://reviews.example/homehaven-uk"]

    monkeypatch.setenv("STORYWATCH_WORKDIR", str(tmp_path))
    app = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    app.switch_page("pages/sources.py").run()
    assert not app.exception, app.exception
    assert page_rows(app.dataframe[0].value) == command
    warnings = [warning.value for warning in app.warning]
    assert [w.split(" errors")[0] for w in warnings] == ["trustpilot for HomeHaven: 3",
                                                        "trustpilot for HomeHaven: 2"]
    assert app.metric[1].value == "62"  # the two HomeHaven pages share their stories

    printed = CliRunner().invoke(cli, ["sources", "--workdir", str(tmp_path)])
    assert printed.exit_code == 0, printed.output
    listed = [line.split() for line in printed.output.splitlines()[1:]
              if not line.startswith("    errors:")]
    assert [(words[1], words[0], words[-1]) for words in listed] == [
        (row[0], row[1], row[2]) for row in command]
    assert "errors: http_503: 2" in printed.output
