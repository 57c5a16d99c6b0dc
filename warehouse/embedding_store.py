"""The story vector cache: the tagger's backbone output per story, so re-tagging skips the backbone.

A taxonomy or head change makes a new model version, and every story has to be tagged again; the
backbone (the slow part) would give the same vectors as last time, so they are kept in
`story_vectors`, keyed by story, the hash of the text that was embedded and the encoder version.
Vectors are stored as float16 (half the size; cosine similarities move by about 1e-4) and come
back as float32. An edited story no longer matches its hash and is embedded afresh, which replaces
its row; after a complete tagging run, rows of other encoder versions are deleted.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np

from storywatch.warehouse.db import transaction

STORED_DTYPE = np.dtype("<f2")


@dataclass(frozen=True)
class StoryVectors:
    story_key: str
    text_hash: str
    vectors: np.ndarray  # (rows, dimensions): story vector, then one row per sentence


def cached_vectors(
    con: duckdb.DuckDBPyConnection, encoder_version: str, wanted: list[tuple[str, str]]
) -> dict[str, np.ndarray]:
    """Cached vectors (float32) of the wanted (story_key, text_hash) pairs, by story key.

    Stories without vectors for exactly that text and encoder are left out.
    """
    if not wanted:
        return {}
    keys = [key for key, _ in wanted]
    hashes = dict(wanted)
    rows = con.execute(
        """
        SELECT story_key, text_hash, vector_rows, dimensions, vectors FROM story_vectors
        WHERE encoder_version = ? AND list_contains(CAST(? AS VARCHAR[]), story_key)
        """,
        [encoder_version, keys],
    ).fetchall()
    found = {}
    for key, digest, count, dimensions, blob in rows:
        if hashes.get(key) != digest or len(blob) != count * dimensions * STORED_DTYPE.itemsize:
            continue
        stored = np.frombuffer(blob, dtype=STORED_DTYPE).reshape(count, dimensions)
        found[key] = stored.astype(np.float32)
    return found


def save_vectors(
    con: duckdb.DuckDBPyConnection, encoder_version: str, embedded: list[StoryVectors]
) -> int:
    """Store (or replace) the vectors of these stories for `encoder_version`; return how many."""
    if not embedded:
        return 0
    rows = []
    for item in embedded:
        vectors = np.asarray(item.vectors)
        if vectors.ndim != 2:
            raise ValueError(f"vectors of {item.story_key} must be 2-D, got {vectors.shape}")
        rows.append((item.story_key, encoder_version, item.text_hash, vectors.shape[0],
                     vectors.shape[1], vectors.astype(STORED_DTYPE).tobytes()))
    with transaction(con):
        con.execute(
            "DELETE FROM story_vectors WHERE encoder_version = ? "
            "AND list_contains(CAST(? AS VARCHAR[]), story_key)",
            [encoder_version, [row[0] for row in rows]],
        )
        con.executemany(
            "INSERT INTO story_vectors VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)", rows
        )
    return len(rows)


def prune_vectors(con: duckdb.DuckDBPyConnection, encoder_version: str) -> int:
    """Delete the vectors of every other encoder version (no tagger reads them); return how many.

    Called once a tagging run has embedded or found every story for `encoder_version`, so the
    cache holds one encoder's vectors, not one set per adapter or backend ever used.
    """
    (count,) = con.execute("SELECT count(*) FROM story_vectors WHERE encoder_version <> ?",
                           [encoder_version]).fetchone()
    if count:
        con.execute("DELETE FROM story_vectors WHERE encoder_version <> ?", [encoder_version])
    return int(count)
