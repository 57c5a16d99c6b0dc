"""Sentiment from sentence embeddings: the trained head and the story-level rule.

The head (nlp/heads/sentiment_head.npz, made by `python -m nlp.train_sentiment`) is a multinomial
logistic regression stored as plain arrays, so running it needs numpy only. A sentence's score is
p(positive) - p(negative), in -1..1. A story's score is the length-weighted mean of its sentence
scores; the story is neutral only when none of its sentences says anything good or bad, otherwise it
takes the sign of that mean, so a mostly happy story with one complaint stays positive while the
complaint sentence keeps its own negative tag.
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
    coef: np.ndarray
    intercept: np.ndarray
    neutral_band: float
    fingerprint: str

    @classmethod
    def load(cls, path: Path = HEAD_PATH) -> SentimentHead:
        """Read the head arrays; raise HeadMissing with the command that rebuilds it."""
        try:
            with np.load(path) as data:
                classes = tuple(str(c) for c in data["classes"])
                coef, intercept = data["coef"], data["intercept"]
                band = float(data["neutral_band"]) if "neutral_band" in data else 0.0
        except (OSError, KeyError, ValueError) as exc:
            raise HeadMissing(
                f"Cannot read the sentiment head {path} ({exc}): rebuild it with "
                "`python -m nlp.train_sentiment`."
            ) from exc
        if classes != CLASSES:
            raise HeadMissing(f"{path} has classes {classes}, expected {CLASSES}: retrain it.")
        digest = hashlib.sha256(coef.tobytes() + intercept.tobytes() + str(band).encode())
        return cls(coef.astype(np.float32), intercept.astype(np.float32), band,
                   digest.hexdigest()[:8])

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """Class probabilities (rows sum to 1), columns in CLASSES order."""
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


def story_sentiment(scores: list[float], labels: list[str], lengths: list[int]) -> tuple[str, float]:
    """Combine sentence sentiments into the story's (label, score)."""
    if not scores:
        return "neutral", 0.0
    weights = np.sqrt(np.maximum(np.asarray(lengths, dtype=np.float64), 1.0))
    score = float(np.clip(np.average(scores, weights=weights), -1.0, 1.0))
    if all(label == "neutral" for label in labels):
        return "neutral", score
    polar = [s for s, lab in zip(scores, labels) if lab != "neutral"]
    if score == 0.0:
        score = float(np.mean(polar))
    return ("positive" if score > 0 else "negative"), score
