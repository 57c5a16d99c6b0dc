"""Personal data redaction: e-mail addresses and phone numbers leave story text before storage.

Customers paste their e-mail address or phone number into complaints; storywatch has no use for
them, so `redact_text()` replaces each with `[email]` / `[phone]`. A phone number is a run of
digit groups (optionally `+country`, `(area)`) with 9 to 15 digits that starts with `+` or `(`, or
has separators and at least 10 digits, or 7+ digits right after "call", "phone", "number" and
the like: dates, prices, years and most order numbers stay. The
`RedactPipeline` applies it to the title, body, company reply and every string in `raw`, and
counts what it removed (`storywatch/redacted/<kind>`). Author display names are kept as given.
It is on unless `STORYWATCH_REDACT` is false (storywatch.toml: `[crawl] redact = false`).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Self

from scrapy.exceptions import NotConfigured

REDACTED_STAT = "storywatch/redacted/"
TEXT_FIELDS = ("title", "body", "company_reply")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_PHONE = re.compile(
    r"(?<![\w+.,/])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,5}(?:[ .-]?\d{2,5}){1,4}"
    r"(?![\w/]|[.,]\d)"
)

_ANNOUNCED = re.compile(r"\b(phone|call|tel|number|mobile|cell|text me|whatsapp)\b[^\d]*$",
                        re.IGNORECASE)


def _phone_or_not(match: re.Match[str], counts: Counter) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    separators = sum(ch in " .-" for ch in text)
    marked = text.startswith(("+", "("))
    announced = _ANNOUNCED.search(match.string[max(0, match.start() - 24):match.start()])
    if (9 <= digits <= 15 and (marked or (separators and digits >= 10))) or (
            announced and separators and 7 <= digits <= 15):
        counts["phone"] += 1
        return "[phone]"
    return text


def redact_text(text: str, counts: Counter | None = None) -> str:
    """`text` with e-mail addresses as `[email]` and phone numbers as `[phone]`.

    Example:
        >>> redact_text("Mail me at jo.doe@example.com or call +1 (555) 010-4477 today")
        'Mail me at [email] or call [phone] today'
    """
    counts = counts if counts is not None else Counter()

    def email(match: re.Match[str]) -> str:
        counts["email"] += 1
        return "[email]"

    text = _EMAIL.sub(email, text)
    return _PHONE.sub(lambda match: _phone_or_not(match, counts), text)


def redact_value(value: Any, counts: Counter) -> Any:
    """Every string inside a JSON-like value (dicts, lists), redacted."""
    if isinstance(value, str):
        return redact_text(value, counts)
    if isinstance(value, dict):
        return {key: redact_value(inner, counts) for key, inner in value.items()}
    if isinstance(value, list):
        return [redact_value(inner, counts) for inner in value]
    return value


class RedactPipeline:
    """Redacts e-mail addresses and phone numbers in a story's text fields and raw record."""

    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> Self:
        if not crawler.settings.getbool("STORYWATCH_REDACT", True):
            raise NotConfigured("STORYWATCH_REDACT is off: story text is stored as published")
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        counts: Counter = Counter()
        for field in TEXT_FIELDS:
            if isinstance(item.get(field), str):
                item[field] = redact_text(item[field], counts)
        if "raw" in item:
            item["raw"] = redact_value(item["raw"], counts)
        for kind, count in counts.items():
            self.stats.inc_value(REDACTED_STAT + kind, count)
        return item
