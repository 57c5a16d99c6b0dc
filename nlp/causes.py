"""Cause linking: which causes a story is about, how strongly, and the evidence.

Causes with a trained head (nlp/cause_heads.py) are scored by it, from the story vector and the
zero-shot similarity below, against the cause's tuned threshold; their evidence is the sentence the
head scores highest. Causes without a head fall back to zero-shot linking as follows.

Every cause in the taxonomy is represented by the embeddings of its description and its example
phrases, computed once per tagger. A sentence's similarity to a cause is the mean of its TOP_K best
cosine similarities to those phrases (one lucky phrase match alone is too noisy), and it only counts
for causes within SENTENCE_MARGIN of its own best cause (otherwise a sentence plainly about one
cause also links the causes it merely resembles; the margin and the global threshold were picked
on the written stories in tests/data/nlp, figures in docs/nlp.md). A story is linked
to every cause whose best sentence reaches the threshold (the cause's own, else the taxonomy's), so
a story can have several causes, or none when it says nothing about policies or operations. The best
sentence is the evidence, with its own sentiment, so a positive story can carry a negative cause.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from storywatch.nlp.cause_heads import Z_SCALE, CauseHeads
from storywatch.nlp.taxonomy import Taxonomy

TOP_K = 2
# A sentence speaks for the causes it is most similar to, not for every cause it vaguely resembles.
SENTENCE_MARGIN = 0.05


@dataclass(frozen=True)
class CauseTag:
    cause: str
    owner: str
    score: float
    evidence: str
    evidence_sentiment: str


class CauseLinker:
    """Links sentence embeddings to the causes of one taxonomy."""

    def __init__(self, taxonomy: Taxonomy, encode: Callable[[list[str]], np.ndarray],
                 heads: CauseHeads | None = None) -> None:
        self.causes = taxonomy.causes
        self.heads = heads
        self._head_index = [heads.index(c.id, c.fingerprint) if heads else None
                            for c in self.causes]
        phrases: list[str] = []
        owners: list[int] = []
        for i, cause in enumerate(self.causes):
            texts = [cause.description, *cause.examples]
            phrases.extend(texts)
            owners.extend([i] * len(texts))
        self._phrases = np.asarray(encode(phrases), dtype=np.float32)
        self._phrase_cause = np.asarray(owners)
        self._columns = [np.flatnonzero(self._phrase_cause == i) for i in range(len(self.causes))]
        self.thresholds = np.array(
            [c.threshold if c.threshold is not None else taxonomy.threshold for c in self.causes],
            dtype=np.float32,
        )

    def sentence_scores(self, embeddings: np.ndarray) -> np.ndarray:
        """Similarity of each sentence (rows) to each cause (columns), in -1..1."""
        sims = embeddings @ self._phrases.T
        scores = np.empty((len(embeddings), len(self.causes)), dtype=np.float32)
        for i, columns in enumerate(self._columns):
            top = np.partition(sims[:, columns], -TOP_K, axis=1)[:, -TOP_K:] if len(columns) > TOP_K \
                else sims[:, columns]
            scores[:, i] = top.mean(axis=1)
        return scores

    def _head_matrix(self, vectors: np.ndarray, zero_shot: np.ndarray) -> np.ndarray:
        """Head probabilities (rows x causes; NaN for causes without a head), vectorised."""
        out = np.full((len(vectors), len(self.causes)), np.nan, dtype=np.float32)
        columns = [i for i, j in enumerate(self._head_index) if j is not None]
        if not columns or len(vectors) == 0:
            return out
        rows = [self._head_index[i] for i in columns]
        coef, bias = self.heads.coef[rows], self.heads.intercept[rows]
        logits = vectors @ coef[:, :-1].T + zero_shot[:, columns] * Z_SCALE * coef[:, -1] + bias
        out[:, columns] = 1.0 / (1.0 + np.exp(-logits))
        return out

    def link_chunk(self, embeddings: np.ndarray, per_story: list[list[str]],
                   sentiments: list[str], story_vectors: np.ndarray) -> list[list[CauseTag]]:
        """Causes of every story of a chunk, from all its sentence vectors at once.

        `embeddings` holds the sentences of all stories in order; `story_vectors` one row per
        story (the encoder's story vector).
        """
        raw = self.sentence_scores(embeddings)
        sentence_probs = self._head_matrix(embeddings, raw)
        bounds = np.cumsum([0] + [len(s) for s in per_story])
        spans = [slice(a, b) for a, b in pairwise(bounds)]
        with_text = [span for span in spans if span.stop > span.start]
        vectors = np.array([story_vectors[k] for k, span in enumerate(spans)
                            if span.stop > span.start], dtype=np.float32)
        best_raw = np.array([raw[span].max(axis=0) for span in with_text])
        story_probs = iter(self._head_matrix(vectors, best_raw) if with_text else [])
        results = []
        for span, sentences in zip(spans, per_story):
            if not sentences:
                results.append([])
                continue
            results.append(self._tags(raw[span], next(story_probs), sentence_probs[span],
                                      sentences, sentiments[span]))
        return results

    def _tags(self, raw: np.ndarray, story_probs: np.ndarray, sentence_probs: np.ndarray,
              sentences: list[str], sentiments: list[str]) -> list[CauseTag]:
        runner_up = raw.max(axis=1, keepdims=True) - SENTENCE_MARGIN
        scores = np.where(raw >= runner_up, raw, -1.0)
        tags = []
        for i, cause in enumerate(self.causes):
            j = self._head_index[i]
            if j is None:
                best, score = int(scores[:, i].argmax()), float(scores[:, i].max())
                threshold = float(self.thresholds[i])
            else:
                score, threshold = float(story_probs[i]), float(self.heads.thresholds[j])
                best = int(sentence_probs[:, i].argmax())
            if score >= threshold:
                tags.append(CauseTag(cause=cause.id, owner=cause.owner, score=round(score, 4),
                                     evidence=sentences[best],
                                     evidence_sentiment=sentiments[best]))
        return sorted(tags, key=lambda tag: -tag.score)
