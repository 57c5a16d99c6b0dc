"""The story-trend report for execs, written as HTML, PDF, XLSX and CSV files.

Every number comes from the named queries (via `storywatch.reports.content`), so the report, the
dashboard and the docs agree. Story text is untrusted: in HTML it is escaped and links are kept
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

from storywatch.warehouse import report_queries
from storywatch.reports.charts import movers_figure, movers_png, trend_figure, trend_png, write_pdf
from storywatch.reports.content import (
    ExportError,
    ReportData,
    gather_report,
    headline_sentences,
    score,
)
from storywatch.reports.html_page import render_html
from storywatch.warehouse.report_queries import PeriodKind
from storywatch.reports.spreadsheet_safety import defuse_formula, spreadsheet_csv

FORMATS = ("html", "pdf", "xlsx", "csv")
MARKER = ".storywatch-last-export.json"
MAX_CATCH_UP = 12

__all__ = ["FORMATS", "ExportError", "check_formats", "export_report", "export_since_last",
           "report_stem", "write_report"]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "brand"


def report_stem(data: ReportData) -> str:
    """The file name without suffix: brand and period."""
    who = _slug(data.brand) if data.brand else "our-brands"
    return f"story-trends_{who}_{data.period.slug}"


def _cell(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str):
        # Control characters break the file; dropping one may uncover a leading "=".
        return defuse_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _sheets(data: ReportData) -> dict[str, pd.DataFrame]:
    return {"Brands": data.brands, "Weekly": data.weekly, "Movers": data.movers,
            "Quoted stories": data.quotes.drop(columns="story_key")}


def _xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([_cell(value) for value in row])
    book.save(path)


def _pdf(path: Path, data: ReportData) -> None:
    brand_lines = [("p", (f"{r.brand} ({'competitor' if r.is_competitor else 'ours'}): "
                          f"{r.stories} stories, net story score {score(r.net_story_score)}, "
                          f"previous {score(r.previous_net_score)}, change {score(r.change)}"))
                   for r in data.brands.itertuples()]
    mover_lines: list[tuple[str, str]] = []
    for row in data.movers.itertuples():
        mover_lines.append(("h", (f"{row.cause} ({row.owner}): moved {int(row.moved):+d} net "
                                  f"stories; {row.stories} stories now, "
                                  f"{row.previous_stories} before")))
        for quote in data.quotes[data.quotes["cause"] == row.cause].itertuples():
            link = quote.link if isinstance(quote.link, str) else "no link"
            mover_lines.append(("p", (f"\u201c{quote.body[:300]}\u201d ({quote.brand}, "
                                      f"{quote.sentiment}, {link})")))
    pages = [[("h", "Headline"), *[("p", s) for s in headline_sentences(data)],
              ("h", "Our brand against each competitor"), *brand_lines],
             [("h", "The causes that moved most"), *mover_lines]]
    write_pdf(path, data.title, pages, [trend_figure(data.weekly, "Net story score per week"),
                                        movers_figure(data.movers, "Causes that moved most")])


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
    for name in dict.fromkeys(formats):
        if name == "csv":
            for table, frame in (("brands", data.brands), ("weekly", data.weekly),
                                 ("movers", data.movers)):
                path = out_dir / f"{stem}_{table}.csv"
                path.write_text(spreadsheet_csv(frame, date_format="%Y-%m-%d"), encoding="utf-8")
                written.append(path)
            continue
        path = out_dir / f"{stem}.{name}"
        if name == "html":
            html = render_html(data, trend_png(data.weekly, "Net story score per week"),
                               movers_png(data.movers, "Causes that moved most"))
            path.write_text(html, encoding="utf-8")
        elif name == "pdf":
            _pdf(path, data)
        else:
            _xlsx(path, _sheets(data))
        written.append(path)
    return written


def export_report(
    con: duckdb.DuckDBPyConnection, out_dir: Path, formats: list[str], brand: str | None = None,
    period: PeriodKind = "week", end: date | None = None,
) -> list[Path]:
    """Write the story-trend report for the week or month holding `end`; return the files.

    Example:
        >>> export_report(con, Path("exports"), ["html", "pdf"], brand="Northwind")
        [PosixPath('exports/story-trends_northwind_week_2025-03-24.html'), ...]
    """
    check_formats(formats)
    return write_report(gather_report(con, brand, period, end), out_dir, formats)


def export_since_last(
    con: duckdb.DuckDBPyConnection, out_dir: Path, formats: list[str], brand: str | None = None,
    period: PeriodKind = "week", today: date | None = None,
) -> list[Path]:
    """Write a report for each complete period not yet exported to `out_dir`, oldest first.

    Which period was exported last is kept in `out_dir/.storywatch-last-export.json`; the first
    run writes only the latest complete period. Running it again the same day writes nothing.
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
    written = []
    for window in windows:
        written += export_report(con, out_dir, formats, brand, period, window.start)
        done[key] = window.start.isoformat()
        out_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps(done, indent=1), encoding="utf-8")
    return written
