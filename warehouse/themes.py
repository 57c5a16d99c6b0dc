"""Emerging themes: negative stories that no cause of the taxonomy explains, grouped by meaning.

A negative story with no cause is a complaint the taxonomy has no name for yet. When several of
them say the same thing (the car park, a login loop, a new fee), that is a theme worth a cause.
`find_themes` reads the newest such stories with their cached story vectors (story_vectors, the
vectors the tagger made), groups them and labels each group with its distinctive words
(storywatch.nlp.themes), and counts each theme per week so a reader sees whether it is growing.
docs/themes.md explains the method and `storywatch themes promote`, which turns a theme into a
cause.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import duckdb
import numpy as np

from storywatch.errors import StorywatchError
from storywatch.nlp.sentences import is_english
from storywatch.nlp.themes import distinctive_words, group_similar
from storywatch.warehouse.alerts import headline, judged_period
from storywatch.warehouse.embedding_store import STORED_DTYPE

# Average linkage keeps every pairwise distance in memory: the newest this many stories are
# grouped, which is months of unexplained complaints for most brands.
MAX_STORIES = 2000
# Background for the distinctive words: the newest this many stories of any kind.
BACKGROUND_STORIES = 5000
WEEKS_SHOWN = 8
TREND_WEEKS = 4
EXAMPLES = 5


class ThemeNotFound(StorywatchError, LookupError):
    """No theme has the id the user gave (the stories changed, or a typo)."""


@dataclass(frozen=True)
class ThemeStory:
    story_key: str
    brand: str
    published_at: datetime | None
    headline: str
    body: str
    url: str | None


@dataclass(frozen=True)
class Theme:
    id: str
    words: tuple[str, ...]
    stories: tuple[ThemeStory, ...]  # the most typical first
    brands: tuple[tuple[str, int], ...]  # most stories first
    weekly: tuple[tuple[date, int], ...]  # the last complete weeks, oldest first
    first_seen: datetime | None
    last_seen: datetime | None

    @property
    def name(self) -> str:
        """The theme in a few words, for lists: its three most distinctive words."""
        return ", ".join(self.words[:3]) or "no distinctive words"

    @property
    def volume(self) -> int:
        return len(self.stories)

    @property
    def recent(self) -> int:
        """Stories in the last TREND_WEEKS complete weeks."""
        return sum(count for _, count in self.weekly[-TREND_WEEKS:])

    @property
    def before(self) -> int:
        """Stories in the TREND_WEEKS weeks before those."""
        return sum(count for _, count in self.weekly[-2 * TREND_WEEKS:-TREND_WEEKS])

    @property
    def trend(self) -> str:
        """new (nothing in the weeks before), rising, falling, steady, or quiet (neither)."""
        if not self.recent and not self.before:
            return "quiet"
        if not self.before:
            return "new"
        if self.recent == self.before:
            return "steady"
        return "rising" if self.recent > self.before else "falling"


@dataclass(frozen=True)
class ThemeReport:
    themes: tuple[Theme, ...]
    unexplained: int  # negative stories of the current model with no cause
    grouped: int  # of those, how many had a vector and were among the newest MAX_STORIES
    as_of: date
    weeks: tuple[date, ...] = field(default=())  # the Mondays of Theme.weekly

    @property
    def left_out(self) -> int:
        """Unexplained stories not grouped: no cached vector, or older than the newest grouped."""
        return max(self.unexplained - self.grouped, 0)


_UNEXPLAINED_COUNT = """
SELECT count(*) FROM story_facts f
WHERE f.sentiment = 'negative'
  AND NOT EXISTS (SELECT 1 FROM story_causes c WHERE c.story_key = f.story_key)
"""

# One encoder's vectors are comparable with each other only: the one most stories have.
_UNEXPLAINED = """
WITH encoder AS (
    SELECT encoder_version FROM story_vectors
    GROUP BY encoder_version ORDER BY count(*) DESC, max(embedded_at) DESC LIMIT 1
)
SELECT f.story_key, f.brand, f.published_at, f.title, f.body, f.story_url,
       v.vector_rows, v.dimensions, v.vectors, t.language
FROM story_facts f
JOIN story_vectors v ON v.story_key = f.story_key
 AND v.encoder_version = (SELECT encoder_version FROM encoder)
LEFT JOIN story_tags t ON t.story_key = f.story_key
 AND t.model_version = (SELECT model_version FROM current_model)
WHERE f.sentiment = 'negative'
  AND NOT EXISTS (SELECT 1 FROM story_causes c WHERE c.story_key = f.story_key)
