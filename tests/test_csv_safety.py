"""No CSV or XLSX file storywatch writes can run a formula (CSV injection, OWASP).

Story, reply and evidence text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
must reach the spreadsheet as text: with a leading `'`, in a quoted cell. Numbers such as a net
story score of -12.5 stay numbers. Checked on the dashboard's "Download CSV" files of every page
and on `storywatch export --format csv,xlsx`, read back with the csv module and openpyxl.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from storywatch.cli import cli
from storywatch.reports.spreadsheet_safety import FORMULA_TRIGGERS, defuse_formula, spreadsheet_csv
from storywatch.warehouse import connect
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.tags import save_tags, text_hash
from tests.fixture_warehouse import CURRENT_MODEL, HOSTILE, build_fixture_warehouse

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
# OWASP's examples, and one for each character a spreadsheet starts a formula with.
PAYLOADS = ('=HYPERLINK("http://evil.example/","x")', "=cmd|' /C calc'!A0", "@SUM(1+1)",
            "+1+1", "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", '=1+2";=1+2')
HOSTILE_BRAND = "@SUM(1+1)*cmd|' /C calc'!A0"
LATEST_WEEK = "2025-03-24"
PAGES = (None, "pages/competitors.py", "pages/causes.py", "pages/stories.py", "pages/sources.py")


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_text_that_starts_a_formula_gets_a_leading_quote():
    for payload in PAYLOADS:
        assert defuse_formula(payload) == "'" + payload
    for harmless in ("Sofa arrived late", "a=b", "'quoted already", "", " =1+1"):
        assert defuse_formula(harmless) == harmless
    for number in (-12.5, -3, 0.0, None):
        assert defuse_formula(number) == number


def test_csv_quotes_defused_text_and_leaves_numbers_bare():
    frame = pd.DataFrame({"body": [*PAYLOADS, "fine, \"really\"", None],
                          "net_story_score": [-12.5] * len(PAYLOADS) + [3.0, float("nan")]})
    text = spreadsheet_csv(frame)
    header, *rows = cells(text)
    assert header == ["body", "net_story_score"]
    # One cell each, even where the text holds quotes, separators or line breaks.
    assert [row[0] for row in rows] == ["'" + p for p in PAYLOADS] + ['fine, "really"', ""]
    assert [row[1] for row in rows[:len(PAYLOADS)]] == ["-12.5"] * len(PAYLOADS)
    assert text.count(",-12.5\n") == len(PAYLOADS)  # bare, so a spreadsheet reads a number
    for payload in PAYLOADS:
        assert '"' + ("'" + payload).replace('"', '""') + '",' in text


def _hostile_stories() -> list[tuple[dict, float, list[tuple[str, str]]]]:
    """Our stories with a payload as title, body and evidence in the latest week, strongly felt
    so the export quotes them; and a competitor whose very name is a formula."""
    found = []
    for number, payload in enumerate(PAYLOADS[:3]):
        found.append(({"story_key": f"hostile:{number}", "source": "schema_org",
                       "brand": "Northwind", "title": payload, "body": payload,
                       "company_reply": PAYLOADS[3 + number],
                       "published_at": f"2025-03-2{5 + number}T10:00:00Z"},
                      -0.99, [("refunds", "Operations")]))
    found.append(({"story_key": "hostile:brand", "source": "schema_org", "brand": HOSTILE_BRAND,
                   "is_competitor": True, "body": PAYLOADS[4],
                   "published_at": "2025-03-25T10:00:00Z"}, -0.9, [("refunds", "Operations")]))
    return found


@pytest.fixture(scope="module")
def hostile_workdir(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("csv-safety")
    build_fixture_warehouse(workdir)
    stories = _hostile_stories()
    con = connect(workdir)
    try:
        upsert_stories(con, [record for record, _, _ in stories])
        save_tags(con, CURRENT_MODEL, [
            (record["story_key"], text_hash(record["body"]),
             {"sentiment": "negative", "sentiment_score": score, "language": "en",
              "causes": [{"cause": cause, "owner": owner, "score": 0.9,
                          "evidence": record["body"], "evidence_sentiment": "negative"}
                         for cause, owner in causes]})
            for record, score, causes in stories])
    finally:
        con.close()
    return workdir


def assert_no_cell_starts_a_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_TRIGGERS):
                float(cell)  # only a number may start with "-" or "+"


@pytest.fixture()
def downloads(monkeypatch) -> dict[str, bytes]:
    """The files the pages offer for download, by file name, as a browser would get them."""
    offered: dict[str, bytes] = {}
    store = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        offered[filename] = path_or_data
        return store(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return offered


@pytest.mark.slow  # every table of every page rendered and downloaded
@pytest.mark.parametrize("page", PAGES)
def test_every_dashboard_csv_download_is_formula_free(monkeypatch, hostile_workdir, downloads,
                                                     page):
    monkeypatch.setenv("STORYWATCH_WORKDIR", str(hostile_workdir))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    if page:
        app.switch_page(page).run()
    assert not app.exception
    offered = [button.proto.id for button in app.get("download_button")
               if button.label == "Download CSV"]
    csvs = {name: data.decode("utf-8") for name, data in downloads.items()
            if name.endswith(".csv")}
    assert offered and len(csvs) >= len(offered)
    for text in csvs.values():
        assert_no_cell_starts_a_formula(cells(text))
    if page == "pages/stories.py":
        header, *rows = cells(csvs["stories.csv"])
        bodies = {row[header.index("body")] for row in rows}
        assert {"'" + p for p in (*PAYLOADS[:3], PAYLOADS[4])} <= bodies
        titles = {row[header.index("title")] for row in rows}
        assert "'" + HOSTILE[("Brightmart", 2)] in titles  # the fixture's own formula story
        assert {row[header.index("brand")] for row in rows} >= {"'" + HOSTILE_BRAND}
        assert "'" + PAYLOADS[3] in {row[header.index("company_reply")] for row in rows}
        # A negative score is a bare number, not text.
        assert re.search(r",-0\.99,", csvs["stories.csv"])


@pytest.fixture(scope="module")
def exported(hostile_workdir, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("csv-safety-exports")
    result = CliRunner().invoke(cli, ["export", "--workdir", str(hostile_workdir), "--period",
                                      "week", "--end", LATEST_WEEK, "--format", "csv,xlsx",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {path.name.split(LATEST_WEEK)[1].lstrip("._"): path for path in out.iterdir()}


def test_exported_csv_keeps_a_formula_brand_as_text_and_scores_as_numbers(exported):
    assert sorted(exported) == ["brands.csv", "movers.csv", "weekly.csv", "xlsx"]
    for name in ("brands.csv", "weekly.csv", "movers.csv"):
        text = exported[name].read_text(encoding="utf-8")
        assert_no_cell_starts_a_formula(cells(text))
    header, *rows = cells(exported["brands.csv"].read_text(encoding="utf-8"))
    brands = {row[0]: row for row in rows}
    assert "'" + HOSTILE_BRAND in brands and HOSTILE_BRAND not in brands
    assert brands["'" + HOSTILE_BRAND][header.index("net_story_score")] == "-100.0"
    assert re.search(r",-100\.0,", exported["brands.csv"].read_text(encoding="utf-8"))


def test_exported_xlsx_stores_formula_text_as_text(exported):
    book = load_workbook(exported["xlsx"])
    every = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in every if cell.data_type == "f"]
    quoted = book["Quoted stories"]
    header = [cell.value for cell in quoted[1]]
    bodies = {row[header.index("Body")] for row in quoted.iter_rows(min_row=2, values_only=True)}
    assert {"'" + p for p in PAYLOADS[:3]} <= bodies
    brands = {row[0].value: row for row in book["Summary"].iter_rows()}
    assert "'" + HOSTILE_BRAND in brands
    scores = [cell for cell in every if isinstance(cell.value, float) and cell.value < 0]
    assert scores and all(cell.data_type == "n" for cell in scores)
