"""The exec report: named by brand and period, numbers equal to the queries, story text escaped."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.fixture_warehouse import HOSTILE_TEXTS, build_fixture_warehouse
from warehouse import WarehouseError, connect, connect_read_only, queries
from warehouse.export import FORMATS, export_report
from warehouse.loader import upsert_stories
from warehouse.tags import save_tags

STEM = "story-trends_northwind_2025-01-06_to_2025-03-24"


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
    written = export_report(con, out, ["html", "csv", "xlsx"], brand="Northwind")
    return {path.suffix.lstrip("."): path for path in written}


def test_files_are_named_by_brand_and_period(report):
    assert {name: path.name for name, path in report.items()} == {
        "html": f"{STEM}.html", "csv": f"{STEM}.csv", "xlsx": f"{STEM}.xlsx"}


def test_all_brands_report_has_its_own_name(con, tmp_path):
    [path] = export_report(con, tmp_path, ["csv"])
    assert path.name == "story-trends_all-brands_2025-01-06_to_2025-03-24.csv"


def test_xlsx_numbers_equal_the_queries(con, report):
    book = load_workbook(report["xlsx"])
    assert book.sheetnames == ["Net score per brand", "Weekly", "Causes", "Quoted stories"]
    weekly = list(book["Weekly"].values)
    expected = queries.weekly_net_score(con)
    assert list(weekly[0]) == list(expected.columns)
    assert len(weekly) - 1 == len(expected) == 36
    for row, want in zip(weekly[1:], expected.itertuples(index=False), strict=True):
        assert row[0] == want.brand and row[2].date() == want.week.date()
        assert (row[3], row[7]) == (want.stories, want.net_story_score)
    headline = {row[0]: row[6] for row in list(book["Net score per brand"].values)[1:]}
    assert headline == {"Northwind": 0.0, "Brightmart": 16.7, "HomeHaven": -17.6}
    causes = list(book["Causes"].values)
    assert len(causes) - 1 == len(queries.cause_counts(con))


def test_xlsx_keeps_story_text_as_text(report):
    quotes = list(load_workbook(report["xlsx"])["Quoted stories"].values)
    bodies = [row[quotes[0].index("body")] for row in quotes[1:]]
    assert any(body.startswith(HOSTILE_TEXTS[0]) for body in bodies)
    formula = [cell for cell in load_workbook(report["xlsx"])["Quoted stories"]["G"]
               if str(cell.value).startswith("=HYPERLINK")]
    assert len(formula) == 1 and formula[0].data_type == "s"


def test_csv_is_the_weekly_table(con, report):
    with report["csv"].open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    expected = queries.weekly_net_score(con, brands=["HomeHaven"])
    mine = [row for row in rows if row["brand"] == "HomeHaven"]
    assert [float(row["net_story_score"]) for row in mine] == list(expected["net_story_score"])
    assert mine[0]["week"] == "2025-01-06"


def test_html_escapes_story_text(report):
    page = report["html"].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in page and "<img" not in page
    assert "javascript:" not in page
    assert 'href="https://reviews.example/northwind/0"' in page


def test_html_headline_and_tables(report):
    page = report["html"].read_text(encoding="utf-8")
    assert "Story trends for Northwind, weeks 2025-01-06 to 2025-03-24" in page
    assert "net story score +0.0 over 26 stories (12 positive, 12 negative)" in page
    assert "latest week (2025-03-24) +33.3" in page
    assert "Compared with: Brightmart +16.7, HomeHaven -17.6." in page
    assert ('<td>refunds</td><td>Operations</td><td class="num">3</td>'
            '<td class="num">17.6%</td>') in page


def test_unknown_format_lists_the_valid_ones(con, tmp_path):
    with pytest.raises(WarehouseError, match="pdf.*choose from html, csv, xlsx"):
        export_report(con, tmp_path, ["html", "pdf"])
    assert FORMATS == ("html", "csv", "xlsx")
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


def test_undated_story_is_reported_but_in_no_week(tmp_path):
    con = connect(tmp_path)
    upsert_stories(con, [
        {"story_key": "t:dated", "source": "t", "brand": "Northwind", "body": "Great.",
         "published_at": "2025-01-07T10:00:00Z"},
        {"story_key": "t:undated", "source": "t", "brand": "Northwind", "body": "Awful."},
    ])
    save_tags(con, "m1", [
        ("t:dated", "h1", {"sentiment": "positive", "sentiment_score": 0.9}),
        ("t:undated", "h2", {"sentiment": "negative", "sentiment_score": -0.9}),
    ])
    written = export_report(con, tmp_path / "exports", list(FORMATS), brand="Northwind")
    con.close()
    assert written[0].name == "story-trends_northwind_2025-01-06_to_2025-01-06.html"
    page = written[0].read_text(encoding="utf-8")
    assert "net story score +0.0 over 2 stories (1 positive, 1 negative)" in page
    assert "Northwind, undated, negative" in page
    assert len(written[1].read_text(encoding="utf-8").splitlines()) == 2
