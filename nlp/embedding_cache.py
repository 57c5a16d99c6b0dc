"""A disk cache of backbone vectors for training runs (never used by the tagger).

Training embeds about ten thousand texts; re-running it after adding a few labelled examples
should not pay for all of them again. Each text is read as the tagger reads it
(nlp.sentences.read_story) and run through the encoder as a story (nlp.encoder): the cache
keeps its (sentences + 1, dim) matrix, keyed by the
SHA-1 of the text, in one .npz per encoder version in the model cache folder (nlp.options,
default ~/.cache/storywatch), outside the repository. Delete the folder to start afresh; results are
identical with or without the cache.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from storywatch.nlp.encoder import Encoder
from storywatch.nlp.sentences import read_story

CHUNK = 256


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", errors="replace")).hexdigest()


class EmbeddingCache:
    """Embeds texts as stories with the encoder, reusing matrices computed by earlier runs."""

    def __init__(self, encoder: Encoder, folder: Path) -> None:
        self.encoder = encoder
        self.path = Path(folder) / f"stories-{encoder.version}.npz"
        self.matrices: dict[str, np.ndarray] = {}
        if self.path.is_file():
            try:
                with np.load(self.path) as data:
                    bounds = data["offsets"]
                    rows = data["rows"]
                    self.matrices = {k: rows[a:b] for k, a, b in
                                     zip(data["keys"].tolist(), bounds[:-1], bounds[1:])}
            except (OSError, KeyError, ValueError):
                self.matrices = {}

    def stories(self, texts: list[str], progress: bool = False) -> list[np.ndarray]:
        """Per text, float32 (sentences + 1, dim): the story vector, then its sentences."""
        keys = [_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self.matrices}.items())
        if missing:
            from tqdm import tqdm

            bar = tqdm(total=len(missing), unit="text", desc="embedding", disable=not progress)
            for start in range(0, len(missing), CHUNK):
                chunk = missing[start:start + CHUNK]
                matrices = self.encoder.embed_stories([read_story(t)[1] for _, t in chunk])
                self.matrices.update({k: m.astype(np.float32)
                                      for (k, _), m in zip(chunk, matrices)})
                bar.update(len(chunk))
            bar.close()
            self.save()
        return [self.matrices[k] for k in keys]

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """One story vector per text, rows in input order."""
        if not texts:
            return np.zeros((0, self.encoder.dimension), np.float32)
        return np.vstack([m[0] for m in self.stories(texts, progress)])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".part.npz")
        keys = list(self.matrices)
        sizes = [len(self.matrices[k]) for k in keys]
        np.savez(temp, keys=np.array(keys), offsets=np.concatenate([[0], np.cumsum(sizes)]),
                 rows=np.vstack([self.matrices[k] for k in keys]))
        os.replace(temp, self.path)
