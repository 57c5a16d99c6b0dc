"""Personal data redaction: e-mails, card and phone numbers leave story text before storage.

Customers paste contact details into complaints; storywatch has no use for them, so `redact_text()`
replaces each with `[email]` / `[card]` / `[phone]`. Precision comes first, since a false
redaction destroys evidence ("sold out at target dot com" is a competitor mention). Unambiguous
forms always go: a literal `@` or `＠` (spaces allowed, not after a prose word) and a marked "at"
(`[at]`, `(at)`, `{at}`, `<at>`, `-at-`). The spoken form "jo at shop dot com" goes only when the
name looks like a mailbox, an e-mail cue ("email", "write to", ...) stands just before it, or the
domain is a webmail one. Cards: 13-19 digits in card groups (or after a card word) passing Luhn.
A phone number is a run of digit groups that is not a date and either starts with `+country` or
`00country` or `(area)`, is a whole `1-800-555-0199`, or has separators and 10 to 15 digits, or
has 7 to 15 digits right after a phone word. Numbers after an order, invoice, tracking or similar
word, or next to a letters-and-digits token (parcel ids), stay; so does a bare unbroken number.
The `RedactPipeline` applies it to the title, body, company reply and every string in `raw`, and
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
_TLD = r"[A-Za-z]{2,24}\b"
_LABEL = r"[A-Za-z0-9-]+"
# A literal @ (or the full-width ＠) is unambiguous, spaced or not; spaced dots must be spaced on
# both sides so "3 @ target. They" is not an address. A prose word before a spaced @ ("cheaper @
# amazon.com") is the word "at", not a mailbox.
_PROSE_BEFORE_AT = (
    "a|am|an|and|are|arrived|available|back|be|been|bought|but|buy|buying|cheaper|even|found|"
    "get|got|he|her|here|him|home|i|is|it|just|look|looked|looking|me|not|online|only|or|order|"
    "ordered|paid|price|priced|purchased|sale|she|shop|shopped|shopping|site|sold|stared|store|"
    "that|them|there|they|this|us|was|we|were|website|work|you|out|over|up|off|in|on|by|for|"
    "from|with|to|of|now|again|also|still|cheap|cheapest|deal|deals|returns|app"
)
_DOMAIN_DOT = r"(?:[.．]|\s+[.．]\s+)"
_EMAIL = re.compile(
    rf"(?<![\w.+-])(?:[\w.+-]+[@＠](?!\s)|(?!(?:{_PROSE_BEFORE_AT})\s*[@＠])[\w.+-]+\s*[@＠]\s*)"
    rf"{_LABEL}(?:{_DOMAIN_DOT}{_LABEL})*{_DOMAIN_DOT}{_TLD}", re.IGNORECASE)

_AT_MARKED = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s*-at-\s*)"
_DOT_MARKED = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s*-dot-\s*)"
_DOT_SPOKEN = rf"(?:{_DOT_MARKED}|\s+dot\s+)"
_WORD = r"\w(?:[\w.+-]*\w)?"
_LOCAL = rf"{_WORD}(?:(?:{_DOT_SPOKEN}|\s+underscore\s+){_WORD})*"
_DOMAIN = rf"{_LABEL}(?:(?:{_DOT_SPOKEN}|\.){_LABEL})*(?:{_DOT_SPOKEN}|\.){_TLD}"
_MARKED_EMAIL = re.compile(rf"(?<![\w.+-]){_LOCAL}{_AT_MARKED}{_DOMAIN}", re.IGNORECASE)
_SPOKEN_EMAIL = re.compile(rf"(?<![\w.+-])(?P<local>{_LOCAL})\s+at\s+(?P<domain>{_DOMAIN})",
                           re.IGNORECASE)
_PROSE_WORD = re.compile(rf"(?:{_PROSE_BEFORE_AT})", re.IGNORECASE)
# "Returns at ikea dot com" is evidence; a spoken "at" is an address only with a sign of one.
_MAILBOX_SIGN = re.compile(r"[\d._+-]|\s")
_EMAIL_CUE = re.compile(
    r"(?:\b(?:e-?mail\w*|mail(?:box|ed|ing)?|inbox|address|contact|write\s+(?:to|me)|"
    r"reach\s+(?:me|us)|send(?:\s+\w+)?\s+to)\b[^\w.!?]*(?:[\w'’]+[^\w'’.!?]+){0,4}"
    r"|\[email\]\s*(?:,|/|\bor\b|\band\b)\s*)$", re.IGNORECASE)
_WEBMAIL_NAMES = frozenset((
    "gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "msn", "icloud", "aol",
    "protonmail", "proton", "gmx", "yandex", "zoho", "comcast", "wanadoo", "laposte", "libero"))
# Brand names that are also shops (Orange, Free) count only with their mail domain.
_WEBMAIL_DOMAINS = frozenset((
    "web.de", "mail.ru", "mail.com", "orange.fr", "free.fr", "btinternet.com", "t-online.de"))


def _is_webmail(domain: str) -> bool:
    host = re.sub(rf"{_DOT_SPOKEN}|\.", ".", domain).lower()
    return host in _WEBMAIL_DOMAINS or host.split(".")[0] in _WEBMAIL_NAMES


def _is_spoken_email(match: re.Match[str], before: str) -> bool:
    local = match.group("local")
    if _PROSE_WORD.fullmatch(local) or not any(ch.isalpha() for ch in local):
        return False
    return bool(_MAILBOX_SIGN.search(local) or _is_webmail(match.group("domain"))
                or _EMAIL_CUE.search(before[-80:]))


def _redact_spoken_emails(text: str, counts: Counter) -> str:
    """Like `re.sub`, but a rejected candidate is retried one character on, so "mail me at jo
    dot smith at gmail dot com" finds the address after the rejected "me at jo dot smith"."""
    out, done, search_from = "", 0, 0
    while (match := _SPOKEN_EMAIL.search(text, search_from)) is not None:
        if _is_spoken_email(match, out + text[done:match.start()]):
            out += text[done:match.start()] + "[email]"
            counts["email"] += 1
            done = search_from = match.end()
        else:
            search_from = match.start() + 1
    return out + text[done:]


