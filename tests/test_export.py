"""The exec report: named by brand and period, numbers equal to the queries, story text escaped,
PDF and XLSX opened with pypdf and openpyxl."""
from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.fixture_warehouse import HOSTILE_TEXTS, build_fixture_warehouse
from storywatch.warehouse import WarehouseError, connect, connect_read_only, queries, report_queries
from storywatch.reports.export import FORMATS, export_report, export_since_last
from storywatch.warehouse.loader import upsert_stories

STEM = "story-trends_northwind_week_2025-03-24"
WEEK = report_queries.period_ending("week", date(2025, 3, 24))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("export")
    build_fixture_warehouse(workdir)
    con = connect_read_only(workdir)
    yield con
    con.close()


@pytest.fixture(scope="module")
def report(con, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("exports")
    written = export_report(con, out, list(FORMATS), brand="Northwind")
    return {path.name.removeprefix(STEM).lstrip("._"): path for path in written}


def squeeze(text: str) -> str:
    """PDF text without whitespace, so a sentence wrapped over two lines still matches."""
    return re.sub(r"\s+", "", text)


def test_files_are_named_by_brand_and_period(report):
    assert sorted(path.name for path in report.values()) == sorted(
        [f"{STEM}.html", f"{STEM}.pdf", f"{STEM}.xlsx", f"{STEM}_brands.csv",
         f"{STEM}_weekly.csv", f"{STEM}_movers.csv"])


def test_month_and_all_brands_report_have_their_own_names(con, tmp_path):
    [path] = export_report(con, tmp_path, ["html"], period="month", end=date(2025, 2, 10))
    assert path.name == "story-trends_our-brands_month_2025-02.html"
    assert "Story trends for our brands, February 2025" in path.read_text(encoding="utf-8")


def test_xlsx_numbers_equal_the_queries(con, report):
    book = load_workbook(report["xlsx"])
    assert book.sheetnames == ["Brands", "Weekly", "Movers", "Quoted stories"]
    header, *rows = list(book["Brands"].values)
    brands = {row[0]: row for row in rows}
    expected = report_queries.brand_change(con, WEEK)
    assert list(header) == list(expected.columns)
    for want in expected.itertuples(index=False):
        assert brands[want.brand][header.index("net_story_score")] == want.net_story_score
        assert brands[want.brand][header.index("change")] == want.change
    assert brands["Northwind"][header.index("change")] == 33.3
    weekly = list(book["Weekly"].values)
    assert len(weekly) - 1 == len(queries.weekly_net_score(con)) == 36  # all twelve weeks
    movers = list(book["Movers"].values)
    want = report_queries.cause_movers(con, WEEK, brands=["Northwind"])
    assert [row[0] for row in movers[1:]] == list(want["cause"])
    assert [row[-1] for row in movers[1:]] == list(want["moved"])


def test_xlsx_keeps_story_text_as_text(report):
    sheet = load_workbook(report["xlsx"])["Quoted stories"]
    rows = list(sheet.values)
    bodies = [row[rows[0].index("body")] for row in rows[1:]]
    assert all(isinstance(body, str) for body in bodies)
    assert not [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def test_pdf_headline_and_movers_match_the_queries(con, report):
    reader = PdfReader(report["pdf"])
    assert len(reader.pages) == 4  # headline, movers, two charts
    first, second = (squeeze(page.extract_text()) for page in reader.pages[:2])
    assert squeeze("Story trends for Northwind, week of 2025-03-24") in first
    assert squeeze("Northwind: net story score +33.3 over 3 stories (2 positive, 1 negative), "
                   "+33.3 on the week before (+0.0 over 2)") in first
    assert squeeze("Competitors: Brightmart +100.0, HomeHaven +0.0.") in first
    for mover in report_queries.cause_movers(con, WEEK, brands=["Northwind"]).itertuples():
        assert squeeze(f"moved {int(mover.moved):+d} net stories") in second
    assert "https://reviews.example/northwind/" in second


def test_csv_tables_equal_the_queries(con, report):
    with report["weekly.csv"].open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["brand"] == "HomeHaven"]
    expected = queries.weekly_net_score(con, brands=["HomeHaven"])
    assert [float(row["net_story_score"]) for row in rows] == list(expected["net_story_score"])
    assert rows[0]["week"] == "2025-01-06"
    with report["brands.csv"].open(encoding="utf-8") as handle:
        brands = {row["brand"]: row for row in csv.DictReader(handle)}
    assert float(brands["Brightmart"]["change"]) == 200.0


def test_html_has_headline_charts_movers_and_escaped_quotes(report):
    page = report["html"].read_text(encoding="utf-8")
    assert "Story trends for Northwind, week of 2025-03-24" in page
    assert "Northwind: net story score +33.3 over 3 stories" in page
    assert page.count('src="data:image/png;base64,') == 2
    assert "<h3>staff attitude <span class=\"meta\">(Service)</span></h3>" in page
    assert 'href="https://reviews.example/northwind/' in page
    assert "<script" not in page and "<img src=x" not in page and "javascript:" not in page


def test_html_escapes_hostile_story_text(con, tmp_path):
    # The first weeks hold the hostile stories.
    [path] = export_report(con, tmp_path, ["html"], brand="Northwind", end=date(2025, 1, 6))
    page = path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert HOSTILE_TEXTS[0] not in page and "<script" not in page


def test_since_last_writes_each_complete_period_once(con, tmp_path):
    first = export_since_last(con, tmp_path, ["csv"], period="week", today=date(2025, 3, 19))
    assert {p.name.split("_")[3] for p in first} == {"2025-03-10"}
    assert export_since_last(con, tmp_path, ["csv"], today=date(2025, 3, 20)) == []
    caught_up = export_since_last(con, tmp_path, ["csv"], today=date(2025, 4, 1))
    assert sorted({p.name.split("_")[3] for p in caught_up}) == ["2025-03-17", "2025-03-24"]


def test_unknown_format_lists_the_valid_ones(con, tmp_path):
    with pytest.raises(WarehouseError, match="docx.*choose from html, pdf, xlsx, csv"):
        export_report(con, tmp_path, ["html", "docx"])
    assert not list(tmp_path.iterdir())


def test_unknown_brand_names_the_known_ones(con, tmp_path):
    with pytest.raises(WarehouseError, match="Brightmart, HomeHaven, Northwind"):
        export_report(con, tmp_path, ["csv"], brand="Nobody")


def test_untagged_warehouse_says_to_tag_first(tmp_path):
    con = connect(tmp_path)
    upsert_stories(con, [{"story_key": "t:1", "source": "t", "brand": "Northwind",
                          "body": "=HYPERLINK(\"http://evil.example\")"}])
    with pytest.raises(WarehouseError, match="storywatch run"):
        export_report(con, tmp_path / "exports", ["html"])
    con.close()


def test_cli_export_period_and_since_last(tmp_path):
    workdir = tmp_path / "data"
    build_fixture_warehouse(workdir)
    from click.testing import CliRunner

    from storywatch.cli import cli

    result = CliRunner().invoke(cli, ["export", "--workdir", str(workdir), "--period", "month",
                                      "--end", "2025-03-31", "--format", "pdf,xlsx",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "story-trends_our-brands_month_2025-03.pdf", "story-trends_our-brands_month_2025-03.xlsx"]
    again = CliRunner().invoke(cli, ["export", "--workdir", str(workdir), "--since-last",
                                     "--format", "csv", "--out", str(tmp_path / "cron")])
    assert again.exit_code == 0 and again.output.count("Wrote ") == 3
