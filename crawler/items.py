"""Building the story record, the one shape every spider yields and every landing line holds.

The record's fields are defined once, in `storywatch.story_record` (shown in
docs/architecture.md). `make_story()` builds a record with every one of them, and
`story_key()` gives it its stable key: `source:external_id` when the source gives an id, else
`source:` plus the SHA-1 of brand, whitespace-normalised body and published date. The helpers here
turn the many rating scales and date formats sources use into the record's normal forms: a 0..1
rating and an ISO 8601 UTC datetime (`2026-08-03T12:00:00Z`).
"""
from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from storywatch.errors import StorywatchError
from storywatch.story_record import FIELD_NAMES as STORY_FIELDS

__all__ = ["STORY_FIELDS", "InvalidDate", "html_to_text", "make_story",
           "normalise_rating", "optional_int", "rating_raw", "story_key", "to_utc_iso",
           "utc_now_iso"]

_BLOCK_BREAK = re.compile(
    r"<\s*br\s*/?\s*>|<\s*/?\s*(p|div|li|ul|ol|h[1-6]|tr)(\s[^>]*)?>", re.IGNORECASE
)
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.DOTALL)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class InvalidDate(StorywatchError, ValueError):
    """A date string that no known format can read."""


def story_key(
    source: str, external_id: str | None, brand: str, body: str, published_at: str | None
) -> str:
    """The story's stable key: `source:external_id`, else `source:sha1(brand, body, date)`.

    The hash covers the brand, the body with all whitespace runs collapsed to one space, and the
    published date (`YYYY-MM-DD`, the first 10 characters of `published_at`), joined by a unit
    separator (U+001F), so re-crawling the same id-less story gives the same key.

    Example:
        >>> story_key("trustpilot", "64f1c2", "Northwind", "Great", None)
        'trustpilot:64f1c2'
    """
    if external_id:
        return f"{source}:{external_id}"
    date = (published_at or "")[:10]
    text = " ".join((body or "").split())
    digest = hashlib.sha1(f"{brand}\x1f{text}\x1f{date}".encode()).hexdigest()
    return f"{source}:{digest}"


def normalise_rating(value: Any, best: Any = 5, worst: Any = 1) -> float | None:
    """A rating on a `worst..best` scale as 0..1 (`(stars-1)/4` for 1..5 stars); None if absent."""
    try:
        stars, top = float(value), float(best or 5)
        bottom = float(worst if worst is not None else 1)
    except (TypeError, ValueError):
        return None
    if top <= bottom:
        return None
    return round(min(1.0, max(0.0, (stars - bottom) / (top - bottom))), 4)


def rating_raw(value: Any, best: Any = 5) -> str | None:
    """The rating as the source showed it, e.g. `"4/5"`; None when there is no rating."""
    if value is None or value == "":
        return None
    return f"{_plain_number(value)}/{_plain_number(best or 5)}"


def _plain_number(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else str(number)


def to_utc_iso(value: Any) -> str:
    """Any common date form (ISO 8601, date only, RFC 2822, epoch seconds) as `...Z` UTC text.

    A date without a time is midnight UTC; a datetime without an offset is taken as UTC.
    Raises InvalidDate when the value cannot be read.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidDate(f"the timestamp {value!r} is out of range") from None
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        moment = _parse_date_text(value.strip())
    else:
        raise InvalidDate(f"no date given ({value!r})")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_date_text(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        raise InvalidDate(f"cannot read the date {text!r}; expected ISO 8601 or RFC 2822") from None


def utc_now_iso() -> str:
    """The current time as ISO 8601 UTC text."""
    return to_utc_iso(datetime.now(UTC))


def html_to_text(value: str | None) -> str:
    """HTML or plain text as plain text: `<br>`/`<p>` become line breaks, tags go, entities are
    unescaped, runs of spaces collapse, blank lines go."""
    if not value:
        return ""
    text = _BLOCK_BREAK.sub("\n", value)
    text = html.unescape(_TAG.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def optional_int(value: Any) -> int | None:
    """An int from a number or numeric text; None when absent or unreadable."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def make_story(
    *,
    source: str,
    brand: str,
    is_competitor: bool,
    body: str,
    source_url: str,
    published_at: Any,
    fetched_at: str | None = None,
    external_id: str | None = None,
    story_url: str | None = None,
    author: str | None = None,
    title: str | None = None,
    rating: float | None = None,
    rating_raw: str | None = None,
    language: str | None = None,
    helpful_votes: int | None = None,
    company_reply: str | None = None,
    company_replied_at: Any = None,
    labels: list[str] | None = None,
    raw: Any = None,
) -> dict[str, Any]:
    """A complete story record (every contract field, text cleaned, dates in UTC, key computed).

    Raises InvalidDate when `published_at` cannot be read.
    """
    body = html_to_text(body)
    published = to_utc_iso(published_at)
    external = str(external_id) if external_id not in (None, "") else None
    record = {
        "story_key": story_key(source, external, brand, body, published),
        "source": source,
        "source_url": source_url,
        "story_url": story_url or None,
        "external_id": external,
        "brand": brand,
        "is_competitor": bool(is_competitor),
        "author": author or None,
        "title": html_to_text(title) or None,
        "body": body,
        "rating": rating,
        "rating_raw": rating_raw,
        "published_at": published,
        "fetched_at": fetched_at or utc_now_iso(),
        "language": language or None,
        "helpful_votes": helpful_votes,
        "company_reply": html_to_text(company_reply) or None,
        "company_replied_at": to_utc_iso(company_replied_at) if company_replied_at else None,
        "labels": [label for label in (labels or []) if label],
        "raw": raw if raw is not None else {},
    }
    return record
