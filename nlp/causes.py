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

When the best sentence joins judgements both ways ("Great staff, terrible return policy.": one
clause positive, another negative, nlp.clauses), the cause's evidence is the clause of that
sentence the same head (or zero-shot similarity) scores highest, with the clause's own polarity,
so each cause of a mixed sentence gets its own evidence and polarity. A clause the head reads as
neutral gives the cause the sentence's polarity, and so does a clause whose rival (the clause
judging the other way) is about the cause as much ("pay so much but one of the better rates").
Such a sentence can also link a cause the story vector misses (the praise in "Great staff,
terrible return policy."), from the clause about it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from storywatch.nlp.cause_heads import Z_SCALE, CauseHeads
from storywatch.nlp.clauses import Clause
from storywatch.nlp.taxonomy import Taxonomy

TOP_K = 2
# A sentence speaks for the causes it is most similar to, not for every cause it vaguely resembles.
SENTENCE_MARGIN = 0.05
# Clause evidence (nlp.clauses), each value picked on the dev rows of the real suite (docs/nlp.md,
# "Sentiment per cause"). A sentence judges both ways when one of its clauses leans positive and
# another negative by at least CLAUSE_POLARITY (a fragment read alone leans a little either way);
# a clause of one word ("Overall,") neither judges nor is evidence.
CLAUSE_POLARITY = 0.5
CLAUSE_MIN_WORDS = 2
# A clause gives its polarity to a cause only when the cause's head scores it this much above the
# clause judging the other way; otherwise both are about the cause and the sentence weighs them.
CLAUSE_MARGIN = 0.1
# A cause the story vector misses may be linked from a clause of a sentence judging both ways, if
# that clause is about it: the cause is within this zero-shot similarity of the clause's best.
CLAUSE_LINKS = True
CLAUSE_LINK_MARGIN = 0.02


@dataclass(frozen=True)
class CauseTag:
    cause: str
    owner: str
    score: float
    evidence: str
    evidence_sentiment: str


@dataclass(frozen=True)
class StoryClauses:
    """One story's clauses (nlp.clauses) with their zero-shot scores, head probabilities and
    sentiment scores, rows in the order of `clauses`."""
    clauses: tuple[Clause, ...]
    raw: np.ndarray
    probs: np.ndarray
    scores: np.ndarray  # sentiment score p(pos) - p(neg) of each clause

    def _judging_both_ways(self, sentences: list[str], sentence: int) -> list[int]:
        """Rows of the sentence's clauses (long enough to judge) when one leans positive and
        another negative; [] when the sentence has one judgement or none."""
        rows = [r for r, c in enumerate(self.clauses) if c.sentence == sentence
                and len(sentences[sentence][c.start:c.end].split()) >= CLAUSE_MIN_WORDS]
        leaning = self.scores[rows]
        if not rows or leaning.max() < CLAUSE_POLARITY or leaning.min() > -CLAUSE_POLARITY:
            return []
        return rows

    def linking(self, sentences: list[str], column: int) -> tuple[float, int] | None:
        """(head probability, sentence) of the clause of a sentence judging both ways that the
        head of the cause in `column` scores highest; None when no sentence judges both ways."""
        mixed = sorted({c.sentence for c in self.clauses})
        rows = [r for s in mixed for r in self._judging_both_ways(sentences, s)]
        if not rows:
            return None
        # A clause speaks for the causes it is most similar to (as a sentence does, zero-shot).
        near = self.raw[rows, column] >= self.raw[rows].max(axis=1) - CLAUSE_LINK_MARGIN
        probs = np.where(near, self.probs[rows, column], -1.0)
        row = rows[int(np.argmax(probs))]
        return float(probs.max()), self.clauses[row].sentence

    def evidence(self, sentences: list[str], sentence: int, column: int,
                 by_head: bool) -> tuple[str, str | None] | None:
        """(clause, its polarity or None when it leans neither way) for the cause in `column`,
        when `sentence` judges both ways; None when it does not."""
        rows = self._judging_both_ways(sentences, sentence)
        if not rows:
            return None
        leaning = self.scores[rows]
        values = (self.probs if by_head else self.raw)[rows, column]
        best = int(np.argmax(values))
        clause, score = self.clauses[rows[best]], float(leaning[best])
        polarity = ("positive" if score > 0 else "negative") if abs(score) >= CLAUSE_POLARITY \
            else None
        # "pay so much but one of the better rates": both clauses judge the same cause, and the
        # sentence's own polarity weighs them; the clause decides only when it is the one about it.
        against = values[leaning * np.sign(score) <= -CLAUSE_POLARITY] if polarity else values[:0]
        if len(against) and values[best] - against.max() < CLAUSE_MARGIN:
            return None
        return sentences[sentence][clause.start:clause.end], polarity


class CauseLinker:
    """Links sentence embeddings to the causes of one taxonomy."""

    def __init__(self, taxonomy: Taxonomy, encode: Callable[[list[str]], np.ndarray],
                 heads: CauseHeads | None = None, *, zero_shot: bool = True) -> None:
        self.causes = taxonomy.causes
        self.heads = heads
        # Causes without a trained head are linked by similarity against thresholds tuned on
        # MiniLM's similarities; another encoder's similarities sit on another scale, so a
        # tagger over one (nlp.multilingual) links only the causes its heads were trained for.
        self.zero_shot = zero_shot
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
                   sentiments: list[str], story_vectors: np.ndarray,
                   clauses: list[tuple[Clause, ...]] | None = None,
                   clause_embeddings: np.ndarray | None = None,
                   clause_scores: np.ndarray | None = None) -> list[list[CauseTag]]:
        """Causes of every story of a chunk, from all its sentence vectors at once.

        `embeddings` holds the sentences of all stories in order; `story_vectors` one row per
        story (the encoder's story vector). `clauses` (per story), `clause_embeddings` and
        `clause_scores` (sentiment scores; all stories' clauses in order) let a mixed sentence
        give each cause its own clause as evidence; without them evidence is a whole sentence.
        """
        per_clauses = self._story_clauses(clauses, clause_embeddings, clause_scores,
                                          len(per_story))
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
        for span, sentences, story_clauses in zip(spans, per_story, per_clauses):
            if not sentences:
                results.append([])
                continue
            results.append(self._tags(raw[span], next(story_probs), sentence_probs[span],
                                      sentences, sentiments[span], story_clauses))
        return results

    def _story_clauses(self, clauses: list[tuple[Clause, ...]] | None,
                       embeddings: np.ndarray | None, scores: np.ndarray | None,
                       stories: int) -> list[StoryClauses | None]:
        """Each story's clauses with their scores (None for a story without clauses)."""
        if not clauses or embeddings is None or not len(embeddings):
            return [None] * stories
        raw = self.sentence_scores(embeddings)
        probs = self._head_matrix(embeddings, raw)
        out: list[StoryClauses | None] = []
        start = 0
        for own in clauses:
            end = start + len(own)
            out.append(StoryClauses(tuple(own), raw[start:end], probs[start:end],
                                    np.asarray(scores[start:end])) if own else None)
            start = end
        return out

    def _tags(self, raw: np.ndarray, story_probs: np.ndarray, sentence_probs: np.ndarray,
              sentences: list[str], sentiments: list[str],
              clauses: StoryClauses | None = None) -> list[CauseTag]:
        runner_up = raw.max(axis=1, keepdims=True) - SENTENCE_MARGIN
        scores = np.where(raw >= runner_up, raw, -1.0)
        tags = []
        for i, cause in enumerate(self.causes):
            j = self._head_index[i]
            if j is None and not self.zero_shot:
                continue
            if j is None:
                best, score = int(scores[:, i].argmax()), float(scores[:, i].max())
                threshold = float(self.thresholds[i])
            else:
                score, threshold = float(story_probs[i]), float(self.heads.thresholds[j])
                best = int(sentence_probs[:, i].argmax())
                # "Great staff, terrible return policy.": the story vector leans to the
                # complaint, so the praised cause is found in its own clause.
                found = clauses.linking(sentences, i) if clauses and CLAUSE_LINKS else None
                if found is not None and score < threshold <= found[0]:
                    score, best = found
            if score < threshold:
                continue
            evidence, polarity = sentences[best], sentiments[best]
            clause = clauses.evidence(sentences, best, i, j is not None) if clauses else None
            if clause is not None:
                evidence = clause[0]
                polarity = clause[1] or polarity
            tags.append(CauseTag(cause=cause.id, owner=cause.owner, score=round(score, 4),
                                 evidence=evidence, evidence_sentiment=polarity))
        return sorted(tags, key=lambda tag: -tag.score)
