"""The stored alerts as people read them: newest period first, with their stories and delivery.

`storywatch alerts` stores each alert once (warehouse/alert_store.py, table `alerts`); this is
the one question the Alerts page asks of that table. Headlines and links in `examples` are story
text, untrusted: the page shows them as plain text and offers only http(s) links.
"""
from __future__ import annotations

import json

import duckdb
import pandas as pd

LIMIT = 200

_STORED = """
SELECT alert_id, period, period_start, brand, is_competitor, cause, cause_label, owner,
       direction, stories, baseline_per_period, baseline_weeks, p_value, sentence, examples,
       found_at, email_sent_at, webhook_sent_at, delivered_at
FROM alerts
ORDER BY period_start DESC, is_competitor, brand, direction DESC, p_value, cause
LIMIT ?
"""


def _web_links(examples: str | None) -> list[dict]:
    stories = json.loads(examples) if examples else []
    return [{"headline": str(s.get("headline") or ""),
             "url": s["url"] if str(s.get("url") or "").lower().startswith(
                 ("http://", "https://")) else None} for s in stories if isinstance(s, dict)]


def stored_alerts(con: duckdb.DuckDBPyConnection, *, limit: int = LIMIT) -> pd.DataFrame:
    """The newest `limit` stored alerts; `examples` as a list of {headline, url or None}."""
    frame = con.execute(_STORED, [limit]).df()
    frame["examples"] = [_web_links(value) for value in frame["examples"]]
    return frame
