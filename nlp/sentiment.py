"""Sentiment from the encoder's vectors: the trained head and the story-level rule.

The head (nlp/heads/sentiment_head.npz, made by `python -m storywatch.nlp.train_sentiment`) is a multinomial
logistic regression over negative / neutral / positive on the adapted backbone's vectors (a file
with `hidden` arrays is read as a one-layer MLP), stored as plain arrays, so running it needs numpy
only. A sentence's score is p(positive) - p(negative), in -1..1; its label is the most probable
class, except that a score of NEUTRAL_MAX_SCORE or more either way is never neutral
(`decision = argmax`; older heads used a neutral band around zero). The same head applied to
the story vector (mean of all the story's token states, from the same forward pass) gives the
story's label and score. A mostly happy story with one complaint stays positive while the
complaint sentence keeps its own negative tag. Training: hand-labelled stories (whole stories and
their sentences) and half of the Amazon Alexa reviews, see nlp/heads/PROVENANCE.md.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storywatch.errors import StorywatchError

CLASSES = ("negative", "neutral", "positive")
# A story or sentence is neutral only while it leans neither way: with an argmax head, a neutral
# argmax whose score p(pos) - p(neg) reaches this is given the polarity it leans to, so a repeated
# complaint does not read as neutral; the lowest value that left dev scores unchanged
# (docs/nlp.md, figures behind the code).
NEUTRAL_MAX_SCORE = 0.4
HEAD_PATH = Path(__file__).resolve().parent / "heads" / "sentiment_head.npz"


class HeadMissing(StorywatchError, FileNotFoundError):
    """The sentiment head file is absent or unreadable."""


@dataclass(frozen=True)
class SentimentHead:
    coef: np.ndarray  # output layer (classes, hidden or dim)
    intercept: np.ndarray
    neutral_band: float
    fingerprint: str
    hidden: np.ndarray | None = None  # (dim, hidden) ReLU layer, None for a linear head
    hidden_bias: np.ndarray | None = None
    argmax: bool = False  # label = the most probable class (else the neutral band rule)

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
                argmax = "decision" in data and str(data["decision"]) == "argmax"
        except (OSError, KeyError, ValueError) as exc:
            raise HeadMissing(
                f"Cannot read the sentiment head {path} ({exc}): rebuild it with "
                "`python -m storywatch.nlp.train_sentiment`."
            ) from exc
        if classes != CLASSES:
            raise HeadMissing(f"{path} has classes {classes}, expected {CLASSES}: retrain it.")
        digest = hashlib.sha256(coef.tobytes() + intercept.tobytes() + str(band).encode()
                                + (hidden.tobytes() if hidden is not None else b""))
        if argmax:
            digest.update(f"argmax{NEUTRAL_MAX_SCORE}".encode())
        return cls(coef.astype(np.float32), intercept.astype(np.float32), band,
                   digest.hexdigest()[:8], hidden, hidden_bias, argmax)

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """Class probabilities (rows sum to 1), columns in CLASSES order."""
        if self.hidden is not None:
            embeddings = np.maximum(embeddings @ self.hidden + self.hidden_bias, 0.0)
        logits = embeddings @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def scores_and_labels(self, embeddings: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Per-row score p(pos) - p(neg), and its label: the most probable class for an argmax
        head (the one training makes), else neutral inside the band and polar outside it (the
        rule of heads made before the adapter, still readable).
        """
        if len(embeddings) == 0:
            return np.zeros(0, dtype=np.float32), []
        proba = self.probabilities(embeddings)
        scores = proba[:, 2] - proba[:, 0]
        if self.argmax:
            labels = [CLASSES[i] for i in proba.argmax(axis=1)]
            return scores, [("positive" if s > 0 else "negative")
                            if label == "neutral" and abs(s) >= NEUTRAL_MAX_SCORE else label
                            for label, s in zip(labels, scores)]
        labels = ["positive" if s >= self.neutral_band else
                  "negative" if s <= -self.neutral_band else "neutral" for s in scores]
        return scores, labels
