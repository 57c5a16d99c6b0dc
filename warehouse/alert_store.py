"""Storing alerts and their delivery: found once, sent once per channel, pending until delivered.

An alert found again (the same brand, cause, period and direction) keeps its stored row, so what
was delivered is what the dashboard and the exec report show. Each channel's success is stored
as it happens: when e-mail worked and the webhook failed, the next run retries the webhook only.
An alert is delivered once every channel configured at the time has it; with no channel
configured, printing it was its delivery.
"""
from __future__ import annotations

import json

import duckdb

from storywatch.warehouse.alerts import Alert
from storywatch.warehouse.db import transaction

CHANNELS = ("email", "webhook")
_COLUMNS = ("alert_id, brand, is_competitor, cause, cause_label, owner, period, period_start, "
            "direction, stories, baseline_per_period, baseline_weeks, p_value, sensitivity, "
            "sentence, examples, model_version")


def save_alerts(con: duckdb.DuckDBPyConnection, alerts: list[Alert]) -> int:
    """Store alerts not stored yet; return how many were new."""
    rows = [(a.alert_id, a.brand, a.is_competitor, a.cause, a.cause_label, a.owner, a.period,
             a.period_start, a.direction, a.stories, a.baseline_per_period, a.baseline_weeks,
             a.p_value, a.sensitivity, a.sentence, json.dumps(a.examples), a.model_version)
            for a in alerts]
    if not rows:
        return 0
    with transaction(con):
        (before,) = con.execute("SELECT count(*) FROM alerts").fetchone()
        con.executemany(
            f"INSERT INTO alerts ({_COLUMNS}, found_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP) "
            "ON CONFLICT DO NOTHING", rows)
        (after,) = con.execute("SELECT count(*) FROM alerts").fetchone()
    return after - before


def _alert(row: tuple) -> Alert:
    """An Alert from a row of _COLUMNS (the dataclass's fields, in order, after alert_id)."""
    *fields, examples, model = row[1:]
    return Alert(*fields, json.loads(examples), model)


def pending_alerts(con: duckdb.DuckDBPyConnection) -> list[tuple[Alert, set[str]]]:
    """Alerts not delivered yet, oldest first, each with the channels that already have it."""
    rows = con.execute(
        f"SELECT {_COLUMNS}, email_sent_at IS NOT NULL, webhook_sent_at IS NOT NULL "
        "FROM alerts WHERE delivered_at IS NULL "
        "ORDER BY period_start, is_competitor, brand, direction DESC, p_value, cause"
    ).fetchall()
    return [(_alert(row[:-2]), {channel for channel, sent in zip(CHANNELS, row[-2:]) if sent})
            for row in rows]


def mark_sent(con: duckdb.DuckDBPyConnection, alert_ids: list[str], channel: str) -> None:
    """Record that `channel` (email or webhook) accepted these alerts."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    con.execute(f"UPDATE alerts SET {channel}_sent_at = now()::TIMESTAMP "
                f"WHERE alert_id IN (SELECT unnest(?)) AND {channel}_sent_at IS NULL",
                [alert_ids])


def mark_delivered(con: duckdb.DuckDBPyConnection, alert_ids: list[str],
                   channels: tuple[str, ...]) -> int:
    """Mark delivered those of these alerts that every channel in `channels` has; return how
    many."""
    sent = " AND ".join(f"{channel}_sent_at IS NOT NULL" for channel in channels if
                        channel in CHANNELS) or "TRUE"
    (count,) = con.execute(
        f"UPDATE alerts SET delivered_at = now()::TIMESTAMP "
        f"WHERE alert_id IN (SELECT unnest(?)) AND delivered_at IS NULL AND {sent}",
        [alert_ids]).fetchone()
    return count
