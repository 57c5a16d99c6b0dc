"""The weekly story-trend report for execs, as self-contained HTML, CSV and XLSX files.

Every number comes from the named queries in `warehouse.queries`, so the report, the dashboard and
the docs agree. Story text is untrusted: in HTML it is escaped and links are kept only when they
are http(s); in XLSX it is stored as text, never as a formula. File names carry the brand and the
period (first and last week), so reports from different weeks sit side by side.
"""
from __future__ import annotations

import csv
import html
import re
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from string import Template

import duckdb
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from warehouse import queries
from warehouse.db import WarehouseError

FORMATS = ("html", "csv", "xlsx")
QUOTE_CHARS = 400
TOP_CAUSES = 3


class ExportError(WarehouseError):
    """The report cannot be written as asked; the message says what to change."""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "brand"


def _score(value: float) -> str:
    return f"{value:+.1f}"


def _net_cell(value: float) -> str:
    css = "neg" if value < 0 else "pos" if value > 0 else ""
    return f'<span class="{css}">{_score(value)}</span>'


def _table(
    headers: list[str], rows: list[list[str]], numbers_from: int,
    row_classes: list[str] | None = None,
) -> str:
    """An HTML table from cells that are already escaped; columns from `numbers_from` on are
    numbers, aligned right."""
    def align(index: int) -> str:
        return ' class="num"' if index >= numbers_from else ""

    head = "".join(f"<th{align(i)}>{html.escape(name)}</th>" for i, name in enumerate(headers))
    body = "".join(
        f'<tr class="{row_classes[r] if row_classes else ""}">'
        + "".join(f"<td{align(i)}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>"
        for r, row in enumerate(rows)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _headline(brand: str | None, scores: pd.DataFrame, weekly: pd.DataFrame) -> str:
    focus = scores[scores["brand"] == brand] if brand else scores[~scores["is_competitor"]]
    others = scores[~scores["brand"].isin(focus["brand"])]
    parts = []
    for row in focus.itertuples():
        latest = weekly[weekly["brand"] == row.brand].tail(1)
        last_week = (f"; latest week ({latest.iloc[0]['week']:%Y-%m-%d}) "
                     f"{_score(latest.iloc[0]['net_story_score'])}" if len(latest) else "")
        parts.append(
            f"<strong>{html.escape(row.brand)}</strong>: net story score "
            f"{_score(row.net_story_score)} over {row.stories} stories ({row.positive} positive, "
            f"{row.negative} negative){last_week}."
        )
    if len(others):
        compared = ", ".join(f"{html.escape(r.brand)} {_score(r.net_story_score)}"
                             for r in others.itertuples())
        parts.append(f"Compared with: {compared}.")
    return " ".join(parts)


def _weekly_pivot(weekly: pd.DataFrame, brand_order: list[str]) -> tuple[list[str], list[list]]:
    cells = {(r.week, r.brand): f"{_net_cell(r.net_story_score)} ({r.stories})"
             for r in weekly.itertuples()}
    weeks = sorted(set(weekly["week"]))
    rows = [[f"{week:%Y-%m-%d}", *(cells.get((week, b), "") for b in brand_order)]
            for week in weeks]
    return ["Week", *brand_order], rows


def _quote(row) -> str:
    text = row.body if len(row.body) <= QUOTE_CHARS else row.body[:QUOTE_CHARS].rstrip() + "…"
    published = "undated" if pd.isna(row.published_at) else f"{row.published_at:%Y-%m-%d}"
    source = f"{html.escape(row.brand)}, {published}, {row.sentiment}"
    if isinstance(row.link, str):
        source = f'<a href="{html.escape(row.link, quote=True)}">{source}</a>'
    return f"<blockquote><p>{html.escape(text)}</p><p class=\"meta\">{source}</p></blockquote>"


def _html(brand: str | None, period: tuple[date, date], data: dict[str, pd.DataFrame]) -> str:
    scores, weekly, causes = data["brands"], data["weekly"], data["causes"]
    order = list(scores["brand"])
    brand_rows = [[html.escape(r.brand), "competitor" if r.is_competitor else "ours",
                   str(r.stories), str(r.positive), str(r.negative),
                   _net_cell(r.net_story_score)] for r in scores.itertuples()]
    top = causes[causes["negative"] > 0].groupby("brand", sort=False).head(TOP_CAUSES)
    cause_rows = [[html.escape(r.brand), html.escape(r.cause), html.escape(r.owner),
                   str(r.negative), f"{r.negative_share:.1f}%"] for r in top.itertuples()]
    title = (f"Story trends for {brand or 'all brands'}, "
             f"weeks {period[0]:%Y-%m-%d} to {period[1]:%Y-%m-%d}")
    template = Template((resources.files("warehouse") / "report_template.html").read_text("utf-8"))
    return template.substitute(
        title=html.escape(title),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        stories=int(scores["stories"].sum()),
        headline=_headline(brand, scores, weekly),
        brand_table=_table(["Brand", "Side", "Stories", "Positive", "Negative", "Net score"],
                           brand_rows, 2, ["" if c else "ours" for c in scores["is_competitor"]]),
        weekly_table=_table(*_weekly_pivot(weekly, order), 1),
        cause_table=_table(["Brand", "Cause", "Owner", "Negative stories", "Share of stories"],
                           cause_rows, 3),
        quotes="".join(_quote(r) for r in data["quotes"].itertuples()) or "<p>No quotes.</p>",
    )


def _csv(path: Path, weekly: pd.DataFrame) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(weekly.columns)
        for row in weekly.itertuples(index=False):
            writer.writerow([f"{v:%Y-%m-%d}" if isinstance(v, date) else v
                             for v in row])


def _cell(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters break the file
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([_cell(value) for value in row])
        for column in sheet.iter_cols(min_row=2):
            for cell in column:
                if cell.data_type == "f":  # story text such as "=HYPERLINK(...)" stays text
                    cell.data_type = "s"
    book.save(path)


def export_report(
    con: duckdb.DuckDBPyConnection, out_dir: Path, formats: list[str], brand: str | None = None,
) -> list[Path]:
    """Write the story-trend report in each format; return the files written.

    `brand` is the brand the report is about (usually ours): it leads the headline and names the
    files, and every other brand stays in the tables for comparison. None reports on all brands.

    Example:
        >>> export_report(con, Path("exports"), ["html", "xlsx"], brand="Northwind")
        [PosixPath('exports/story-trends_northwind_2025-01-06_to_2025-03-24.html'), ...]
    """
    unknown = [name for name in formats if name not in FORMATS]
    if unknown or not formats:
        raise ExportError(f"Unknown report format {', '.join(unknown) or '(none given)'}: "
                          f"choose from {', '.join(FORMATS)}.")
    known = set(queries.brands(con)["brand"])
    if brand is not None and brand not in known:
        raise ExportError(f"No stories for brand {brand!r}: choose one of "
                          f"{', '.join(sorted(known)) or '(none yet)'}, or check storywatch.toml.")
    period = queries.story_period(con)
    if period is None:
        raise ExportError("No tagged stories to report on yet: run `storywatch run` "
                          "(crawl, load and tag) first.")
    data = {
        "brands": queries.brand_net_score(con),
        "weekly": queries.weekly_net_score(con),
        "causes": queries.cause_counts(con),
        "quotes": queries.strongest_stories(con, per_brand=1),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = (f"story-trends_{_slug(brand) if brand else 'all-brands'}_"
            f"{period[0]:%Y-%m-%d}_to_{period[1]:%Y-%m-%d}")
    written = []
    for name in dict.fromkeys(formats):
        path = out_dir / f"{stem}.{name}"
        if name == "html":
            path.write_text(_html(brand, period, data), encoding="utf-8")
        elif name == "csv":
            _csv(path, data["weekly"])
        else:
            _xlsx(path, {"Net score per brand": data["brands"], "Weekly": data["weekly"],
                         "Causes": data["causes"],
                         "Quoted stories": data["quotes"].drop(columns="story_key")})
        written.append(path)
    return written
