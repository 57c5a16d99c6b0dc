"""Sentence splitting for customer stories, and a cheap English check.

Stories arrive as reviews, complaints and forum posts: sentences without a space after the full
stop ("great.The box"), line breaks instead of punctuation, bullet and numbered lines, and now and
then a wall of text without any punctuation. The splitter is a few regular expressions that keep
abbreviations and numbers ("Mr.", "e.g.", "$2.99") whole, cuts run-on text into word windows so the
encoder sees all of it, and caps a story at MAX_SENTENCES so one huge post cannot stall a batch.
"""
from __future__ import annotations

import re

MAX_SENTENCES = 60
MAX_WORDS = 60
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co",
    "no", "approx", "dept", "est", "min", "max", "ave", "rd", "u.s", "a.m", "p.m", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u25aa\u2013>]+|\(?\d{1,2}[.)])\s+")
# A candidate end: terminal punctuation (plus closing quotes/brackets), then space or a capital.
_END = re.compile(r"([.!?\u2026]+[\"')\]]*)(?:\s+|(?=[A-Z]))")
_ENGLISH_WORDS = {
    "the", "and", "to", "a", "i", "it", "of", "was", "my", "is", "for", "in", "that", "they",
    "this", "with", "not", "but", "on", "have", "you", "me", "we", "be", "at", "so", "no", "had",
}


def _is_abbreviation(chunk: str) -> bool:
    """True when chunk ends with a known abbreviation or a single initial, e.g. 'J.'."""
    match = re.search(r"([A-Za-z][A-Za-z.]*)\.$", chunk)
    if not match:
        return False
    word = match.group(1).lower()
    return word in _ABBREVIATIONS or len(word) == 1


def _split_line(line: str) -> list[str]:
    pieces, start = [], 0
    for match in _END.finditer(line):
        end = match.end(1)
        candidate = line[start:end]
        # "$2.99" or "3.5": a full stop between digits is a decimal point, not an end.
        if candidate.endswith(".") and re.match(r"\d", line[end:end + 1] or " "):
            continue
        if candidate.endswith(".") and _is_abbreviation(candidate):
            continue
        pieces.append(candidate.strip())
        start = match.end()
    pieces.append(line[start:].strip())
    return [p for p in pieces if p]


def _windows(sentence: str) -> list[str]:
    words = sentence.split()
    if len(words) <= MAX_WORDS:
        return [sentence]
    return [" ".join(words[i:i + MAX_WORDS]) for i in range(0, len(words), MAX_WORDS)]


def split_sentences(text: str, max_sentences: int = MAX_SENTENCES) -> list[str]:
    """Split a story into sentences.

    Example:
        >>> split_sentences("Great price.The box was crushed!\\n- no receipt\\n- no refund")
        ['Great price.', 'The box was crushed!', 'no receipt', 'no refund']
    """
    sentences: list[str] = []
    for raw_line in (text or "").splitlines():
        line = _BULLET.sub("", raw_line).strip()
        if not line:
            continue
        for piece in _split_line(line):
            if any(ch.isalnum() for ch in piece):
                sentences.extend(_windows(piece))
        if len(sentences) >= max_sentences:
            break
    return sentences[:max_sentences]


def guess_language(text: str) -> str | None:
    """'en' when the text reads as English, else None (unknown); no model involved."""
    words = re.findall(r"[a-z']+", (text or "").lower())
    if len(words) < 3:
        return "en" if words and all(w.isascii() for w in words) else None
    hits = sum(w in _ENGLISH_WORDS for w in words)
    return "en" if hits / len(words) >= 0.08 else None
