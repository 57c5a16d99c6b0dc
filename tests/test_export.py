"""The exec report: a one-page A4 summary (HTML and PDF from one template), numbers equal to the
queries, a period in progress named and compared on equal spans, an empty period refused, story
text escaped; PDF, XLSX and CSV opened with pypdf, openpyxl and csv."""
from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from storywatch.policy_options import PolicyChange
from storywatch.reports.content import EmptyPeriod, gather_report, short_quote
from storywatch.reports.export import FORMATS, export_report, export_since_last
from storywatch.reports.html_page import safe_link
from storywatch.warehouse import WarehouseError, connect, connect_read_only, queries, report_queries
from storywatch.warehouse.alert_store import save_alerts
from storywatch.warehouse.alerts import Alert
from storywatch.warehouse.loader import upsert_stories
from tests.fixture_warehouse import HOSTILE_TEXTS, build_fixture_warehouse

STEM = "story-trends_northwind_week_2025-03-24"
WEEK = report_queries.period_ending("week", date(2025, 3, 24))
CHANGE = PolicyChange(date(2025, 2, 17), "refunds", "refunds within 3 days")
ALERT_SENTENCE = "Northwind: <b>staff attitude</b> complaints rose to 3 in the week of 2025-03-24."


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("export")
    build_fixture_warehouse(workdir)
    writer = connect(workdir)
    save_alerts(writer, [Alert("Northwind", False, "staff attitude", "Staff attitude", "Service",
                               "week", date(2025, 3, 24), "worse", 3, 0.5, 10, 0.001, "normal",
                               ALERT_SENTENCE)])
    writer.close()
    return workdir


@pytest.fixture(scope="module")
def con(workdir):
    con = connect_read_only(workdir)
    yield con
    con.close()


