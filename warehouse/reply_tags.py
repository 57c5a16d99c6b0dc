"""Storing company reply classes: which replies still need classifying, and saving their classes.

A reply needs classifying when the current reply classifier version has no class for the story's
current reply text (a reply that arrived or changed after the story was tagged included). Replies
are kept per reply classifier version, not per model version, so a taxonomy change (which re-tags
every story) does not classify them again. The `story_replies` view reads the current version.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from storywatch.warehouse.db import make_current, transaction


@dataclass(frozen=True)
class PendingReply:
    story_key: str
    reply_hash: str
    reply: str


def pending_replies(con: duckdb.DuckDBPyConnection, reply_version: str) -> list[PendingReply]:
    """Non-empty company replies that `reply_version` has not classified in their current text."""
    rows = con.execute(
        """
        SELECT s.story_key, sha1(s.company_reply) AS reply_hash, s.company_reply
        FROM stories s
        LEFT JOIN reply_tags r ON r.story_key = s.story_key AND r.reply_version = ?
        WHERE nullif(trim(s.company_reply), '') IS NOT NULL
          AND r.reply_hash IS DISTINCT FROM sha1(s.company_reply)
        ORDER BY s.published_at NULLS LAST, s.story_key
        """,
        [reply_version],
    ).fetchall()
    return [PendingReply(*row) for row in rows]


def set_current_reply_version(con: duckdb.DuckDBPyConnection, reply_version: str) -> None:
    """Make `reply_version` the one `story_replies` reads."""
    make_current(con, "reply_models", "reply_version", reply_version)


def save_reply_tags(
    con: duckdb.DuckDBPyConnection, reply_version: str, tagged: list[tuple[str, str, dict]]
) -> int:
    """Save (story_key, reply_hash, reply tag dict) for one reply version; return how many.

    The dict has the fields of `storywatch.nlp.replies.ReplyTag`: label, score, policy_citing, evidence.
    """
    rows = [(key, reply_version, digest, tag.get("label"), float(tag.get("score") or 0.0),
             bool(tag.get("policy_citing")), tag.get("evidence"))
            for key, digest, tag in tagged]
    with transaction(con):
        if rows:
            con.execute(
                "DELETE FROM reply_tags WHERE reply_version = ? "
                "AND list_contains(CAST(? AS VARCHAR[]), story_key)",
                [reply_version, [row[0] for row in rows]],
            )
            con.executemany(
                "INSERT INTO reply_tags VALUES (?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)", rows
            )
        set_current_reply_version(con, reply_version)
    return len(rows)
