"""The story-trend report for execs, written as HTML, PDF, XLSX and CSV files.

Every number comes from the named queries (via `storywatch.reports.content`), so the report, the
dashboard and the docs agree. HTML and PDF come from one template: the PDF is WeasyPrint's
rendering of the same HTML page, A4, page 1 the summary. Story text is untrusted: in HTML it is escaped and links are kept
only when they are http(s); in XLSX and CSV a cell that would start a formula gets a leading `'`
(`storywatch.reports.spreadsheet_safety`), so a spreadsheet shows it as text. File names carry
the brand and the period (`story-trends_northwind_week_2025-03-24.pdf`), so reports from
different periods sit side by side. `export_since_last` writes every complete period since the
last one it wrote, for a weekly cron job.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from storywatch.nlp.cause_names import cause_name
from storywatch.policy_options import PolicyChange
from storywatch.reports.charts import (
    A4_TEXT_WIDTH,
    cause_bars_figure,
    impact_png,
    print_png,
    trend_figure,
)
from storywatch.reports.content import EmptyPeriod, ExportError, ReportData, gather_report
from storywatch.reports.html_page import causes_heading, render_html
from storywatch.reports.palette import brand_colours
from storywatch.reports.spreadsheet_safety import defuse_formula, spreadsheet_csv
from storywatch.warehouse import report_queries
from storywatch.warehouse.report_queries import PeriodKind

FORMATS = ("html", "pdf", "xlsx", "csv")
MARKER = ".storywatch-last-export.json"
MAX_CATCH_UP = 12
# Column titles in users' words; a column not named here is its name in words.
TITLES = {
    "net_story_score": "Net story score", "previous_net_score": "Net score before",
    "previous_stories": "Stories before", "is_competitor": "Competitor", "cause_name": "Cause",
    "cause": "Cause id", "net_stories": "Net stories", "previous_net_stories": "Net stories before",
    "previous_net_stories_score": "Net score before", "moved": "Change in net stories",
    "impact": "Impact (points)", "impact_low": "Impact low", "impact_high": "Impact high",
    "what_if_score": "Score if complaints were neutral", "too_few": "Too few stories",
    "published_at": "Published", "period_start": "Period start", "cause_label": "Cause",
    "day": "Change day", "days_compared": "Days each side", "before_since": "Before from",
    "after_until": "After until", "negative_share_before": "Negative share before (%)",
    "negative_share_after": "Negative share after (%)", "p_value": "p-value",
    "story_key": "Story key", "week": "Week",
}
SCORE_FORMAT = "+0.0;-0.0;0.0"
NUMBER_FORMATS = {"net_story_score": SCORE_FORMAT, "previous_net_score": SCORE_FORMAT,
                  "change": SCORE_FORMAT, "impact": SCORE_FORMAT, "impact_low": SCORE_FORMAT,
                  "impact_high": SCORE_FORMAT, "what_if_score": SCORE_FORMAT,
                  "moved": "+0;-0;0", "net_stories": "+0;-0;0",
                  "previous_net_stories": "+0;-0;0", "p_value": "0.000",
                  "negative_share_before": "0.0", "negative_share_after": "0.0"}
DATE_FORMAT, TIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
MAX_WIDTH = 60

__all__ = ["FORMATS", "EmptyPeriod", "ExportError", "check_formats", "export_report",
           "export_since_last", "report_stem", "write_report"]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "brand"


def report_stem(data: ReportData) -> str:
    """The file name without suffix: brand and period."""
    who = _slug(data.brand) if data.brand else "our-brands"
    return f"story-trends_{who}_{data.period.slug}"


def _cell(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        # A day stays a day: Excel then shows a date, not "2025-03-24 00:00:00".
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if isinstance(value, str):
        # Control characters break the file; dropping one may uncover a leading "=".
        return defuse_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _title(column: str) -> str:
    return TITLES.get(column, column.replace("_", " ").capitalize())


def _write_table(sheet, frame: pd.DataFrame, top: int = 1) -> None:
    """`frame` at row `top`: bold headers, number and date formats, column widths."""
    for number, column in enumerate(frame.columns, start=1):
        header = sheet.cell(top, number, _title(column))
        header.font = Font(bold=True)
        header.alignment = Alignment(wrap_text=True, vertical="top")
    for offset, row in enumerate(frame.itertuples(index=False), start=1):
        for number, (column, value) in enumerate(zip(frame.columns, row), start=1):
            cell = sheet.cell(top + offset, number, _cell(value))
            if isinstance(cell.value, datetime):
                cell.number_format = TIME_FORMAT
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            elif column in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column]
    for number, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(number)
        values = [len(_title(column))] + [len(str(v)) for v in frame[column].head(200)]
        wanted = min(max(values) + 2, MAX_WIDTH)
        current = sheet.column_dimensions[letter].width or 0
        sheet.column_dimensions[letter].width = max(wanted, current, 8)


def _summary_sheet(book: Workbook, data: ReportData) -> None:
    """The first sheet: title, headline, brands with a native bar chart, then the top causes."""
    sheet = book.create_sheet("Summary")
    sheet["A1"] = _cell(data.title)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _cell(f"Compared with {data.compared_with}."
                        + (" The period is still in progress." if data.in_progress else ""))
    row = 3
    for sentence in data.headline:
        sheet.cell(row, 1, _cell(sentence)).font = Font(bold=row == 3)
        row += 1
    row += 1
    brands = data.brands[["brand", "is_competitor", "stories", "positive", "negative",
                          "net_story_score", "previous_net_score", "change"]]
    brand_top = row
    _write_table(sheet, brands, brand_top)
    chart = BarChart()
    chart.type, chart.style = "bar", 10
    chart.title, chart.y_axis.title = "Net story score", "Net story score"
    chart.legend = None
    chart.add_data(Reference(sheet, min_col=6, min_row=brand_top,
                             max_row=brand_top + len(brands)), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=brand_top + 1,
                                   max_row=brand_top + len(brands)))
    chart.height, chart.width = 6, 14
    row = brand_top + len(brands) + 2
    sheet.cell(row, 1, causes_heading(data)).font = Font(bold=True, size=12)
    causes = data.causes.drop(columns=[c for c in ("cause",) if c in data.causes])
    _write_table(sheet, causes, row + 1)
    # Below both tables, so it covers no cell.
    sheet.add_chart(chart, f"A{row + len(causes) + 3}")
    sheet.column_dimensions["A"].width = max(sheet.column_dimensions["A"].width or 0, 24)


def _sheets(data: ReportData) -> dict[str, pd.DataFrame]:
    return {"Weekly": data.weekly, "Causes": data.causes,
            "Per cause and brand": data.competitors, "Alerts": data.alerts,
            "Policy changes": data.policy,
            "Quoted stories": data.stories.drop(columns="story_key")}


def _xlsx(path: Path, data: ReportData) -> None:
    book = Workbook()
    book.remove(book.active)
    _summary_sheet(book, data)
    for title, frame in _sheets(data).items():
        sheet = book.create_sheet(title)
        _write_table(sheet, frame)
        sheet.freeze_panes = "B2"  # headers and the first column stay in view
    book.save(path)


def _charts(data: ReportData) -> tuple[bytes, bytes]:
    """The trend (policy changes marked) and the top causes, drawn for A4, in the brand colours
    the dashboard uses. The page's headings title them, so the charts carry none."""
    colours = brand_colours(zip(data.brands["brand"], data.brands["is_competitor"],
                                strict=True))
    start = data.weekly["week"].min() if len(data.weekly) else None
    marks = [(c.day, cause_name(c.cause)) for c in data.policy_changes
             if start is not None and pd.Timestamp(start) <= pd.Timestamp(c.day)
             <= pd.Timestamp(data.current.last_day)]
    trend = print_png(trend_figure(data.weekly, "", colours=colours, marks=marks,
                                   width=A4_TEXT_WIDTH))
    if data.impact_method == "impact" and len(data.impact):
        return trend, impact_png(data.impact, "", colours)
    return trend, print_png(cause_bars_figure(
        data.causes, "moved", f"Change in net stories against {data.compared_with}", ""))


