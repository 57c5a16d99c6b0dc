"""The story record, defined once: its fields, their types, which are required, what they mean.

A story is one JSON object per landing line; spiders build it (`storywatch.crawler.items`), the
pipelines check and clean it, the loader stores it as a row of `stories`, and
docs/architecture.md shows it as a table (tests/test_architecture_doc.py checks that table and the
`stories` table of a freshly migrated warehouse against `FIELDS`). Add or change a field here,
then in a new migration, and the test says what else still disagrees.

Like storywatch.errors, this module imports nothing of the project, so the crawler, the warehouse
and nlp can all read it without importing each other.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """What a field holds: its JSON type in a landing line and its column type in `stories`."""

    json_type: str
    column_type: str


# `text` is words a person wrote (HTML becomes plain text); `string` is a name, id, URL or code.
KINDS: dict[str, Kind] = {
    "string": Kind("str", "VARCHAR"),
    "text": Kind("str", "VARCHAR"),
    "time": Kind("str", "TIMESTAMP"),
    "flag": Kind("bool", "BOOLEAN"),
    "rating": Kind("float", "DOUBLE"),
    "count": Kind("int", "INTEGER"),
    "labels": Kind("list[str]", "VARCHAR[]"),
    "json": Kind("object", "JSON"),
}


@dataclass(frozen=True)
class Field:
    """One field of the record. `required`: a story without it (or with it empty) is skipped by
    the loader, and dropped by the pipelines (but for the story key, which they compute).
    `nullable`: the record may hold null there."""

    name: str
    kind: str
    notes: str = ""
    required: bool = False
    nullable: bool = True

    @property
    def json_type(self) -> str:
        """The type as docs/architecture.md writes it, e.g. `str or null`."""
        base = KINDS[self.kind].json_type
        return f"{base} or null" if self.nullable else base

    @property
    def column_type(self) -> str:
        return KINDS[self.kind].column_type


FIELDS: tuple[Field, ...] = (
    Field("story_key", "string", "`source:external_id` when the source gives an id, else "
          "`source:sha1(brand, normalised body, published date)` (crawler/items.py `story_key()`, "
          "recomputed by the pipelines)", required=True, nullable=False),
    Field("source", "string", "spider format name: `schema_org`, `trustpilot`, `appstore`, "
          "`cfpb`, ...", required=True, nullable=False),
    Field("source_url", "string", "page the story was read from", nullable=False),
    Field("story_url", "string", "permalink"),
    Field("external_id", "string", "the story's id at the source"),
    Field("brand", "string", "brand the source is configured for", required=True,
          nullable=False),
    Field("is_competitor", "flag", "true for a competitor's story", nullable=False),
    Field("author", "text", "display name as given, plain text"),
    Field("title", "text", "plain text"),
    Field("body", "text", "plain text, whitespace normalised, no HTML", required=True,
          nullable=False),
    Field("rating", "rating", "normalised 0..1 ((stars-1)/4 for 1..5 stars)"),
    Field("rating_raw", "string", 'as the source showed it, e.g. `"4/5"`'),
    Field("published_at", "time", "ISO 8601 UTC datetime; the pipelines drop a story whose date "
          "cannot be read", nullable=False),
    Field("fetched_at", "time", "ISO 8601 UTC datetime", nullable=False),
    Field("language", "string", "language code when the source gives one"),
    Field("helpful_votes", "count", "readers who marked the story helpful"),
    Field("company_reply", "text", "the company's public reply, plain text"),
    Field("company_replied_at", "time", "ISO 8601 UTC datetime"),
    Field("labels", "labels", "source-side labels, e.g. CFPB `issue`, `product`",
          nullable=False),
    Field("raw", "json", "the original JSON record or extracted markup", nullable=False),
)

STORY_KEY = "story_key"
FIELD_NAMES: tuple[str, ...] = tuple(field.name for field in FIELDS)
REQUIRED_FIELDS: tuple[str, ...] = tuple(field.name for field in FIELDS if field.required)
TEXT_FIELDS: tuple[str, ...] = tuple(field.name for field in FIELDS if field.kind == "text")


def story_text(title: str | None, body: str | None) -> str:
    """What the tagger reads: the title (customers often put the verdict there), then the body.

    They are joined by a line break, which the sentence splitter treats as a boundary, so evidence
    sentences stay verbatim quotes of what the customer wrote. Every place that tags a story, or
    trains and scores on stored or labelled stories, builds its text here, so the text hash a tag
    is stored under matches the text training saw.
    """
    title = (title or "").strip()
    body = body or ""
    return f"{title}\n{body}" if title and body else title or body
