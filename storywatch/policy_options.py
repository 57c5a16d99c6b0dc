"""The `[[policy_changes]]` entries of storywatch.toml: what one takes and its checks
(docs/policy_changes.md).

storywatch/config.py reads the file and turns a problem found here into a ConfigError; this module
only knows what an entry takes, so reading the config stays quick (no warehouse or pandas).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

DEFAULT_WEEKS = 4
MAX_WEEKS = 26
POLICY_CHANGE_KEYS = ("date", "cause", "note", "weeks")


@dataclass(frozen=True)
class PolicyChange:
    """One dated policy change, e.g. returns without a receipt from 2026-09-01; the report
    compares `weeks` weeks of our stories before and after `day`."""

    day: date
    cause: str
    note: str = ""
    weeks: int = DEFAULT_WEEKS


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def policy_change(entry: dict, causes: set[str] | None) -> PolicyChange | str:
    """The entry as a PolicyChange, or a sentence saying what is wrong with it.

    `causes`: the taxonomy's cause ids, which `cause` must be one of (None: not checked).
    """
    missing = [key for key in ("date", "cause") if key not in entry]
    if missing:
        return (f"lacks {' and '.join(missing)}, e.g. date = \"2026-09-01\", cause = "
                "\"returns\", note = \"receipts no longer required\"")
    day = _day(entry["date"])
    if day is None:
        return f"date = {entry['date']!r} is not a date; write it as \"YYYY-MM-DD\""
    cause = entry["cause"]
    if not isinstance(cause, str) or not cause.strip():
        return f"cause must be a cause id of the taxonomy, not {cause!r}"
    if causes is not None and cause.strip() not in causes:
        import difflib

        close = difflib.get_close_matches(cause.strip(), sorted(causes), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return (f"cause {cause!r} is not in the taxonomy{hint}; use one of "
                f"{', '.join(sorted(causes))}")
    note = entry.get("note", "")
    if not isinstance(note, str):
        return f"note must be text, not {note!r}"
    weeks = entry.get("weeks", DEFAULT_WEEKS)
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        return f"weeks = {weeks!r} must be a whole number from 1 to {MAX_WEEKS}"
    return PolicyChange(day, cause.strip(), note.strip(), weeks)
