"""The tagger: story texts in, sentiment and causes out (the nlp API other parts call).

`load_tagger()` loads the MiniLM backbone, the sentiment head and the taxonomy once, and embeds the
taxonomy's cause phrases. `Tagger.tag()` splits every story of a chunk into sentences and encodes all
of them in one pass (length-sorted batches under torch inference mode); the same embeddings feed the
sentiment head and the cause linker, then each story's results are put back in input order.
`model_version` names the backbone, head and taxonomy, so changing any of them re-tags.

Example:
    >>> tagger = load_tagger()
    >>> [t.sentiment for t in tagger.tag(["Love it!", "Still no refund after a month."])]
    ['positive', 'negative']
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from nlp.cause_heads import CauseHeads, story_vector
from nlp.causes import CauseLinker, CauseTag
from nlp.model import BACKBONE_NAME, load_backbone
from nlp.replies import ReplyClassifier, ReplyTag
from nlp.sentences import clean_text, detect_language, split_sentences
from nlp.sentiment import SentimentHead
from nlp.taxonomy import Taxonomy, load_taxonomy

STORIES_PER_CHUNK = 128


@dataclass(frozen=True)
class SentenceTag:
    index: int
    text: str
    sentiment: str
    sentiment_score: float


@dataclass(frozen=True)
class StoryTags:
    sentiment: str
    sentiment_score: float
    language: str | None
    sentences: list[SentenceTag] = field(default_factory=list)
    causes: list[CauseTag] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready), sentences and causes as lists of dicts."""
        return asdict(self)


class Tagger:
    """Tags story texts with sentiment (story and sentence) and linked causes."""

    def __init__(self, backbone: Any, head: SentimentHead, taxonomy: Taxonomy,
                 cause_heads: CauseHeads | None = None) -> None:
        self.backbone = backbone
        self.head = head
        self.taxonomy = taxonomy
        self.cause_heads = cause_heads if cause_heads is not None else CauseHeads.load()
        dimension = getattr(backbone, "get_embedding_dimension", None)
        self._dimension = int(dimension() if dimension else
                              backbone.get_sentence_embedding_dimension())
        self._replies: ReplyClassifier | None = None
        self.linker = CauseLinker(taxonomy, lambda texts: self._encode(texts, batch_size=64),
                                  self.cause_heads)

    @property
    def model_version(self) -> str:
        """Short id of backbone + heads + taxonomy, e.g. 'minilm-l6-v2.h1a2b3c4d.t0112a457'.

        The 'h' part hashes the sentiment head and the cause heads together.
        """
        import hashlib

        backbone = BACKBONE_NAME.lower().removeprefix("all-")
        causes = self.cause_heads.fingerprint if self.cause_heads else "zero-shot"
        heads = hashlib.sha256(f"{self.head.fingerprint}.{causes}".encode()).hexdigest()[:8]
        return f"{backbone}.h{heads}.t{self.taxonomy.fingerprint}"

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        import torch

        if not texts:
            return np.zeros((0, self._dimension), np.float32)
        with torch.inference_mode():
            # encode() sorts by length internally and restores the input order.
            return self.backbone.encode(texts, batch_size=batch_size, show_progress_bar=False,
                                        normalize_embeddings=True, convert_to_numpy=True)

    def tag(self, texts: list[str], progress: bool = False, batch_size: int = 64) -> list[StoryTags]:
        """Tag stories; results are in the order of `texts`. Empty text is neutral, no causes.

        Args:
            texts: story texts (title and body joined, if you have both).
            progress: show a tqdm bar counting stories (with stories/s).
            batch_size: sentences per forward pass.
        """
        if isinstance(texts, str):
            texts = [texts]
        results: list[StoryTags] = []
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), unit="story", desc="tagging")
        for start in range(0, len(texts), STORIES_PER_CHUNK):
            chunk = texts[start:start + STORIES_PER_CHUNK]
            results.extend(self._tag_chunk(chunk, batch_size))
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()
        return results

    def classify_replies(self, texts: list[str]) -> list[ReplyTag]:
        """Company replies: helpful, apologetic or policy_citing (see nlp.replies)."""
        if self._replies is None:
            self._replies = ReplyClassifier(lambda t: self._encode(t, batch_size=64))
        return self._replies.classify([clean_text(t or "") for t in texts])

    def _tag_chunk(self, texts: list[str], batch_size: int) -> list[StoryTags]:
        texts = [clean_text(text or "") for text in texts]
        languages = [detect_language(text) for text in texts]
        # Not English: tagged with its language, left neutral without causes (MiniLM is English).
        per_story = [split_sentences(text) if lang in (None, "en") else []
                     for text, lang in zip(texts, languages)]
        flat = [sentence for sentences in per_story for sentence in sentences]
        embeddings = self._encode(flat, batch_size)
        scores, labels = self.head.scores_and_labels(embeddings)
        causes = self.linker.link_chunk(embeddings, per_story, labels)
        bounds = np.cumsum([0] + [len(s) for s in per_story])
        vectors = np.array([story_vector(embeddings[a:b]) for a, b in pairwise(bounds)])
        story_scores, story_labels = self.head.scores_and_labels(vectors)
        results = []
        for k, (language, sentences) in enumerate(zip(languages, per_story)):
            span = range(bounds[k], bounds[k + 1])
            sentiment, score = (story_labels[k], float(story_scores[k])) if sentences else (
                "neutral", 0.0)
            results.append(StoryTags(
                sentiment=sentiment,
                sentiment_score=round(score, 4),
                language=language,
                sentences=[SentenceTag(i, text, labels[j], round(float(scores[j]), 4))
                           for i, (j, text) in enumerate(zip(span, sentences))],
                causes=causes[k],
            ))
        return results


def load_tagger(taxonomy_path: Path | None = None) -> Tagger:
    """Load the backbone, the sentiment head and the taxonomy (default: nlp/taxonomy.yaml).

    Raises:
        ModelMissing: the model package is not installed (the message names the pip package).
        HeadMissing: the sentiment head file is absent (the message names the training command).
        TaxonomyError: the taxonomy file is unreadable or malformed (the message names the key/line).
    """
    taxonomy = load_taxonomy(taxonomy_path)
    head = SentimentHead.load()
    return Tagger(load_backbone(), head, taxonomy)