_CARD = re.compile(r"(?<![\w+.,/-])(?:\d{4}(?P<sep>[ -])\d{4}(?:(?P=sep)\d{4}){1,2}"
                   r"(?:(?P=sep)\d{1,3})?|\d{4}(?P<sep2>[ -])\d{6}(?P=sep2)\d{4,5}|\d{13,19})"
                   r"(?![\w/-]|[.,]\d)")
_NANP_FORM = r"1[ -]\(?\d{3}\)?[ -]\d{3}[ -]\d{4}"
_PHONE = re.compile(
    rf"(?<![\w+.,/])(?:{_NANP_FORM}|(?:(?:\+|00)\d{{1,3}}[ .-]?(?:\(\d{{1,4}}\)[ .-]?)?\d{{1,5}}"
    r"|(?:\(\d{1,4}\)[ .-]?)?\d{2,5})(?:[ .-]?\d{2,5}){1,5})(?![\w/]|[.,]\d)"
)
# "1-800-555-0199" written out in full is a North American number whatever word precedes it.
_NANP = re.compile(_NANP_FORM)
_NUMBER_WORD = re.compile(
    r"\b(?:(?P<phone>phone|telephone|tel|call|called|calling|ring|mobile|cell|cellphone|fax|"
    r"sms|text me|whatsapp|my number|contact number)|(?P<card>card|visa|mastercard|amex|credit|"
    r"debit)|(?P<id>order|invoice|tracking|account|acct|reference|ref|confirmation|case|ticket|"
    r"booking|flight|serial|model|item|sku|receipt|transaction|parcel|package|policy|claim|"
    r"member|membership|customer|imei|isbn))\b",
    re.IGNORECASE)
