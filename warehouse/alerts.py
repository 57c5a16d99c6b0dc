"""Alerts: the week (or day) in which a brand's stories about a cause depart from its own baseline.

For each brand and cause, the latest complete period is judged: its negative stories naming the
cause (direction "worse") and its positive ones ("better", good news) are each compared with the
same count's mean per period over the previous `baseline_weeks` weeks, by a one-sided Poisson
test (warehouse/alert_stats.py). An alert needs p under the sensitivity's threshold and at least
`min_stories` stories in the period. The period still in progress is never judged. Each alert
carries one plain sentence and the three strongest stories behind it. docs/alerts.md explains
the method.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

import duckdb

from storywatch.nlp.cause_names import cause_name
from storywatch.warehouse.alert_stats import SENSITIVITY, baseline_rate, p_text, poisson_upper_tail

Period = Literal["week", "day"]
DIRECTIONS = {"worse": "negative", "better": "positive"}
# A brand with less history than this is not judged: its "baseline" would be a few weeks of luck.
MIN_HISTORY_WEEKS = 4
EXAMPLES = 3
HEADLINE_CHARACTERS = 140


@dataclass(frozen=True)
class AlertRules:
    period: Period = "week"
    baseline_weeks: int = 26
    sensitivity: Literal["low", "normal", "high"] = "normal"
    min_stories: int = 5

    @classmethod
    def from_options(cls, options, period: Period | None = None) -> AlertRules:
        """The rules of storywatch.toml's [alerts] (storywatch.alert_options.AlertOptions),
        with the period a command line gives instead, if any."""
        return cls(period or options.period, options.baseline_weeks, options.sensitivity,
                   options.min_stories)


@dataclass(frozen=True)
class Alert:
    brand: str
    is_competitor: bool
    cause: str
    cause_label: str
    owner: str | None
    period: Period
    period_start: date
    direction: Literal["worse", "better"]
    stories: int
    baseline_per_period: float
    baseline_weeks: int
    p_value: float
    sensitivity: str
    sentence: str
    examples: list[dict] = field(default_factory=list)  # story_key, headline, url
    model_version: str | None = None

    @property
    def alert_id(self) -> str:
        return (f"{self.period}:{self.period_start.isoformat()}:{self.brand}:{self.cause}:"
                f"{self.direction}")


@dataclass(frozen=True)
class Judgement:
    """What one run judged: the period, the pairs it could judge, and the alerts found."""

    period: Period
    period_start: date
    in_progress_start: date
    pairs_judged: int
    alerts: list[Alert]
    stories_in_period: int = 0  # tagged stories of any brand published in the judged period
    newest_story: date | None = None


def judged_period(period: Period, today: date) -> tuple[date, date]:
    """(start of the latest complete period, start of the one in progress) on `today`."""
    if period == "day":
        return today - timedelta(days=1), today
    current = today - timedelta(days=today.weekday())
    return current - timedelta(weeks=1), current


def _one_line(text: str | None) -> str:
    """Whitespace collapsed and control characters dropped: story text reaches terminals, where
    an escape sequence could rewrite what the reader sees."""
    words = " ".join((text or "").split())
    return "".join(ch for ch in words if unicodedata.category(ch) != "Cc")


def headline(title: str | None, body: str | None) -> str:
    """A story in one line: its title, else its first sentence, cut at a word."""
    text = _one_line(title)
    if not text:
        body_text = _one_line(body)
        ends = [body_text.find(mark) for mark in (". ", "! ", "? ")]
        ends = [end + 1 for end in ends if end >= 0]
        text = body_text[:min(ends)] if ends else body_text
    if len(text) <= HEADLINE_CHARACTERS:
        return text
    return text[:HEADLINE_CHARACTERS].rsplit(" ", 1)[0] + "…"


def sentence(label: str, brand: str, direction: str, stories: int, period: Period,
             start: date, mean: float, weeks: int, p_value: float) -> str:
    """"Refunds: 14 negative stories about Northwind in the week of 2026-11-30, against 3.2 a
    week over the previous 26 weeks (p < 0.001)." """
    when = f"in the week of {start.isoformat()}" if period == "week" else f"on {start.isoformat()}"
    words = f"{stories} {DIRECTIONS[direction]} {'story' if stories == 1 else 'stories'}"
    text = (f"{label}: {words} about {brand} {when}, against {mean:.1f} a {period} over the "
            f"previous {weeks} weeks ({p_text(p_value)})")
    return text + (": good news." if direction == "better" else ".")


