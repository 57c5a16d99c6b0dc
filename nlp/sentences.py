"""Sentence splitting for customer stories, and a cheap English check.

Stories arrive as reviews, complaints and forum posts: sentences without a space after the full
stop ("great.The box"), line breaks instead of punctuation, bullet and numbered lines, and now and
then a wall of text without any punctuation. The splitter is a few regular expressions that keep
abbreviations and numbers ("Mr.", "e.g.", "$2.99") whole, cuts run-on text into word windows so the
encoder sees all of it, and caps a story at MAX_SENTENCES so one huge post cannot stall a batch.
`clean_text` strips HTML fragments; `detect_language` tells English from other languages by
script and common function words, cheaply and without a model. Stories in any language are split
the same way (full-width CJK stops end a sentence too); the tagger sends the ones that are not
English to the multilingual backend (nlp.multilingual).
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
# Chinese and Japanese stops need no space after them.
_CJK_END = re.compile(r"([\u3002\uff01\uff1f]+[\u300d\u300f\uff09]*)\s*")
_ENGLISH_WORDS = {
    "the", "and", "to", "a", "i", "it", "of", "was", "my", "is", "for", "in", "that", "they",
    "this", "with", "not", "but", "on", "have", "you", "me", "we", "be", "at", "so", "no", "had",
    "as", "are", "by", "from", "or", "our", "your", "will", "has", "been", "were", "if",
    "just", "very", "all", "would", "get", "got", "there", "about", "great", "good", "service",
}
# Letters that English words lack: a word holding one counts for the languages that use it.
_MARKERS = {
    "de": "\u00e4\u00f6\u00fc\u00df", "fr": "\u00e9\u00e8\u00ea\u00e0\u00e7\u00f9\u00fb\u00f4\u00ee\u0153",
    "da": "\u00e6\u00f8\u00e5", "sv": "\u00e5\u00e4\u00f6", "es": "\u00f1\u00e1\u00ed\u00f3\u00fa\u00bf\u00a1",
    "pt": "\u00e3\u00f5\u00e7\u00e1\u00ea", "it": "\u00e0\u00e8\u00ec\u00f2\u00f9",
}


def _is_abbreviation(chunk: str) -> bool:
    """True when chunk ends with a known abbreviation or a single initial, e.g. 'J.'."""
    match = re.search(r"([A-Za-z][A-Za-z.]*)\.$", chunk)
    if not match:
        return False
    word = match.group(1).lower()
    return word in _ABBREVIATIONS or len(word) == 1


def _split_line(line: str) -> list[str]:
    return [piece for part in _CJK_END.sub("\\1\n", line).split("\n")
            for piece in _split_latin(part)]


def _split_latin(line: str) -> list[str]:
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
           "pour", "avec", "du", "ce", "que", "il", "mon", "j'ai", "au", "aux", "sur", "qui",
           "ne", "plus", "\u00e9t\u00e9", "c'est", "nous", "vous", "\u00e0", "d\u00e9j\u00e0"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "ich", "ein", "eine", "sehr", "mit", "aber",
           "auf", "f\u00fcr", "zu", "den", "es", "mein", "war", "wir", "hat", "hatte", "wird",
           "wurde", "sind", "auch", "noch", "schon", "bei", "von", "im", "dem", "sich", "kein",
           "keine", "nur", "wie", "ab", "heute", "immer", "wieder", "kann", "mal", "gut", "gute",
           "guten", "gutes", "tolles", "toll", "waren", "alles", "leider", "nach", "aus",
           "einem", "einer", "oder", "wenn", "zimmer", "freundlich", "bahn", "zug"},
    "it": {"il", "lo", "la", "e", "che", "non", "un", "una", "per", "molto", "con", "ma", "sono",
           "del", "della", "mi", "ho", "di"},
    "pt": {"o", "a", "os", "as", "que", "e", "n\u00e3o", "um", "uma", "muito", "com", "mas",
           "para", "do", "da", "meu", "foi", "de"},
    "nl": {"de", "het", "een", "en", "is", "niet", "ik", "van", "met", "maar", "zeer", "voor",
           "op", "dat", "mijn", "was", "geen"},
    "da": {"og", "er", "det", "jeg", "til", "p\u00e5", "med", "ikke", "et", "har", "som", "af",
           "meget", "men", "der", "min", "jer", "hvor", "kan", "godt"},
    "sv": {"och", "\u00e4r", "att", "det", "jag", "inte", "p\u00e5", "med", "som", "f\u00f6r",
           "ett", "har", "mycket", "men", "till", "av", "bra", "fick"},
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
    words = re.findall(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?", text.lower().replace("\u2019", "'"))
    english = sum(w in _ENGLISH_WORDS for w in words)
    scores = {code: sum(w in vocab or any(ch in _MARKERS.get(code, "") for ch in w)
                        for w in words) for code, vocab in _FOREIGN_WORDS.items()}
    code, best = max(scores.items(), key=lambda item: item[1])
    # Function words and accented words both count; a short text needs no English word at all.
    if best >= 2 and (best > 1.5 * english if len(words) >= 4 else not english):
        return code
    return guess_language(text) or ("en" if english else None)


def is_english(language: str | None) -> bool:
    """True for 'en' and for text whose language is unknown: both are read by MiniLM."""
    return language in (None, "en")


def read_story(text: str) -> tuple[str | None, list[str]]:
    """How the tagger reads a story: (language, sentences) after stripping HTML.

    Every language is split into sentences; `is_english(language)` tells which backend tags
    them (MiniLM for English, nlp.multilingual for the rest). Training reads its texts the same
    way.
    """
    text = clean_text(text or "")
    return detect_language(text), split_sentences(text)


def splitter_version() -> str:
    """'s' and a digest of this module's code, part of the encoder version.

    Everything here decides how a story is read, so any edit to it (not to comments or
    docstrings) makes a new version, and vectors cached under the old one are redone. The clause
    splitter (nlp.clauses) counts too: cached vectors hold a row per clause.
    """
    from storywatch.nlp import clauses

    return "s" + code_digest(sys.modules[__name__], clauses)
