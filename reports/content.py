"""What the exec report says, gathered once from the named queries and shared by every format.

The report covers one period (a calendar week or month) and compares it with the one before:
each brand's net story score and its change, the five causes of ours that moved most (with their
owner) and two or three stories per mover, plus the weekly trend of the twelve weeks up to the
period's end. HTML, PDF, XLSX, CSV and the dashboard's download all render this same data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from storywatch.warehouse import queries, report_queries
from storywatch.warehouse.db import WarehouseError
from storywatch.warehouse.report_queries import Period, PeriodKind

TREND_WEEKS = 12
MOVERS = 5
QUOTES_PER_MOVER = 3


class ExportError(WarehouseError):
    """The report cannot be written as asked; the message says what to change."""


@dataclass
class ReportData:
    brand: str | None
    period: Period
    brands: pd.DataFrame
    weekly: pd.DataFrame
    movers: pd.DataFrame
    quotes: pd.DataFrame

    @property
    def title(self) -> str:
        return f"Story trends for {self.brand or 'our brands'}, {self.period.label}"


def score(value: float | None) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:+.1f}"


def headline_sentences(data: ReportData) -> list[str]:
    """The headline in plain text: our net story score, its change, and the competitors'."""
    focus = data.brands[data.brands["brand"] == data.brand] if data.brand else \
        data.brands[~data.brands["is_competitor"]]
    others = data.brands[~data.brands["brand"].isin(focus["brand"])]
    before = "the week before" if data.period.kind == "week" else "the month before"
    parts = []
    for row in focus.itertuples():
        change = "" if pd.isna(row.change) else f", {score(row.change)} on {before}"
        parts.append(f"{row.brand}: net story score {score(row.net_story_score)} over "
                     f"{row.stories} stories ({row.positive} positive, {row.negative} negative)"
                     f"{change} ({score(row.previous_net_score)} over {row.previous_stories}).")
    if len(others):
        parts.append("Competitors: " + ", ".join(
            f"{r.brand} {score(r.net_story_score)}" for r in others.itertuples()) + ".")
    return parts


def gather_report(
    con: duckdb.DuckDBPyConnection, brand: str | None = None, period: PeriodKind = "week",
    end: date | None = None,
) -> ReportData:
    """Everything the report says about the `period` holding `end` (default: the newest story).

    `brand` leads the headline and names the files; None reports on all of our brands.
    """
    known = set(queries.brands(con)["brand"])
    if brand is not None and brand not in known:
        raise ExportError(f"No stories for brand {brand!r}: choose one of "
                          f"{', '.join(sorted(known)) or '(none yet)'}, or check storywatch.toml.")
    end = end or report_queries.latest_story_day(con)
    if end is None:
        raise ExportError("No tagged stories to report on yet: run `storywatch run` "
                          "(crawl, load and tag) first.")
    window = report_queries.period_ending(period, end)
    ours = [brand] if brand else None
    movers = report_queries.cause_movers(con, window, brands=ours, limit=MOVERS)
    last_week = window.until - timedelta(days=1)
    return ReportData(
        brand=brand, period=window,
        brands=report_queries.brand_change(con, window),
        weekly=queries.weekly_net_score(
            con, start=last_week - timedelta(weeks=TREND_WEEKS - 1), end=last_week),
        movers=movers,
        quotes=report_queries.mover_stories(con, window, list(movers["cause"]), brands=ours,
                                            per_cause=QUOTES_PER_MOVER),
    )