_DATE_GROUPS = re.compile(r"(?:(?:19|20)\d\d[ .-]\d{1,2}[ .-]\d{1,2}|"
                          r"\d{1,2}[ .-]\d{1,2}[ .-](?:19|20)\d\d)")
# A token mixing letters and digits next to the number makes it part of an id ("1Z 999 AA1 0123
# 4567 84" is a parcel); times and ordinals ("6pm", "3rd") are not ids.
_MIXED_TOKEN = re.compile(r"(?=[A-Za-z]*\d)(?=\d*[A-Za-z])(?!\d{1,2}(?:[ap]m|h|st|nd|rd|th)$)"
                          r"[A-Za-z0-9]+")
_TOKEN_BEFORE = re.compile(r"([A-Za-z0-9]+)[ -]$")
_TOKEN_AFTER = re.compile(r"[ -]([A-Za-z0-9]+)")


def _number_context(before: str) -> str | None:
    """'phone', 'card' or 'id' when the last word naming a number stands right before it (no
    digits in between), else None."""
    found = None
    for found in _NUMBER_WORD.finditer(before):
        pass
    if found is None or any(ch.isdigit() for ch in before[found.end():]):
        return None
    return found.lastgroup


def _inside_id(match: re.Match[str]) -> bool:
    before = _TOKEN_BEFORE.search(match.string[max(0, match.start() - 32):match.start()])
    after = _TOKEN_AFTER.match(match.string, match.end())
    return any(token is not None and _MIXED_TOKEN.fullmatch(token.group(1))
               for token in (before, after))


def _luhn(digits: str) -> bool:
    total = 0
    for index, digit in enumerate(int(ch) for ch in reversed(digits)):
        total += digit if index % 2 == 0 else (digit * 2 - 9 if digit > 4 else digit * 2)
    return total % 10 == 0


def _is_card(match: re.Match[str]) -> bool:
    digits = "".join(ch for ch in match.group(0) if ch.isdigit())
    if not 13 <= len(digits) <= 19 or not _luhn(digits) or _inside_id(match):
        return False
    context = _number_context(match.string[max(0, match.start() - 32):match.start()])
    # Unbroken digits are an order number as often as a card: only a card word makes them one.
    grouped = len(digits) != len(match.group(0))
    return context == "card" or (grouped and context != "id")


def _is_phone(match: re.Match[str]) -> bool:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= 15 or _DATE_GROUPS.fullmatch(text) or _inside_id(match):
        return False
    if text.startswith("+") or _NANP.fullmatch(text):
        return digits >= 9
    context = _number_context(match.string[max(0, match.start() - 32):match.start()])
    if context in ("id", "card"):
        return False
    separated = any(ch in " .-" for ch in text)
    return (digits >= 9 and text.startswith("(")) or (separated and digits >= 10) or (
        context == "phone")


def redact_text(text: str, counts: Counter | None = None) -> str:
    """`text` with e-mail addresses as `[email]`, card numbers as `[card]` and phone numbers as
    `[phone]`.

    Example:
        >>> redact_text("Mail me at jo.doe@example.com or call +1 (555) 010-4477 today")
        'Mail me at [email] or call [phone] today'
    """
    counts = counts if counts is not None else Counter()

    def replacer(kind: str, keep: Any = None) -> Any:
        def replace(match: re.Match[str]) -> str:
            if keep is not None and not keep(match):
                return match.group(0)
            counts[kind] += 1
            return f"[{kind}]"
        return replace

    for pattern in (_EMAIL, _MARKED_EMAIL):
        text = pattern.sub(replacer("email"), text)
    text = _redact_spoken_emails(text, counts)
    text = _CARD.sub(replacer("card", _is_card), text)
    return _PHONE.sub(replacer("phone", _is_phone), text)


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
