"""What the exec report says, gathered once from the named queries and shared by every format.

The report covers one period (a calendar week or month) and compares it with an equally long span
before it. A period still in progress is named so ("week to date") and compared with the same days
of the period before, so a half-month never looks like a collapse. It says: a headline in plain
words (the cause that hurt us most, and a competitor praised or criticised for the same policy),
each brand's net story score and its change, our causes ranked by impact with their change, our
score against each competitor's per cause, the period's alerts, short quotes cut at sentence ends,
the policy changes recorded in storywatch.toml with a before/after test, and the weekly trend of
the twelve weeks up to the period's end. HTML, PDF, XLSX, CSV and the dashboard's download all
render this same data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import duckdb
import pandas as pd

from storywatch.nlp.cause_names import cause_name
from storywatch.policy_options import PolicyChange
from storywatch.warehouse import queries, report_queries, report_spans
from storywatch.warehouse.db import WarehouseError
from storywatch.warehouse.policy_changes import policy_effects
from storywatch.warehouse.report_queries import Period, PeriodKind

TREND_WEEKS = 12
TOP_CAUSES = 5
QUOTES = 3
QUOTE_CHARS = 220
MIN_EVIDENCE = 40  # characters
# A brand's score on a cause from fewer stories than this is shown as "too few stories".
MIN_CAUSE_STORIES = 5


class ExportError(WarehouseError):
    """The report cannot be written as asked; the message says what to change."""


class EmptyPeriod(ExportError):
    """No tagged story of ours in the period asked for: there is nothing to report."""


@dataclass(frozen=True)
class Span:
    """Days [since, until) that the report counts."""

    since: date
    until: date

    @property
    def last_day(self) -> date:
        return self.until - timedelta(days=1)


@dataclass
class ReportData:
    brand: str | None
    period: Period
    current: Span
    previous: Span
    in_progress: bool
    headline: list[str]
    brands: pd.DataFrame
    weekly: pd.DataFrame
    causes: pd.DataFrame
    competitors: pd.DataFrame
    quotes: pd.DataFrame  # the summary's three, the first rows of `stories`
    alerts: pd.DataFrame
    policy: pd.DataFrame
    policy_changes: tuple[PolicyChange, ...] = field(default_factory=tuple)
    impact_method: str = "net stories"
    # Per brand, ours and competitors, on the top causes (cause_impact's columns); empty
    # when impact could not be had.
    impact: pd.DataFrame = field(default_factory=pd.DataFrame)
    stories: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def period_label(self) -> str:
        """The period in words; one still in progress says "to date"."""
        if not self.in_progress:
            return self.period.label
        if self.period.kind == "week":
            return (f"week to date ({self.current.since:%a %d %b} to "
                    f"{self.current.last_day:%a %d %b %Y})")
        return f"{self.period.start:%B %Y} to date (to {self.current.last_day:%d %b})"

    @property
    def compared_with(self) -> str:
        before = "the week before" if self.period.kind == "week" else "the month before"
        return f"the same days of {before}" if self.in_progress else before

    @property
    def title(self) -> str:
        return f"Story trends for {self.brand or 'our brands'}, {self.period_label}"


def score(value: float | None) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:+.1f}"


def stories_text(count: int) -> str:
    """"1 story", "41 stories"."""
    return f"{int(count)} {'story' if int(count) == 1 else 'stories'}"


def points(value: float | None) -> str:
    """A score in whole points, as a headline says it: -18, +4."""
    # round() first, so -0.4 reads "+0", never "-0".
    return "n/a" if value is None or pd.isna(value) else f"{round(value):+d}"


def short_quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """`text` cut at a sentence end within `limit` characters (a word end, with "…", when the
    first sentence alone is longer)."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in re.split(r"(?<=[.!?…])\s+", text):
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if kept:
        return kept
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:-") + "…"


def comparable_spans(period: Period, today: date) -> tuple[Span, Span, bool]:
    """The days counted now and before, and whether the period is still in progress.

    A period in progress counts up to today, and the one before the same number of days.
    """
    in_progress = period.start <= today < period.until
    if not in_progress:
        return Span(period.start, period.until), Span(period.previous_start, period.start), False
    days = (today - period.start).days + 1
    previous_until = min(period.previous_start + timedelta(days=days), period.start)
    return (Span(period.start, today + timedelta(days=1)),
            Span(period.previous_start, previous_until), True)