def _pdf(path: Path, page: str) -> None:
    """The PDF from the report's own HTML: one template for both. Only inline data: images
    load, as the page's Content-Security-Policy says; nothing is fetched from the network."""
    from weasyprint import HTML, URLFetcher

    HTML(string=page, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf(path)


def check_formats(formats: list[str]) -> None:
    """Raise ExportError naming the valid formats unless every one of `formats` is known."""
    unknown = [name for name in formats if name not in FORMATS]
    if unknown or not formats:
        raise ExportError(f"Unknown report format {', '.join(unknown) or '(none given)'}: "
                          f"choose from {', '.join(FORMATS)}.")


def write_report(data: ReportData, out_dir: Path, formats: list[str]) -> list[Path]:
    """Write gathered report data in each format; return the files written."""
    check_formats(formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(data)
    written = []
    page = None
    for name in dict.fromkeys(formats):
        if name == "csv":
            for table, frame in (("brands", data.brands), ("weekly", data.weekly),
                                 ("movers", data.causes)):
                path = out_dir / f"{stem}_{table}.csv"
                path.write_text(spreadsheet_csv(frame, date_format="%Y-%m-%d"), encoding="utf-8")
                written.append(path)
            continue
        path = out_dir / f"{stem}.{name}"
        if name in ("html", "pdf") and page is None:
            page = render_html(data, *_charts(data))
        if name == "html":
            path.write_text(page, encoding="utf-8")
        elif name == "pdf":
            _pdf(path, page)
        else:
            _xlsx(path, data)
        written.append(path)
    return written


def export_report(
    con: duckdb.DuckDBPyConnection, out_dir: Path, formats: list[str], brand: str | None = None,
    period: PeriodKind = "week", end: date | None = None,
    policy_changes: tuple[PolicyChange, ...] = (), today: date | None = None,
) -> list[Path]:
    """Write the story-trend report for the week or month holding `end`; return the files.

    Raises EmptyPeriod (an ExportError, so the command exits non-zero) when no story of ours
    falls in the period, and writes nothing then.

    Example:
        >>> export_report(con, Path("exports"), ["html", "pdf"], brand="Northwind")
        [PosixPath('exports/story-trends_northwind_week_2025-03-24.html'), ...]
    """
    check_formats(formats)
    data = gather_report(con, brand, period, end, policy_changes=policy_changes, today=today)
    return write_report(data, out_dir, formats)


def export_since_last(
    con: duckdb.DuckDBPyConnection, out_dir: Path, formats: list[str], brand: str | None = None,
    period: PeriodKind = "week", today: date | None = None,
    policy_changes: tuple[PolicyChange, ...] = (),
) -> list[Path]:
    """Write a report for each complete period not yet exported to `out_dir`, oldest first.

    Which period was exported last is kept in `out_dir/.storywatch-last-export.json`; the first
    run writes only the latest complete period. Running it again the same day writes nothing.
    A period without stories of ours is passed over (and counted as done), so one quiet week
    does not stop the cron job from catching up; when every period due was empty, EmptyPeriod
    says so (the command exits non-zero), and the next run moves on.
    """
    out_dir = Path(out_dir)
    today = today or datetime.now(UTC).date()
    marker = out_dir / MARKER
    done = json.loads(marker.read_text("utf-8")) if marker.exists() else {}
    key = f"{brand or ''}|{period}"
    latest = report_queries.period_ending(period, today)
    latest = report_queries.period_ending(period, latest.start - timedelta(days=1))
    windows = [latest]
    last = date.fromisoformat(done[key]) if key in done else None
    while last is not None and len(windows) < MAX_CATCH_UP:
        before = report_queries.period_ending(period, windows[0].start - timedelta(days=1))
        if before.start <= last:
            break
        windows.insert(0, before)
    windows = [w for w in windows if last is None or w.start > last]
    written: list[Path] = []
    empty: list[EmptyPeriod] = []
    for window in windows:
        try:
            written += export_report(con, out_dir, formats, brand, period, window.start,
                                     policy_changes, today)
        except EmptyPeriod as error:
            empty.append(error)
        done[key] = window.start.isoformat()
        out_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps(done, indent=1), encoding="utf-8")
    if empty and not written:
        raise empty[-1]
    return written
