"""A disk cache of backbone embeddings for training runs (never used by the tagger).

Training embeds about ten thousand sentences; re-running it after adding a few labelled examples
should not pay for all of them again. Vectors are keyed by the SHA-1 of the text and stored in one
.npz per backbone under $STORYWATCH_CACHE (default ~/.cache/storywatch), outside the repository.
Delete the folder to start afresh; results are identical with or without the cache.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from nlp.model import BACKBONE_NAME


def cache_path() -> Path:
    root = Path(os.environ.get("STORYWATCH_CACHE", Path.home() / ".cache" / "storywatch"))
    return root / f"embeddings-{BACKBONE_NAME}.npz"


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", errors="replace")).hexdigest()


class EmbeddingCache:
    """Embeds texts with the backbone, reusing vectors computed by earlier runs."""

    def __init__(self, backbone: Any, path: Path | None = None) -> None:
        self.backbone = backbone
        self.path = path or cache_path()
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            try:
                with np.load(self.path) as data:
                    self.vectors = dict(zip(data["keys"].tolist(), data["vectors"]))
            except (OSError, KeyError, ValueError):
                self.vectors = {}

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Normalised embeddings of texts, rows in input order."""
        keys = [_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self.vectors}.items())
        if missing:
            vectors = self.backbone.encode([t for _, t in missing], batch_size=64,
                                           show_progress_bar=progress, normalize_embeddings=True,
                                           convert_to_numpy=True)
            self.vectors.update({k: v.astype(np.float32) for (k, _), v in zip(missing, vectors)})
            self.save()
        if not texts:
            return np.zeros((0, next(iter(self.vectors.values()), np.zeros(384)).shape[0]),
                            np.float32)
        return np.stack([self.vectors[k] for k in keys])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".part.npz")
        keys = list(self.vectors)
        np.savez(temp, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        os.replace(temp, self.path)