def _brand_change(con: duckdb.DuckDBPyConnection, now: Span, before: Span) -> pd.DataFrame:
    current = report_spans.brand_scores(con, now.since, now.until)
    previous = report_spans.brand_scores(con, before.since, before.until)
    frame = current.merge(
        previous[["brand", "is_competitor", "stories", "net_story_score"]].rename(
            columns={"stories": "previous_stories", "net_story_score": "previous_net_score"}),
        on=["brand", "is_competitor"], how="outer")
    for column in ("stories", "positive", "negative", "previous_stories"):
        frame[column] = frame[column].fillna(0).astype(int)
    frame["change"] = (frame["net_story_score"] - frame["previous_net_score"]).round(1)
    return frame.sort_values(["is_competitor", "brand"]).reset_index(drop=True)


def _net(frame: pd.DataFrame) -> pd.Series:
    return (100.0 * (frame["positive"] - frame["negative"]) / frame["stories"]).round(1)


def _cause_impact(con: duckdb.DuckDBPyConnection, window: Period,
                 labels: dict[str, str] | None) -> pd.DataFrame | None:
    """Per brand and cause impact (`storywatch.warehouse.cause_impact`) over the period's weeks,
    or None where it cannot be had (the module absent, or a warehouse from before its macro)."""
    try:
        from storywatch.warehouse.cause_impact import cause_impact
    except ImportError:
        return None
    try:
        return cause_impact(con, start=window.start, end=window.until - timedelta(days=1),
                            labels=labels)
    except duckdb.CatalogException:
        return None  # a warehouse opened read-only before migration 010 was applied to it


def _causes(con: duckdb.DuckDBPyConnection, window: Period, now: Span, before: Span,
            ours: list[str], labels: dict[str, str] | None) -> tuple[pd.DataFrame, pd.DataFrame, str, pd.DataFrame]:
    """Our causes ranked (by impact when known, else by how far they moved), and every brand's
    score on each cause now."""
    current = report_spans.cause_scores(con, now.since, now.until)
    previous = report_spans.cause_scores(con, before.since, before.until, brands=ours)
    current["net_story_score"] = _net(current)
    current["net_stories"] = current["positive"] - current["negative"]
    previous["previous_net_stories"] = previous["positive"] - previous["negative"]
    previous["previous_net_score"] = _net(previous)
    mine = current[current["brand"].isin(ours)].groupby(["cause"], as_index=False).agg(
        owner=("owner", "first"), stories=("stories", "sum"), positive=("positive", "sum"),
        negative=("negative", "sum"))
    mine["net_stories"] = mine["positive"] - mine["negative"]
    mine["net_story_score"] = _net(mine)
    was = previous.groupby("cause", as_index=False).agg(
        previous_stories=("stories", "sum"), previous_net_stories=("previous_net_stories", "sum"))
    mine = mine.merge(was, on="cause", how="left")
    mine[["previous_stories", "previous_net_stories"]] = \
        mine[["previous_stories", "previous_net_stories"]].fillna(0).astype(int)
    mine["previous_net_score"] = (100.0 * mine["previous_net_stories"]
                                  / mine["previous_stories"].where(mine["previous_stories"] > 0)
                                  ).round(1)
    mine["moved"] = mine["net_stories"] - mine["previous_net_stories"]
    mine["too_few"] = mine["stories"] < MIN_CAUSE_STORIES
    mine.insert(1, "cause_name", [cause_name(c, labels) for c in mine["cause"]])
    impact = _cause_impact(con, window, labels)
    if impact is not None:
        # With several of our brands, a cause's impact is the mean of theirs.
        ours_impact = impact[impact["brand"].isin(ours)].groupby("cause", as_index=False).agg(
            impact=("impact", "mean"), impact_low=("impact_low", "mean"),
            impact_high=("impact_high", "mean"), what_if_score=("what_if_score", "mean"))
        mine = mine.merge(ours_impact, on="cause", how="left")
        mine = mine.sort_values(["too_few", "impact", "stories", "cause"],
                                ascending=[True, True, False, True], na_position="last")
        method = "impact"
    else:
        impact = pd.DataFrame()
        # Until cause impact exists: the causes that moved most, as the report always ranked them.
        mine = mine.assign(order=mine["moved"].abs()).sort_values(
            ["order", "stories", "cause"], ascending=[False, False, True]).drop(columns="order")
        method = "net stories"
    mine = mine.head(TOP_CAUSES).reset_index(drop=True)
    brands_now = current[["brand", "is_competitor", "cause", "stories", "net_story_score"]].copy()
    brands_now["too_few"] = brands_now["stories"] < MIN_CAUSE_STORIES
    brands_now.insert(3, "cause_name", [cause_name(c, labels) for c in brands_now["cause"]])
    if len(impact):
        impact = impact[impact["cause"].isin(mine["cause"])].copy()
        order = {cause: number for number, cause in enumerate(mine["cause"])}
        impact = impact.assign(order=impact["cause"].map(order)).sort_values(
            ["order", "is_competitor", "brand"]).drop(columns="order").reset_index(drop=True)
    return mine, brands_now, method, impact


