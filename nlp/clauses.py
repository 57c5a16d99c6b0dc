"""Clauses: where one sentence joins judgements that may differ ("Great staff, terrible returns").

A customer often praises one thing and blames another in one sentence: "Small screen but great for
travel", "Good motel, Poor location", "Though the bathrooms are a bit old, the beds are still
cozy", "the features are great; the only thing it needs is better speakers". The tagger reads
such a sentence as one sentence (its sentiment, its vector), but each cause it links needs the
part of the sentence that is about that cause, with that part's own polarity.

`split_clauses` cuts a sentence where customers join judgements: before a contrasting word (but,
however, though, although, yet, except, whereas, other than, apart from), at a semicolon or a
dash between words, and, in a short sentence ("Good motel, Poor location"), after a comma. A piece
with no word of its own (a lone "though," or "yet.") joins the clause it opens or closes. Each
clause is a (start, end) span of the sentence, so
its text is always a substring of the sentence, and so of the story.

The tagger encodes each clause of a sentence that has several on its own (no context from the
rest of the story) and uses a clause as a cause's evidence only when the sentence's clauses judge
both ways (one positive, one negative): a sentence with one judgement keeps sentence-level
evidence and polarity.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Where a new clause starts: before a contrasting word, after a semicolon, a dash between words or
# a comma. Group 1 is the boundary's start (the clause before ends there), match.end() is where
# the next clause starts (a contrasting word stays with the clause it opens).
_CONTRAST = (r"(?i)(\s+)(?=(?:but|however|though|although|even though|yet|except|whereas|"
             r"other than|apart from|aside from)\b)")
_DASH = r"|(\s+)[-\u2013\u2014]+\s+"
_BOUNDARY = re.compile(_CONTRAST + r"|()(?<=[;,])\s+" + _DASH)
# In a longer sentence a comma mostly separates items of a list or steps of a narrative, not
# judgements, and each clause costs a pass of the backbone: there only a semicolon cuts.
_BOUNDARY_LONG = re.compile(_CONTRAST + r"|()(?<=;)\s+" + _DASH)
COMMA_MAX_WORDS = 8
# Words that carry no judgement of their own: a piece made only of these joins its neighbour.
_EMPTY = {
    "but", "however", "though", "although", "even", "yet", "except", "whereas", "other", "than",
    "apart", "aside", "from", "and", "or", "so", "then", "that", "this", "it", "i", "the", "a",
    "an", "still", "also", "too", "only", "thing", "is", "was", "said", "say", "must", "well",
}
MAX_CLAUSES = 8  # a list of twenty items is not twenty judgements: beyond this, no clauses


@dataclass(frozen=True)
class Clause:
    sentence: int  # index of the sentence in the story
    start: int  # offsets in that sentence: the clause is sentence[start:end]
    end: int


def _has_own_word(text: str) -> bool:
    return any(w not in _EMPTY for w in re.findall(r"[^\W_]+", text.lower()))


def split_clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentence's clauses; one span (the whole) when it has one.

    Example:
        >>> s = "Great staff, terrible return policy."
        >>> [s[a:b] for a, b in split_clauses(s)]
        ['Great staff,', 'terrible return policy.']
    """
    cuts = [0]
    boundary = _BOUNDARY if len(sentence.split()) <= COMMA_MAX_WORDS else _BOUNDARY_LONG
    for match in boundary.finditer(sentence):
        end_of_clause = next(match.start(g) for g in (1, 2, 3) if match.group(g) is not None)
        cuts.append(end_of_clause)
        cuts.append(match.end())
    cuts.append(len(sentence))
    spans = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]
    spans = [span for span in spans if span[1] > span[0]]
    merged: list[tuple[int, int]] = []
    opening: int | None = None  # start of empty pieces waiting for the clause they open
    for start, end in spans:
        if not _has_own_word(sentence[start:end]):
            opening = start if opening is None else opening
            continue
        merged.append((start if opening is None else opening, end))
        opening = None
    if opening is not None and merged:  # empty pieces at the end close the last clause
        merged[-1] = (merged[-1][0], len(sentence))
    if len(merged) > MAX_CLAUSES or len(merged) < 2:
        return [(0, len(sentence))]
    return [_strip(sentence, a, b) for a, b in merged]


def _strip(sentence: str, start: int, end: int) -> tuple[int, int]:
    while start < end and sentence[start].isspace():
        start += 1
    while end > start and sentence[end - 1].isspace():
        end -= 1
    return start, end


def story_clauses(sentences: list[str]) -> list[Clause]:
    """The clauses of every sentence of a story that has more than one, in story order."""
    clauses = []
    for index, sentence in enumerate(sentences):
        spans = split_clauses(sentence)
        if len(spans) > 1:
            clauses.extend(Clause(index, a, b) for a, b in spans)
    return clauses


def clause_text(sentences: list[str], clause: Clause) -> str:
    return sentences[clause.sentence][clause.start:clause.end]
