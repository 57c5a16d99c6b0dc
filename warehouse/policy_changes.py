"""Did a policy change move its cause's story? Before and after, ours only, with a significance test.

A user records dated policy changes in storywatch.toml (`[[policy_changes]]`, docs/policy_changes.md).
For each one this compares the same number of days before and after the change day (the entry's
weeks, cut to the days that have passed since the change, so both sides stay equally long): how
many of our tagged stories there were, how many name the cause, and how many of those are negative.
The measure is the negative share: negative stories naming the cause per 100 of our tagged stories,
as in `cause_counts`, so a change that stops complaints counts even when no praise follows. Fisher's
exact test on the 2x2 table (negative about the cause, other stories; before, after) says whether
the difference is more than chance; with few stories it is reported as too few to judge.
"""
from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd

from storywatch.policy_options import PolicyChange
from storywatch.warehouse.query_base import Names, frame, where
from storywatch.warehouse.report_rollups import relations

MIN_STORIES = 10  # tagged stories of ours on each side below which no verdict is given
SIGNIFICANT = 0.05

COLUMNS = ["day", "cause", "note", "weeks", "days_compared", "before_since", "after_until",
           "stories_before", "stories_after", "cause_stories_before", "cause_stories_after",
           "negative_before", "negative_after", "negative_share_before", "negative_share_after",
           "p_value", "verdict", "sentence"]


def _counts(con: duckdb.DuckDBPyConnection, change: PolicyChange, since: date, until: date,
            brands: Names) -> dict[str, dict[str, int]]:
    """Our stories per side ('before', 'after'): all tagged, naming the cause, negative ones."""
    read = relations(con)
    clause, params = where(read, brands=brands, competitor=False)
    counts = frame(con, f"""
        WITH named AS (SELECT story_key, cause_sentiment AS sentiment FROM {read.causes}
                       WHERE cause = ?)
        SELECT CASE WHEN f.published_at >= CAST(? AS TIMESTAMP) THEN 'after' ELSE 'before' END
                   AS side,
               count(*) AS stories,
               count(n.story_key) AS cause_stories,
               count(*) FILTER (WHERE n.sentiment = 'negative') AS negative
        FROM (SELECT * FROM {read.facts} WHERE {clause}) f
        LEFT JOIN named n USING (story_key)
        WHERE f.sentiment IS NOT NULL AND f.published_at >= CAST(? AS TIMESTAMP)
          AND f.published_at < CAST(? AS TIMESTAMP)
        GROUP BY side
    """, [change.cause, change.day, *params, since, until])
    empty = {"stories": 0, "cause_stories": 0, "negative": 0}
    found = {row.side: {"stories": int(row.stories), "cause_stories": int(row.cause_stories),
                        "negative": int(row.negative)} for row in counts.itertuples()}
    return {side: found.get(side, empty) for side in ("before", "after")}


def _share(negative: int, stories: int) -> float | None:
    return round(100.0 * negative / stories, 1) if stories else None


def _judge(change: PolicyChange, label: str, days: int, before: dict, after: dict
           ) -> tuple[float | None, str, str]:
    """The p-value, a one-word verdict and the sentence the report prints."""
    from scipy.stats import fisher_exact

    what = f"{label} ({change.day:%Y-%m-%d}{': ' + change.note if change.note else ''})"
    if days <= 0:
        return None, "not yet", f"{what}: no stories since the change yet."
    if min(before["stories"], after["stories"]) < MIN_STORIES:
        return None, "too few", (
            f"{what}: too few stories to judge ({before['stories']} of ours in the {days} days "
            f"before, {after['stories']} after; at least {MIN_STORIES} each).")
    table = [[before["negative"], before["stories"] - before["negative"]],
             [after["negative"], after["stories"] - after["negative"]]]
    p_value = float(fisher_exact(table)[1])
    share_before = _share(before["negative"], before["stories"])
    share_after = _share(after["negative"], after["stories"])
    shares = (f"negative stories about it went from {share_before:.1f} to {share_after:.1f} "
              f"per 100 stories of ours ({before['negative']} of {before['stories']}, then "
              f"{after['negative']} of {after['stories']}; {days} days each side, p = {p_value:.3f})")
    if p_value >= SIGNIFICANT:
        return p_value, "no clear change", f"{what}: no clear change; {shares}."
    verdict = "better" if share_after < share_before else "worse"
    return p_value, verdict, f"{what}: {verdict} since the change; {shares}."


def policy_effects(
    con: duckdb.DuckDBPyConnection, changes: tuple[PolicyChange, ...] | list[PolicyChange],
    as_of: date, brands: Names = None, labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per change: our stories before and after it, the negative share, Fisher's p.

    `as_of` is the last day with data to count (the report period's last day): the after side
    runs from the change day up to it at most, and the before side is as long as the after side.
    `labels` maps cause ids to the names users read.
    """
    rows = []
    for change in changes:
        span = timedelta(weeks=change.weeks)
        after_until = min(change.day + span, as_of + timedelta(days=1))
        days = max((after_until - change.day).days, 0)
        before_since = change.day - timedelta(days=days)
        sides = _counts(con, change, before_since, max(after_until, change.day), brands)
        before, after = sides["before"], sides["after"]
        label = (labels or {}).get(change.cause, change.cause)
        p_value, verdict, sentence = _judge(change, label, days, before, after)
        rows.append([change.day, change.cause, change.note, change.weeks, days, before_since,
                     after_until, before["stories"], after["stories"], before["cause_stories"],
                     after["cause_stories"], before["negative"], after["negative"],
                     _share(before["negative"], before["stories"]),
                     _share(after["negative"], after["stories"]), p_value, verdict, sentence])
    return pd.DataFrame(rows, columns=COLUMNS)