def _alerts(con: duckdb.DuckDBPyConnection, now: Span) -> pd.DataFrame:
    """Alerts stored by `storywatch alerts` for periods starting in the span, ours first."""
    columns = ["brand", "is_competitor", "cause", "cause_label", "direction", "period",
               "period_start", "stories", "sentence"]
    try:
        return con.execute(
            f"SELECT {', '.join(columns)} FROM alerts WHERE period_start >= ? "
            "AND period_start < ? ORDER BY is_competitor, direction DESC, p_value, brand, cause",
            [now.since, now.until]).df()
    except duckdb.CatalogException:
        return pd.DataFrame(columns=columns)  # a warehouse from before alerts (migration 008)


def _stories(con: duckdb.DuckDBPyConnection, window: Period, causes: pd.DataFrame,
             ours: list[str] | None) -> pd.DataFrame:
    """Up to three stories of ours per top cause, each with a short quote, ordered so that the
    first three are one per cause (the summary's quotes), the most clearly felt story first."""
    picked = report_queries.mover_stories(con, window, list(causes["cause"]), brands=ours,
                                          per_cause=QUOTES)
    picked = picked.assign(rank=picked.groupby("cause").cumcount(),
                           order=picked["cause"].map({c: i for i, c in
                                                      enumerate(causes["cause"])}))
    picked = picked.sort_values(["rank", "order"])
    # The evidence sentence is the cause in the customer's words; a very short one ("I am a
    # card holder.") says too little on its own, so the story's opening is quoted instead.
    text = [row.evidence if isinstance(row.evidence, str) and len(row.evidence) >= MIN_EVIDENCE
            else row.body for row in picked.itertuples()]
    picked = picked.assign(quote=[short_quote(t) for t in text],
                           cause_name=picked["cause"].map(
                               dict(zip(causes["cause"], causes["cause_name"]))))
    return picked[["cause", "cause_name", "brand", "sentiment", "published_at", "quote", "link",
                   "title", "body", "story_key"]].reset_index(drop=True)


def headline_sentences(data: ReportData) -> list[str]:
    """Kept for callers of the old name: the headline, already gathered."""
    return data.headline