@pytest.fixture(scope="module")
def report(con, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("exports")
    written = export_report(con, out, list(FORMATS), brand="Northwind",
                            policy_changes=(CHANGE,))
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


def test_headline_names_the_cause_that_hurt_most_in_plain_words(con):
    data = gather_report(con, "Northwind", "week", date(2025, 3, 24))
    worst = data.causes.sort_values("impact").iloc[0]
    assert worst["cause_name"] == "Staff attitude"
    assert data.headline[0] == (f"Staff attitude hurt us most in the week of 2025-03-24: "
                                f"{worst['impact']:+.0f} points, 1 story (too few to be sure).")
    assert data.headline[1] == ("Northwind's net story score is +33 over 3 stories (2 positive, "
                                "1 negative), +33 points on the week before.")
    assert data.headline[2] == "Competitors: Brightmart +100 (1 story), HomeHaven +0 (2 stories)."


def test_brand_scores_equal_the_period_query(con):
    data = gather_report(con, "Northwind", "week", date(2025, 3, 24))
    expected = report_queries.brand_change(con, WEEK).set_index("brand")
    got = data.brands.set_index("brand")
    for column in ("stories", "net_story_score", "previous_stories", "previous_net_score",
                   "change"):
        assert list(got[column]) == list(expected.loc[got.index, column]), column


def _stories_between(con, brand: str, since: str, until: str) -> int:
    return con.execute("SELECT count(*) FROM story_facts WHERE brand = ? AND sentiment IS NOT "
                       "NULL AND published_at >= ? AND published_at < ?",
                       [brand, since, until]).fetchone()[0]


def test_a_period_in_progress_is_named_so_and_compared_on_the_same_days(con):
    # On Wednesday 2025-03-26 the week of 2025-03-24 has run three days (Mon to Wed).
    data = gather_report(con, "Northwind", "week", date(2025, 3, 24), today=date(2025, 3, 26))
    assert data.in_progress
    assert data.title == "Story trends for Northwind, week to date (Mon 24 Mar to Wed 26 Mar 2025)"
    assert data.compared_with == "the same days of the week before"
    assert (data.previous.since, data.previous.until) == (date(2025, 3, 17), date(2025, 3, 20))
    northwind = data.brands.set_index("brand").loc["Northwind"]
    assert northwind["stories"] == _stories_between(con, "Northwind", "2025-03-24", "2025-03-27")
    assert northwind["previous_stories"] == _stories_between(con, "Northwind", "2025-03-17",
                                                             "2025-03-20")
    whole = gather_report(con, "Northwind", "week", date(2025, 3, 24), today=date(2025, 3, 31))
    assert not whole.in_progress and whole.previous.until == date(2025, 3, 24)


def test_a_month_in_progress_says_to_date(con):
    data = gather_report(con, None, "month", date(2025, 3, 10), today=date(2025, 3, 12))
    assert data.period_label == "March 2025 to date (to 12 Mar)"
    assert (data.previous.since, data.previous.until) == (date(2025, 2, 1), date(2025, 2, 13))


def test_an_empty_period_is_refused_and_writes_nothing(con, tmp_path):
    with pytest.raises(EmptyPeriod, match="No tagged stories about Northwind in the week of "
                                          "2025-06-02: nothing to report"):
        export_report(con, tmp_path, ["html", "pdf"], brand="Northwind", end=date(2025, 6, 4))
    assert not list(tmp_path.iterdir())


def test_cli_empty_period_exits_non_zero_with_one_line(workdir, tmp_path):
    from click.testing import CliRunner

    from storywatch.cli import cli

    result = CliRunner().invoke(cli, ["export", "--workdir", str(workdir), "--end", "2025-06-04",
                                      "--format", "html", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: No tagged stories about our brands in the week of 2025-06-02")


def test_pdf_page_one_is_the_summary(report):
    reader = PdfReader(report["pdf"])
    assert len(reader.pages) >= 2
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4, in points
    first = squeeze(reader.pages[0].extract_text())
    rest = squeeze(" ".join(page.extract_text() for page in reader.pages[1:]))
    for text in ("Story trends for Northwind, week of 2025-03-24",
                 "Staff attitude hurt us most in the week of 2025-03-24",
                 "Our score against each competitor", "Top causes by impact on our score",
                 "Alerts", ALERT_SENTENCE, "In customers' words",
                 "The staff at the till were rude to me."):
        assert squeeze(text) in first, text
    assert squeeze("Net story score per week") not in first
    assert squeeze("Net story score per week") in rest and squeeze("Policy changes") in rest
    fonts = {str(font) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()
             for font in [font.get_object()["/BaseFont"]]}
    assert any("DejaVu" in font for font in fonts), fonts


def test_html_and_pdf_say_the_same(report):
    page = report["html"].read_text(encoding="utf-8")
    pdf = squeeze(" ".join(p.extract_text() for p in PdfReader(report["pdf"]).pages))
    headline = re.search(r'<p class="headline">(.*?)</p>', page).group(1)
    assert squeeze(headline) in pdf
    assert squeeze("Refunds (2025-02-17: refunds within 3 days): too few stories to judge") in pdf
    assert "Refunds (2025-02-17: refunds within 3 days): too few stories to judge" in page


def test_html_summary_has_tables_alerts_quotes_and_one_policy(report):
    page = report["html"].read_text(encoding="utf-8")
    assert "default-src 'none'" in page  # the Content-Security-Policy stays
    assert page.count('src="data:image/png;base64,') == 2
    assert "Dashed lines: policy changes (17 Feb 2025: Refunds – refunds within 3 days)." in page
    assert "&lt;b&gt;staff attitude&lt;/b&gt;" in page and "<b>staff" not in page
    assert 'href="https://reviews.example/northwind/' in page
    quotes = re.findall(r"<blockquote><p>“(.*?)”</p>", page)
    assert len(quotes) == 3 and all(q.endswith((".", "!", "?", "…")) for q in quotes)
    assert "<script" not in page and "<img src=x" not in page and "javascript:" not in page


def test_html_escapes_hostile_story_text(con, tmp_path):
    # The first weeks hold the hostile stories.
    [path] = export_report(con, tmp_path, ["html"], brand="Northwind", end=date(2025, 1, 6))
    page = path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert HOSTILE_TEXTS[0] not in page and "<script" not in page


def test_links_are_kept_only_when_http():
    assert safe_link("https://a.example/x") == "https://a.example/x"
    assert safe_link("HTTP://a.example") == "HTTP://a.example"
    assert safe_link("javascript:alert(1)") is None and safe_link("data:text/html,x") is None
    assert safe_link(None) is None


def test_quotes_are_cut_at_sentence_ends():
    text = ("The sofa came late. " * 5 + "Then the driver left it outside in the rain and "
            "nobody from the company called back.")
    cut = short_quote(text, limit=60)
    assert cut == "The sofa came late. The sofa came late. The sofa came late."
    long_sentence = "word " * 80
    assert short_quote(long_sentence, limit=42) == ("word " * 8).strip() + "…"
    assert short_quote("Short.", limit=40) == "Short."


def test_xlsx_summary_first_with_formats_and_a_native_chart(con, report):
    book = load_workbook(report["xlsx"])
    assert book.sheetnames == ["Summary", "Weekly", "Causes", "Per cause and brand", "Alerts",
                               "Policy changes", "Quoted stories"]
    summary = book["Summary"]
    assert summary["A1"].value == "Story trends for Northwind, week of 2025-03-24"
    assert summary["A3"].value.startswith("Staff attitude hurt us most")
    assert len(summary._charts) == 1
    header_row = next(row for row in summary.iter_rows() if row[0].value == "Brand")
    assert all(cell.font.bold for cell in header_row if cell.value)
    titles = [cell.value for cell in header_row if cell.value]
    assert titles[:3] == ["Brand", "Competitor", "Stories"] and "Net story score" in titles
    weekly = book["Weekly"]
    assert weekly.freeze_panes == "B2"
    header = [cell.value for cell in weekly[1]]
    week = weekly.cell(2, header.index("Week") + 1)
    assert isinstance(week.value, datetime) and week.number_format == "yyyy-mm-dd"
    assert week.value.date() == date(2025, 1, 6)
    score = weekly.cell(2, header.index("Net story score") + 1)
    assert score.number_format == "+0.0;-0.0;0.0"
    assert weekly.column_dimensions["A"].width >= len("Brightmart")
    rows = list(weekly.values)[1:]
    assert len(rows) == len(queries.weekly_net_score(con)) == 36  # all twelve weeks
    brand_rows = {r[0].value: r for r in summary.iter_rows()
                  if r[0].value in ("Northwind", "Brightmart", "HomeHaven")}
    change = report_queries.brand_change(con, WEEK).set_index("brand")["change"]
    assert brand_rows["Northwind"][titles.index("Change")].value == change["Northwind"] == 33.3


def test_xlsx_keeps_story_text_as_text(report):
    book = load_workbook(report["xlsx"])
    quotes = list(book["Quoted stories"].values)
    assert all(isinstance(row[quotes[0].index("Quote")], str) for row in quotes[1:])
    assert not [cell for sheet in book for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"]
    alerts = list(book["Alerts"].values)
    assert alerts[1][alerts[0].index("Sentence")] == ALERT_SENTENCE


def test_csv_tables_equal_the_queries(con, report):
    with report["weekly.csv"].open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["brand"] == "HomeHaven"]
    expected = queries.weekly_net_score(con, brands=["HomeHaven"])
    assert [float(row["net_story_score"]) for row in rows] == list(expected["net_story_score"])
    assert rows[0]["week"] == "2025-01-06"
    with report["brands.csv"].open(encoding="utf-8") as handle:
        brands = {row["brand"]: row for row in csv.DictReader(handle)}
    assert float(brands["Brightmart"]["change"]) == 200.0


def test_since_last_writes_each_complete_period_once(con, tmp_path):
    first = export_since_last(con, tmp_path, ["csv"], period="week", today=date(2025, 3, 19))
    assert {p.name.split("_")[3] for p in first} == {"2025-03-10"}
    assert export_since_last(con, tmp_path, ["csv"], today=date(2025, 3, 20)) == []
    caught_up = export_since_last(con, tmp_path, ["csv"], today=date(2025, 4, 1))
    assert sorted({p.name.split("_")[3] for p in caught_up}) == ["2025-03-17", "2025-03-24"]
    # Weeks after the stories end are empty: said so, and counted as done, so the next run
    # moves on instead of failing on them again.
    with pytest.raises(EmptyPeriod, match="week of 2025-04-28"):
        export_since_last(con, tmp_path, ["csv"], today=date(2025, 5, 5))
    assert '"2025-04-28"' in (tmp_path / ".storywatch-last-export.json").read_text()
    assert export_since_last(con, tmp_path, ["csv"], today=date(2025, 5, 6)) == []


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
    # Today the fixture's last complete week holds no story: one line, a non-zero exit.
    again = CliRunner().invoke(cli, ["export", "--workdir", str(workdir), "--since-last",
                                     "--format", "csv", "--out", str(tmp_path / "cron")])
    assert again.exit_code == 1
    assert again.output.startswith("Error: No tagged stories about our brands in the week of")
    assert len(again.output.strip().splitlines()) == 1


def test_pdf_renderer_fetches_nothing_but_inline_images(tmp_path):
    """Even markup that slipped through could not make the PDF renderer call out."""
    import http.server
    import threading

    from storywatch.reports.export import _pdf

    asked = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        _pdf(tmp_path / "x.pdf", f'<p>x</p><img src="{url}/a.png">'
                                 f'<link rel="stylesheet" href="{url}/b.css">')
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert asked == [] and (tmp_path / "x.pdf").stat().st_size > 0


def test_headline_says_when_a_competitor_is_praised_for_the_same_policy():
    import pandas as pd

    from storywatch.reports.content import _headline

    brands = pd.DataFrame({"brand": ["Northwind", "HomeHaven"], "is_competitor": [False, True],
                           "stories": [120, 80], "positive": [40, 50], "negative": [70, 20],
                           "net_story_score": [-25.0, 37.5], "change": [-6.2, 1.0]})
    causes = pd.DataFrame({"cause": ["returns", "staff"],
                           "cause_name": ["Returns and exchanges", "Staff attitude"],
                           "stories": [41, 12], "net_stories": [-30, 4], "impact": [-18.3, 2.0],
                           "too_few": [False, False]})
    competitors = pd.DataFrame({"brand": ["HomeHaven", "HomeHaven"], "is_competitor": [True, True],
                                "cause": ["returns", "staff"], "stories": [14, 2],
                                "net_story_score": [71.4, -100.0], "too_few": [False, True]})
    first, ours, others = _headline("October 2026", "the month before", brands, causes,
                                    competitors, ["Northwind"], "impact")
    assert first == ("Returns and exchanges hurt us most in October 2026: -18 points, "
                     "41 stories; HomeHaven is praised for the same policy.")
    assert ours.endswith("-6 points on the month before.")
    assert others == "Competitors: HomeHaven +38 (80 stories)."
    # A competitor that does no better is named as such; too few of theirs is not judged.
    worse = competitors.assign(net_story_score=[-50.0, -100.0])
    assert _headline("October 2026", "the month before", brands, causes, worse, ["Northwind"],
                     "impact")[0].endswith("41 stories; HomeHaven does no better on it (-50).")