_COUNTS = """
    SELECT c.brand, bool_or(c.is_competitor), c.cause, any_value(c.owner),
           count(*) FILTER (WHERE c.cause_sentiment = 'negative' AND c.published_at >= $start),
           count(*) FILTER (WHERE c.cause_sentiment = 'positive' AND c.published_at >= $start),
           count(*) FILTER (WHERE c.cause_sentiment = 'negative' AND c.published_at < $start),
           count(*) FILTER (WHERE c.cause_sentiment = 'positive' AND c.published_at < $start)
    FROM story_causes c
    WHERE c.published_at >= $baseline AND c.published_at < $end
    GROUP BY c.brand, c.cause
    ORDER BY bool_or(c.is_competitor), c.brand, c.cause
"""
_FIRST_STORY = """
    SELECT brand, min(published_at)::DATE FROM story_facts
    WHERE sentiment IS NOT NULL AND published_at IS NOT NULL GROUP BY brand
"""
_PERIOD_STORIES = """
    SELECT count(*) FILTER (WHERE published_at >= $start AND published_at < $end),
           max(published_at)::DATE
    FROM story_facts WHERE sentiment IS NOT NULL
"""
_EXAMPLES = """
    SELECT f.story_key, f.title, f.body, coalesce(f.story_url, f.source_url)
    FROM story_causes c JOIN story_facts f ON f.story_key = c.story_key
    WHERE c.brand = $brand AND c.cause = $cause AND c.cause_sentiment = $sentiment
      AND c.published_at >= $start AND c.published_at < $end
    ORDER BY c.score DESC, f.helpful_votes DESC NULLS LAST, abs(f.sentiment_score) DESC,
             f.story_key
    LIMIT $limit
"""


def _examples(con: duckdb.DuckDBPyConnection, brand: str, cause: str, sentiment: str,
              start: date, end: date) -> list[dict]:
    rows = con.execute(_EXAMPLES, {"brand": brand, "cause": cause, "sentiment": sentiment,
                                   "start": start, "end": end, "limit": EXAMPLES}).fetchall()
    return [{"story_key": key, "headline": headline(title, body), "url": url}
            for key, title, body, url in rows]


def _history_days(first_story: date | None, baseline_start: date, start: date) -> int:
    """Days of baseline the brand has: the whole window, or from its first story's period."""
    if first_story is None:
        return 0
    return (start - max(baseline_start, first_story)).days


def _departures(counts: list[int], periods: int,
                rules: AlertRules) -> list[tuple[str, int, float, float]]:
    """(direction, stories now, baseline mean, p) for each direction that passes the rules;
    `counts`: negative now, positive now, negative before, positive before."""
    found = []
    for direction, now, before in (("worse", counts[0], counts[2]),
                                   ("better", counts[1], counts[3])):
        p_value = poisson_upper_tail(now, baseline_rate(before, periods))
        if now >= rules.min_stories and p_value < SENSITIVITY[rules.sensitivity]:
            found.append((direction, now, before / periods, p_value))
    return found


def find_alerts(con: duckdb.DuckDBPyConnection, rules: AlertRules, labels: dict[str, str],
                today: date | None = None) -> Judgement:
    """Judge the latest complete period before `today` (default: today, UTC) for every brand
    and cause. `labels`: cause id -> display label, from the taxonomy."""
    today = today or datetime.now(UTC).date()
    start, end = judged_period(rules.period, today)
    baseline_start = start - timedelta(weeks=rules.baseline_weeks)
    period_days = 1 if rules.period == "day" else 7
    first = dict(con.execute(_FIRST_STORY).fetchall())
    model = con.execute("SELECT any_value(model_version) FROM current_model").fetchone()[0]
    rows = con.execute(_COUNTS, {"start": start, "end": end, "baseline": baseline_start})
    alerts, judged = [], 0
    for brand, competitor, cause, owner, *counts in rows.fetchall():
        first_period = first.get(brand)
        if first_period is not None and rules.period == "week":
            first_period -= timedelta(days=first_period.weekday())
        days = _history_days(first_period, baseline_start, start)
        if days < MIN_HISTORY_WEEKS * 7:
            continue
        judged += 1
        label = cause_name(cause, labels)
        for direction, now, mean, p_value in _departures(counts, days // period_days, rules):
            alerts.append(Alert(
                brand, bool(competitor), cause, label, owner, rules.period, start, direction,
                now, round(mean, 3), days // 7, p_value, rules.sensitivity,
                sentence(label, brand, direction, now, rules.period, start, mean, days // 7,
                         p_value),
                _examples(con, brand, cause, DIRECTIONS[direction], start, end), model,
            ))
    in_period, newest = con.execute(_PERIOD_STORIES, {"start": start, "end": end}).fetchone()
    return Judgement(rules.period, start, end, judged, alerts, in_period, newest)
