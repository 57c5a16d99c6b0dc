"""Personal data redaction: e-mail addresses and phone numbers leave story text before storage.

Customers paste their e-mail address or phone number into complaints; storywatch has no use for
them, so `redact_text()` replaces each with `[email]` / `[phone]`. E-mail addresses are found
as written (`jo@shop.example`) and obfuscated: with a marked "at" (`jo [at] shop [dot] com`,
`jo(at)shop.com`, `{at}`, `<at>`), or with the bare words "at" and "dot" (`jo at shop dot com`,
any case; the domain must end in a common or two-letter top-level domain, and the word before
"at" must not be one prose puts there, so "look at the store" and "bought it at shop dot com"
stay), or "at" before a webmail domain (`jo at gmail.com`). A phone number is a run of digit
groups that is not a date and either starts with `+country` (`+33 6 12 34 56 78`) or `(area)`,
or has separators and 10 to 15 digits, or has 7 to 15 digits right after a phone word ("call",
"phone:", "mobile", "my number"...). A number right after an order, invoice, tracking, account,
booking or flight word is not a phone unless it starts with `+`, so order numbers stay, as do
prices, dates, times and years: a false redaction destroys evidence, so the rules lean towards
keeping text. The
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

_AT_MARKED = r"\s*[\[({<]\s*at\s*[\])}>]\s*"
_DOT_MARKED = r"\s*[\[({<]\s*dot\s*[\])}>]\s*"
_DOT_SPOKEN = rf"(?:{_DOT_MARKED}|\s+dot\s+)"
_LABEL = r"[A-Za-z0-9-]+"
_LOCAL = rf"[\w.+-]+(?:{_DOT_SPOKEN}[\w+-]+)*"
_MARKED_EMAIL = re.compile(
    rf"(?<![\w.+-]){_LOCAL}{_AT_MARKED}{_LABEL}(?:(?:{_DOT_SPOKEN}|\.){_LABEL})*"
    rf"(?:{_DOT_SPOKEN}|\.)[A-Za-z]{{2,}}\b", re.IGNORECASE)
# Words that stand before "at" in ordinary prose ("bought it at shop dot com" is not an address).
_PROSE_BEFORE_AT = (
    "a|am|an|and|are|arrived|available|back|be|been|bought|but|buy|buying|cheaper|even|found|"
    "get|got|he|her|here|him|home|i|is|it|just|look|looked|looking|me|not|online|only|or|order|"
    "ordered|paid|price|priced|purchased|sale|she|shop|shopped|shopping|site|sold|stared|store|"
    "that|them|there|they|this|us|was|we|were|website|work|you"
)
_TLD = r"(?:com|net|org|edu|gov|info|biz|mobi|name|email|online|[a-z]{2})"
_WEBMAIL = r"(?:gmail|googlemail|yahoo|hotmail|outlook|icloud|aol|protonmail|proton|gmx|yandex)"
_SPOKEN_EMAIL = re.compile(
    rf"(?<![\w.+-])(?!(?:{_PROSE_BEFORE_AT})\s+at\s)(?:{_LOCAL})\s+at\s+"
    rf"(?:{_LABEL}(?:(?:{_DOT_SPOKEN}|\.){_LABEL})*{_DOT_SPOKEN}{_TLD}"
    rf"|{_WEBMAIL}(?:\.{_LABEL})+)\b", re.IGNORECASE)

_PHONE = re.compile(
    r"(?<![\w+.,/])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,5}|(?:\(\d{1,4}\)[ .-]?)?\d{2,5})"
    r"(?:[ .-]?\d{2,5}){1,5}(?![\w/]|[.,]\d)"
)
_NUMBER_WORD = re.compile(
    r"\b(?:(?P<phone>phone|telephone|tel|call|called|calling|ring|mobile|cell|cellphone|fax|"
    r"sms|text me|whatsapp|my number|contact number)|(?P<id>order|invoice|tracking|account|"
    r"acct|reference|ref|confirmation|case|ticket|booking|flight|serial|model|item|sku|receipt|"
    r"transaction|parcel|package|policy|claim|member|membership|customer|card|imei|isbn))\b",
    re.IGNORECASE)
_DATE_GROUPS = re.compile(r"(?:(?:19|20)\d\d[ .-]\d{1,2}[ .-]\d{1,2}|"
                          r"\d{1,2}[ .-]\d{1,2}[ .-](?:19|20)\d\d)")


def _number_context(before: str) -> str | None:
    """'phone' or 'id' when the last word naming a number stands right before it (no digits in
    between), else None."""
    found = None
    for found in _NUMBER_WORD.finditer(before):
        pass
    if found is None or any(ch.isdigit() for ch in before[found.end():]):
        return None
    return "phone" if found.group("phone") else "id"


def _is_phone(match: re.Match[str]) -> bool:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= 15 or _DATE_GROUPS.fullmatch(text):
        return False
    if text.startswith("+"):
        return digits >= 9
    context = _number_context(match.string[max(0, match.start() - 32):match.start()])
    if context == "id":
        return False
    separated = any(ch in " .-" for ch in text)
    return (digits >= 9 and text.startswith("(")) or (separated and digits >= 10) or (
        context == "phone")


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

    def phone(match: re.Match[str]) -> str:
        if not _is_phone(match):
            return match.group(0)
        counts["phone"] += 1
        return "[phone]"

    for pattern in (_EMAIL, _MARKED_EMAIL, _SPOKEN_EMAIL):
        text = pattern.sub(email, text)
    return _PHONE.sub(phone, text)


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