def _headline(label: str, compared_with: str, brands: pd.DataFrame, causes: pd.DataFrame,
              competitors: pd.DataFrame, ours: list[str], method: str) -> list[str]:
    """The headline in plain words: what hurt us most, who is praised for it, our score."""
    focus = brands[brands["brand"].isin(ours)]
    others = brands[~brands["brand"].isin(ours)]
    sentences = []
    column = "impact" if method == "impact" else "net_stories"
    hurt = causes[causes[column] < 0].sort_values(["too_few", column])
    when = f"in the {label}" if label.startswith("week") else f"in {label}"
    if len(hurt):
        top = hurt.iloc[0]
        size = (f"{points(top['impact'])} points" if method == "impact"
                else f"{int(top['net_stories']):+d} net stories")
        few = " (too few to be sure)" if top["too_few"] else ""
        sentence = (f"{top['cause_name']} hurt us most {when}: {size}, "
                    f"{stories_text(top['stories'])}{few}")
        theirs = competitors[(competitors["cause"] == top["cause"])
                             & competitors["is_competitor"] & ~competitors["too_few"]]
        praised = theirs[theirs["net_story_score"] > 0].sort_values("net_story_score",
                                                                    ascending=False)
        if len(praised):
            sentence += f"; {praised.iloc[0]['brand']} is praised for the same policy"
        elif len(theirs):
            best = theirs.sort_values("net_story_score", ascending=False).iloc[0]
            sentence += (f"; {best['brand']} does no better on it "
                         f"({points(best['net_story_score'])})")
        sentences.append(sentence + ".")
    else:
        sentences.append(f"No cause cost us stories {when}.")
    for row in focus.itertuples():
        change = ("" if pd.isna(row.change)
                  else f", {points(row.change)} points on {compared_with}")
        sentences.append(f"{row.brand}'s net story score is {points(row.net_story_score)} over "
                         f"{stories_text(row.stories)} ({row.positive} positive, {row.negative} "
                         f"negative){change}.")
    if len(others):
        sentences.append("Competitors: " + ", ".join(
            f"{r.brand} {points(r.net_story_score)} ({stories_text(r.stories)})"
            for r in others.itertuples() if r.stories) + ".")
    return sentences


def gather_report(
    con: duckdb.DuckDBPyConnection, brand: str | None = None, period: PeriodKind = "week",
    end: date | None = None, policy_changes: tuple[PolicyChange, ...] = (),
    today: date | None = None, labels: dict[str, str] | None = None,
) -> ReportData:
    """Everything the report says about the `period` holding `end` (default: the newest story).

    `brand` leads the headline and names the files; None reports on all of our brands.
    `today` (default: today, UTC) decides whether the period is still in progress. `labels`
    maps cause ids to display names (default: the packaged taxonomy's labels).

    Raises:
        EmptyPeriod: no tagged story of ours in the period.
    """
    known = queries.brands(con)
    if brand is not None and brand not in set(known["brand"]):
        raise ExportError(f"No stories for brand {brand!r}: choose one of "
                          f"{', '.join(sorted(known['brand'])) or '(none yet)'}, or check "
                          "storywatch.toml.")
    newest = report_queries.latest_story_day(con)
    if newest is None:
        raise ExportError("No tagged stories to report on yet: run `storywatch run` "
                          "(crawl, load and tag) first.")
    end = end or newest
    today = today or datetime.now(UTC).date()
    window = report_queries.period_ending(period, end)
    now, before, in_progress = comparable_spans(window, today)
    ours = [brand] if brand else list(known.loc[~known["is_competitor"], "brand"])
    brands = _brand_change(con, now, before)
    data = ReportData(brand, window, now, before, in_progress, [], brands, pd.DataFrame(),
                      pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
                      pd.DataFrame(), tuple(policy_changes))
    if brands.loc[brands["brand"].isin(ours), "stories"].sum() == 0:
        raise EmptyPeriod(f"No tagged stories about {brand or 'our brands'} in the "
                          f"{data.period_label}: nothing to report. Choose another period with "
                          f"--end DAY (the newest story is from {newest:%Y-%m-%d}).")
    causes, competitors, method, impact = _causes(con, window, now, before, ours, labels)
    last_week = window.until - timedelta(days=1)
    data.weekly = queries.weekly_net_score(
        con, start=last_week - timedelta(weeks=TREND_WEEKS - 1), end=last_week)
    data.causes, data.impact_method, data.impact = causes, method, impact
    data.competitors = competitors[competitors["cause"].isin(causes["cause"])
                                   | competitors["brand"].isin(ours)].reset_index(drop=True)
    data.stories = _stories(con, window, causes, [brand] if brand else None)
    data.quotes = data.stories.head(QUOTES)
    data.alerts = _alerts(con, now)
    data.policy = policy_effects(con, [c for c in policy_changes if c.day <= now.last_day],
                                 as_of=now.last_day, brands=[brand] if brand else None,
                                 labels={c: cause_name(c, labels) for c in
                                         {p.cause for p in policy_changes}})
    data.headline = _headline(data.period_label, data.compared_with, brands, causes,
                              competitors, ours, method)
    return data
