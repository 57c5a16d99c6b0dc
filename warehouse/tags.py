"""Storing the tagger's output: which stories still need tags, and saving tags per model version.

A story needs tagging when the current model version has no tags for it, or tagged an older text
of it (an edited story). Saving replaces that story's rows for the version in one transaction, so
re-running `storywatch tag` never duplicates a tag.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb

from storywatch.story_record import story_text
from storywatch.warehouse.db import make_current, transaction


@dataclass(frozen=True)
class PendingStory:
    story_key: str
    body_hash: str
    text: str


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def pending_stories(con: duckdb.DuckDBPyConnection, model_version: str) -> list[PendingStory]:
    """Stories that `model_version` has not tagged in their current text, oldest first."""
    rows = con.execute(
        """
        SELECT s.story_key, s.title, s.body, t.body_hash
        FROM stories s
        LEFT JOIN story_tags t ON t.story_key = s.story_key AND t.model_version = ?
        ORDER BY s.published_at NULLS LAST, s.story_key
        """,
        [model_version],
    ).fetchall()
    pending = []
    for key, title, body, tagged_hash in rows:
        text = story_text(title, body)
        digest = text_hash(text)
        if digest != tagged_hash:
            pending.append(PendingStory(key, digest, text))
    return pending


def set_current_model(con: duckdb.DuckDBPyConnection, model_version: str) -> None:
    """Make `model_version` the one the views read."""
    make_current(con, "model_versions", "model_version", model_version)


def save_tags(
    con: duckdb.DuckDBPyConnection, model_version: str, tagged: list[tuple[str, str, dict]]
) -> int:
    """Save (story_key, body_hash, tags) for one model version; return how many stories."""
    if not tagged:
        set_current_model(con, model_version)
        return 0
    keys = [key for key, _, _ in tagged]
    stories, sentences, causes = [], [], []
    for key, digest, tags in tagged:
        stories.append((
            key, model_version, digest, tags["sentiment"], float(tags["sentiment_score"]),
            tags.get("language"),
        ))
        for sentence in tags.get("sentences", []):
            sentences.append((
                key, model_version, int(sentence["index"]), sentence["text"],
                sentence["sentiment"], float(sentence["sentiment_score"]),
            ))
        for cause in tags.get("causes", []):
            causes.append((
                key, model_version, cause["cause"], cause["owner"], float(cause["score"]),
                cause.get("evidence"), cause.get("evidence_sentiment"),
            ))
    with transaction(con):
        for table in ("story_tags", "sentence_tags", "cause_tags"):
            con.execute(
                f"DELETE FROM {table} WHERE model_version = ? AND story_key IN (SELECT unnest(?))",
                [model_version, keys],
            )
        con.executemany(
            "INSERT INTO story_tags (story_key, model_version, body_hash, sentiment, "
            "sentiment_score, language, tagged_at) VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
            stories,
        )
        if sentences:
            con.executemany(
                "INSERT INTO sentence_tags (story_key, model_version, sentence_index, sentence, "
                "sentiment, sentiment_score) VALUES (?, ?, ?, ?, ?, ?)", sentences,
            )
        if causes:
            con.executemany(
                "INSERT INTO cause_tags (story_key, model_version, cause, owner, score, evidence, "
                "evidence_sentiment) VALUES (?, ?, ?, ?, ?, ?, ?)", causes,
            )
        set_current_model(con, model_version)
    return len(tagged)
