"""Two plain baselines the tagger is measured against, on the same rows in the same run.

`KeywordBaseline` learns nothing: a cause fires when all the content words (stop words dropped,
crude suffix stemming) of one of its phrases occur in one sentence; its phrases are the cause's
example phrases, its label, and each word of its id ("lost_damaged": "lost", "damaged"). The
story's sentiment is the sign of a count over a small fixed word list, summed over its sentences
(a negator among the three words before flips a word, within its sentence); a cause's evidence is
the first sentence that matched, with that sentence's count. `ZeroShotBaseline` is plain
all-MiniLM-L6-v2 (the SentenceTransformer of the model package: no adapter, no heads): a cause
fires when a sentence's cosine similarity to the cause's description reaches ZERO_SHOT_THRESHOLD,
and sentiment compares the similarity of the story (the mean of its sentence vectors) to two
fixed descriptions, neutral within ZERO_SHOT_MARGIN. Both constants were picked once on the
project's own train split (docs/nlp.md), never on real data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from storywatch.nlp.sentences import clean_text, split_sentences
from storywatch.nlp.taxonomy import Taxonomy

ZERO_SHOT_THRESHOLD = 0.35
ZERO_SHOT_MARGIN = 0.01
POSITIVE_DESCRIPTION = "A positive review: the customer is happy with the product or service."
NEGATIVE_DESCRIPTION = ("A negative complaint: the customer is unhappy with the product or "
                        "service.")


def _listed(text: str) -> list[str]:
    return text.split()


_STOPWORDS = frozenset(_listed("""
a an the and or but if of to in on at for from by with about as into than then so too very
i me my we our you your he she it its they them their this that these those there here
is am are was were be been being have has had do does did will would could should can may
might must shall just also only even still again ever all any some each every more most
one two three four five six seven eight nine ten first what which who whom when where why how
up out off over under after before while because until get got
"""))
_NEGATORS = frozenset({"not", "no", "never", "nothing", "nobody", "none", "cannot", "cant",
                       "dont", "didnt", "doesnt", "isnt", "wasnt", "wont", "wouldnt", "without"})
_POSITIVE_WORDS = _listed("""good great excellent amazing awesome fantastic wonderful perfect
brilliant superb love loved nice best happy glad pleased satisfied recommend thank thanks helpful
friendly polite kind quick fast easy smooth comfortable clean impressed enjoy fine reliable""")
_NEGATIVE_WORDS = _listed("""bad terrible awful horrible worst poor useless rude slow hate hated
disappointed disappointing angry frustrated annoying unacceptable ridiculous disgusting dirty
broken wrong fail failed problem issue waste scam late delayed cancelled refused lost damaged
crash unhelpful expensive overpriced complaint""")


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[:-len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-case word stems of a text; apostrophes dropped ("didn't" -> "didnt")."""
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower().replace("'", "")
                                         .replace("\u2019", ""))]


POSITIVE = frozenset(_stem(w) for w in _POSITIVE_WORDS)
NEGATIVE = frozenset(_stem(w) for w in _NEGATIVE_WORDS)
NEGATORS = frozenset(_stem(w) for w in _NEGATORS)
STOPWORDS = frozenset(_stem(w) for w in _STOPWORDS) | NEGATORS


@dataclass(frozen=True)
class Prediction:
    """What one system says about one text: sentiment and linked causes, strongest first."""
    sentiment: str
    causes: tuple[tuple[str, str], ...] = ()  # (cause id, sentiment of its evidence sentence)


def lexicon_score(stems: list[str]) -> int:
    """Positive minus negative words of one sentence (a negator among the 3 before flips one)."""
    score = 0
    for i, word in enumerate(stems):
        sign = 1 if word in POSITIVE else -1 if word in NEGATIVE else 0
        if sign and any(w in NEGATORS for w in stems[max(0, i - 3):i]):
            sign = -sign
        score += sign
    return score


def _label(score: int) -> str:
    return "positive" if score > 0 else "negative" if score < 0 else "neutral"


class KeywordBaseline:
    """Causes from the taxonomy's own phrases, sentiment from a fixed word list; no learning."""

    name = "keyword"

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.phrases: list[tuple[str, frozenset[str]]] = []
        for cause in taxonomy.causes:
            for phrase in (cause.label, *cause.examples, *cause.id.split("_")):
                content = frozenset(words(phrase)) - STOPWORDS
                if content:
                    self.phrases.append((cause.id, content))

    def predict(self, texts: list[str]) -> list[Prediction]:
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> Prediction:
        sentences = [words(s) for s in split_sentences(clean_text(text or ""))]
        hits: dict[str, int] = {}
        evidence: dict[str, str] = {}
        for stems in sentences:
            present = set(stems)
            for cause, content in self.phrases:
                if content <= present:
                    hits[cause] = hits.get(cause, 0) + 1
                    evidence.setdefault(cause, _label(lexicon_score(stems)))
        ranked = sorted(hits, key=lambda c: -hits[c])  # stable: taxonomy order breaks ties
        return Prediction(_label(sum(lexicon_score(stems) for stems in sentences)),
                          tuple((c, evidence[c]) for c in ranked))


class ZeroShotBaseline:
    """Plain MiniLM: cosine similarity to cause descriptions and to two sentiment descriptions."""

    name = "zero-shot"

    def __init__(self, taxonomy: Taxonomy, model=None) -> None:
        from storywatch.nlp.model import load_backbone

        self.model = model if model is not None else load_backbone()
        self.cause_ids = [c.id for c in taxonomy.causes]
        self.causes = self._encode([c.description for c in taxonomy.causes])
        self.poles = self._encode([POSITIVE_DESCRIPTION, NEGATIVE_DESCRIPTION])

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.asarray(self.model.encode(texts, batch_size=64, normalize_embeddings=True,
                                            show_progress_bar=False), dtype=np.float32)

    def _sentiment(self, vectors: np.ndarray) -> list[str]:
        diff = vectors @ self.poles[0] - vectors @ self.poles[1]
        return ["neutral" if abs(d) < ZERO_SHOT_MARGIN else "positive" if d > 0 else "negative"
                for d in diff]

    def predict(self, texts: list[str]) -> list[Prediction]:
        per_text = [split_sentences(clean_text(text or "")) for text in texts]
        vectors = self._encode([s for sentences in per_text for s in sentences])
        out, start = [], 0
        for sentences in per_text:
            rows = vectors[start:start + len(sentences)]
            start += len(sentences)
            out.append(self._one(rows) if len(rows) else Prediction("neutral"))
        return out

    def _one(self, rows: np.ndarray) -> Prediction:
        story = rows.mean(axis=0)
        story = story / (np.linalg.norm(story) or 1.0)
        sims = rows @ self.causes.T  # sentences x causes
        best = sims.max(axis=0)
        fired = [i for i in np.argsort(-best) if best[i] >= ZERO_SHOT_THRESHOLD]
        evidence = self._sentiment(rows[[int(sims[:, i].argmax()) for i in fired]]) if fired else []
        return Prediction(self._sentiment(story[None, :])[0],
                          tuple((self.cause_ids[i], e) for i, e in zip(fired, evidence)))
