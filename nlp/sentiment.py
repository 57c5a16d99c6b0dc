"""Sentiment from sentence embeddings: the trained head and the story-level rule.

The head (nlp/heads/sentiment_head.npz, made by `python -m nlp.train_sentiment`) is a small
multi-layer perceptron (one ReLU layer, softmax over three classes; a linear head could not tell
"refund was fast" from "still no refund") stored as plain arrays, so running it needs numpy only; a
file with `coef`/`intercept` only is read as a multinomial logistic regression. A sentence's score is
p(positive) - p(negative), in -1..1, and the same head applied to the story vector (the normalised
mean of its sentence embeddings, so no second forward pass) gives the story's score; inside the
neutral band the story is neutral. A mostly happy story with one complaint stays positive while the
complaint sentence keeps its own negative tag. The head is trained on general rated text plus the
project's hand-labelled stories, sentences and whole stories alike.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CLASSES = ("negative", "neutral", "positive")
HEAD_PATH = Path(__file__).resolve().parent / "heads" / "sentiment_head.npz"


class HeadMissing(FileNotFoundError):
    """The sentiment head file is absent or unreadable."""


@dataclass(frozen=True)
class SentimentHead:
    coef: np.ndarray  # output layer (classes, hidden or dim)
    intercept: np.ndarray
    neutral_band: float
    fingerprint: str
    hidden: np.ndarray | None = None  # (dim, hidden) ReLU layer, None for a linear head
    hidden_bias: np.ndarray | None = None

    @classmethod
    def load(cls, path: Path = HEAD_PATH) -> SentimentHead:
        """Read the head arrays; raise HeadMissing with the command that rebuilds it."""
        try:
            with np.load(path) as data:
                classes = tuple(str(c) for c in data["classes"])
                coef, intercept = data["coef"], data["intercept"]
                band = float(data["neutral_band"]) if "neutral_band" in data else 0.0
                hidden = data["hidden"].astype(np.float32) if "hidden" in data else None
                hidden_bias = data["hidden_bias"].astype(np.float32) if "hidden" in data else None
        except (OSError, KeyError, ValueError) as exc:
            raise HeadMissing(
                f"Cannot read the sentiment head {path} ({exc}): rebuild it with "
                "`python -m nlp.train_sentiment`."
            ) from exc
        if classes != CLASSES:
            raise HeadMissing(f"{path} has classes {classes}, expected {CLASSES}: retrain it.")
        digest = hashlib.sha256(coef.tobytes() + intercept.tobytes() + str(band).encode()
                                + (hidden.tobytes() if hidden is not None else b""))
        return cls(coef.astype(np.float32), intercept.astype(np.float32), band,
                   digest.hexdigest()[:8], hidden, hidden_bias)

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """Class probabilities (rows sum to 1), columns in CLASSES order."""
        if self.hidden is not None:
            embeddings = np.maximum(embeddings @ self.hidden + self.hidden_bias, 0.0)
        logits = embeddings @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def scores_and_labels(self, embeddings: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Per-row score p(pos) - p(neg), and its label: neutral inside the band, else polar.

        A band rather than argmax, because plain accounts of a bad experience ("six weeks and the
        money is still not back") lean negative without the neutral class losing the argmax.
        """
        if len(embeddings) == 0:
            return np.zeros(0, dtype=np.float32), []
        proba = self.probabilities(embeddings)
        scores = proba[:, 2] - proba[:, 0]
        labels = ["positive" if s >= self.neutral_band else
                  "negative" if s <= -self.neutral_band else "neutral" for s in scores]
        return scores, labels
