"""Sentence splitting for customer stories, and a cheap English check.

Stories arrive as reviews, complaints and forum posts: sentences without a space after the full
stop ("great.The box"), line breaks instead of punctuation, bullet and numbered lines, and now and
then a wall of text without any punctuation. The splitter is a few regular expressions that keep
abbreviations and numbers ("Mr.", "e.g.", "$2.99") whole, cuts run-on text into word windows so the
encoder sees all of it, and caps a story at MAX_SENTENCES so one huge post cannot stall a batch.
`clean_text` strips HTML fragments; `detect_language` tells English from other languages by
script and common function words, cheaply and without a model.
"""
from __future__ import annotations

import html
import re
import sys

from storywatch.versions import code_digest

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


_TAG = re.compile(r"<\s*(br|p|div|li|tr|h\d)\b[^>]*>|</\s*(p|div|li|tr|h\d)\s*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^<>]{0,400}>")
_SCRIPT_DROP = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_SCRIPTS = (("zh", "\u4e00", "\u9fff"), ("ja", "\u3040", "\u30ff"), ("ko", "\uac00", "\ud7af"),
            ("ru", "\u0400", "\u04ff"), ("ar", "\u0600", "\u06ff"), ("he", "\u0590", "\u05ff"),
            ("el", "\u0370", "\u03ff"), ("hi", "\u0900", "\u097f"), ("th", "\u0e00", "\u0e7f"))
_FOREIGN_WORDS = {
    "es": {"el", "la", "los", "las", "que", "y", "de", "en", "un", "una", "por", "muy", "pero",
           "es", "con", "no", "mi", "lo", "para", "del"},
    "fr": {"le", "la", "les", "et", "est", "un", "une", "des", "pas", "je", "tr\u00e8s", "mais",
           "pour", "avec", "du", "ce", "que", "il", "mon", "j'ai"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "ich", "ein", "eine", "sehr", "mit", "aber",
           "auf", "f\u00fcr", "zu", "den", "es", "mein", "war", "wir"},
    "it": {"il", "lo", "la", "e", "che", "non", "un", "una", "per", "molto", "con", "ma", "sono",
           "del", "della", "mi", "ho", "di"},
    "pt": {"o", "a", "os", "as", "que", "e", "n\u00e3o", "um", "uma", "muito", "com", "mas",
           "para", "do", "da", "meu", "foi", "de"},
    "nl": {"de", "het", "een", "en", "is", "niet", "ik", "van", "met", "maar", "zeer", "voor",
           "op", "dat", "mijn", "was", "geen"},
}


def clean_text(text: str) -> str:
    """Text with HTML tags removed (block tags become line breaks) and entities decoded."""
    if "<" not in text and "&" not in text:
        return text
    text = _SCRIPT_DROP.sub(" ", text)
    text = _ANY_TAG.sub(" ", _TAG.sub("\n", text))
    return html.unescape(text)


def detect_language(text: str) -> str | None:
    """'en', another ISO 639-1 code when the text clearly is that language, else None."""
    letters = [ch for ch in text or "" if ch.isalpha()]
    if not letters:
        return None
    for code, low, high in _SCRIPTS:
        if sum(low <= ch <= high for ch in letters) / len(letters) > 0.3:
            return code
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.lower())
    english = sum(w in _ENGLISH_WORDS for w in words)
    scores = {code: sum(w in vocab for w in words) for code, vocab in _FOREIGN_WORDS.items()}
    code, best = max(scores.items(), key=lambda item: item[1])
    if len(words) >= 4 and best >= 2 and best > 2 * english:
        return code
    return guess_language(text) or ("en" if english else None)


def read_story(text: str) -> tuple[str | None, list[str]]:
    """How the tagger reads a story: (language, sentences) after stripping HTML.

    Text that is clearly not English gets its language and no sentences (MiniLM is English), so
    it is left neutral without causes. Training reads its texts the same way.
    """
    text = clean_text(text or "")
    language = detect_language(text)
    return language, split_sentences(text) if language in (None, "en") else []


def splitter_version() -> str:
    """'s' and a digest of this module's code, part of the encoder version.

    Everything here decides how a story is read, so any edit to it (not to comments or
    docstrings) makes a new version, and vectors cached under the old one are redone.
    """
    return "s" + code_digest(sys.modules[__name__])
