"""Trained per-cause heads: one logistic regression per cause, with its own threshold.

A cause head reads the story vector (the encoder's pooled vector of the whole story) and
the cause's zero-shot similarity (the best sentence's mean top-2 cosine to the cause's description
and example phrases, scaled by Z_SCALE), so it needs no other forward pass than the one the tagger
already makes. Heads and thresholds are made by `python -m storywatch.nlp.train_sentiment` from labelled
stories, the taxonomy's example phrases and the user's examples (nlp/training/cause_examples.csv).
The threshold of each cause is the one that maximised its F1 on out-of-fold
predictions over the training stories. Causes without a head (added to the taxonomy after
training), or whose description or examples changed since, stay zero-shot until the next
training run. A cause's score is its head's probability on the story vector; its evidence is
the sentence the same head scores highest.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LOG = logging.getLogger(__name__)
CAUSE_HEADS_PATH = Path(__file__).resolve().parent / "heads" / "cause_heads.npz"
Z_SCALE = 1.0


@dataclass(frozen=True)
class CauseHeads:
    ids: tuple[str, ...]
    coef: np.ndarray  # (causes, dim + 1): story vector weights, then the zero-shot weight
    intercept: np.ndarray
    thresholds: np.ndarray
    fingerprint: str
    cause_fingerprints: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path = CAUSE_HEADS_PATH) -> CauseHeads | None:
        """The saved heads, or None when there is no file (zero-shot linking only)."""
        if not Path(path).is_file():
            return None
        with np.load(path) as data:
            ids = tuple(str(i) for i in data["ids"])
            coef, intercept = data["coef"].astype(np.float32), data["intercept"].astype(np.float32)
            thresholds = data["thresholds"].astype(np.float32)
            cause_fps = tuple(str(f) for f in data["cause_fingerprints"])
            if "sentence_max" in data.files and bool(data["sentence_max"]):
                LOG.warning("%s was trained for the earlier larger-of-story-and-sentence score; "
                            "it is now scored on the story alone: retrain with "
                            "`python -m storywatch.nlp.train_sentiment`", path)
        digest = hashlib.sha256(coef.tobytes() + intercept.tobytes() + thresholds.tobytes()
                                + "|".join(ids).encode())
        return cls(ids, coef, intercept, thresholds, digest.hexdigest()[:8], cause_fps)

    def index(self, cause_id: str, cause_fingerprint: str | None = None) -> int | None:
        """The head of a cause, None when there is none or it was trained on another definition."""
        if cause_id not in self.ids:
            return None
        j = self.ids.index(cause_id)
        if cause_fingerprint is not None and self.cause_fingerprints[j] != cause_fingerprint:
            return None
        return j

    def probability(self, j: int, vectors: np.ndarray, zero_shot: np.ndarray) -> np.ndarray:
        """p(cause j) for rows of (story or sentence vector, its zero-shot score for cause j)."""
        logits = vectors @ self.coef[j, :-1] + zero_shot * Z_SCALE * self.coef[j, -1]
        return 1.0 / (1.0 + np.exp(-(logits + self.intercept[j])))