ORDER BY f.published_at DESC NULLS LAST, f.story_key
LIMIT ?
"""

_BACKGROUND = """
SELECT story_key, concat_ws(' ', title, body) FROM story_facts
WHERE sentiment IS NOT NULL
ORDER BY published_at DESC NULLS LAST, story_key
LIMIT ?
"""


def _grouped_by_encoder(vectors: list[np.ndarray], english: list[bool]) -> list[list[int]]:
    """Themes among English stories (MiniLM vectors) and among the others (multilingual e5
    vectors) apart: the two encoders' vectors share a size but not a space."""
    groups = []
    for side in (True, False):
        chosen = [i for i, flag in enumerate(english) if flag == side]
        if chosen:
            found = group_similar(np.stack([vectors[i] for i in chosen]))
            groups += [[chosen[j] for j in group] for group in found]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def _story_vector(rows: int, dimensions: int, blob: bytes) -> np.ndarray | None:
    if rows < 1 or len(blob) != rows * dimensions * STORED_DTYPE.itemsize:
        return None
    return np.frombuffer(blob, dtype=STORED_DTYPE, count=dimensions).astype(np.float32)


def _link(url: str | None) -> str | None:
    # Only web links are offered: a stored `javascript:` URL is story text, not a link.
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) \
        else None


def theme_id(stories: list[ThemeStory]) -> str:
    """A short id from the theme's first story (oldest, then by key), so a theme that grows keeps
    its id from one run to the next."""
    first = min(stories, key=lambda s: (s.published_at or datetime.max, s.story_key))
    return "t" + hashlib.sha1(first.story_key.encode("utf-8")).hexdigest()[:6]


def _weeks(as_of: date) -> tuple[date, ...]:
    last_complete, _ = judged_period("week", as_of)
    return tuple(last_complete - timedelta(weeks=n) for n in range(WEEKS_SHOWN - 1, -1, -1))


def find_themes(con: duckdb.DuckDBPyConnection, *, as_of: date | None = None,
                max_stories: int = MAX_STORIES) -> ThemeReport:
    """The emerging themes among the newest `max_stories` unexplained negative stories."""
    as_of = as_of or datetime.now(UTC).date()
    weeks = _weeks(as_of)
    (unexplained,) = con.execute(_UNEXPLAINED_COUNT).fetchone()
    rows = con.execute(_UNEXPLAINED, [max_stories]).fetchall()
    stories, vectors, english = [], [], []
    for key, brand, published, title, body, url, count, dimensions, blob, language in rows:
        vector = _story_vector(count, dimensions, blob)
        if vector is None:
            continue
        stories.append(ThemeStory(key, brand, published, headline(title, body), body or "",
                                  _link(url)))
        vectors.append(vector)
        english.append(is_english(language))
    groups = _grouped_by_encoder(vectors, english)
    if not groups:
        return ThemeReport((), int(unexplained), len(stories), as_of, weeks)
    grouped_keys = {stories[i].story_key for group in groups for i in group}
    background = [text for key, text in con.execute(_BACKGROUND, [BACKGROUND_STORIES]).fetchall()
                  if key not in grouped_keys]
    brands = tuple(b for (b,) in con.execute("SELECT DISTINCT brand FROM stories").fetchall())
    texts = [[f"{stories[i].headline} {stories[i].body}" for i in group] for group in groups]
    words = distinctive_words(texts, background, ignore=brands)
    themes = [_theme([stories[i] for i in group], label, weeks)
              for group, label in zip(groups, words)]
    return ThemeReport(tuple(themes), int(unexplained), len(stories), as_of, weeks)


def _theme(members: list[ThemeStory], words: list[str], weeks: tuple[date, ...]) -> Theme:
    per_week = Counter(s.published_at.date() - timedelta(days=s.published_at.weekday())
                       for s in members if s.published_at is not None)
    dated = [s.published_at for s in members if s.published_at is not None]
    brands = Counter(s.brand for s in members).most_common()
    return Theme(id=theme_id(members), words=tuple(words), stories=tuple(members),
                 brands=tuple(brands), weekly=tuple((week, per_week.get(week, 0))
                                                    for week in weeks),
                 first_seen=min(dated, default=None), last_seen=max(dated, default=None))


def theme_by_id(report: ThemeReport, wanted: str) -> Theme:
    """The theme with id `wanted`; ThemeNotFound lists the ids there are."""
    for theme in report.themes:
        if theme.id == wanted.strip().lower():
            return theme
    there = ", ".join(t.id for t in report.themes) or "none"
    raise ThemeNotFound(f"No theme {wanted!r} among the current themes ({there}); run "
                        "`storywatch themes` to list them (ids change when the stories do).")
