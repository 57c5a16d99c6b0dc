"""One forward pass per story: token states pooled into sentence vectors and a story vector.

A story's sentences are tokenised once and packed, in order, into segments of at most
SEGMENT_TOKENS word pieces (a review is one segment; a long complaint a few). Each segment goes
through the backbone once, on its own (see BATCH_SEGMENTS). A sentence's vector is the mean of
its own token states (read in the context of its neighbours), a segment's vector is the mean of
all its tokens (exactly what SentenceTransformer.encode returns for that text), and the story
vector is the token-weighted mean of its segments. So sentiment, causes and evidence all come from one pass, and
a story costs what a plain encode of it costs.

The backbone carries the project's low-rank adapter (nlp.adapter), merged into its weights, and
runs in ONNX Runtime (nlp.onnx_backbone; int8 by default, fp32 or torch on request
with STORYWATCH_BACKEND), all vectors L2-normalised.

Example:
    >>> encoder = Encoder.load()
    >>> [v.shape for v in encoder.embed_stories([["Still no refund.", "Six weeks now."]])]
    [(3, 384)]
"""
from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SEGMENT_TOKENS = 254  # plus [CLS] and [SEP]: the backbone's 256-token limit
BATCH_SEGMENTS = 1  # one segment per run: int8 activations are quantised per run, so batching
# would make a story's vectors depend on its neighbours (cosine down to 0.978); 1 is ~15% slower
BACKENDS = ("onnx-int8", "onnx", "torch")
# Part of the encoder version (with the splitter's): bump it when reading
# (nlp.sentences.read_story), packing or pooling changes, so vectors cached in the warehouse and
# for training are redone.
FORMAT = "e2"
DEFAULT_BACKEND = "onnx-int8"


@dataclass
class _Segment:
    story: int
    ids: list[int]
    spans: list[tuple[int, int, int]]  # (sentence row over all stories, start, end) inside ids


class Encoder:
    """Sentence and story vectors from one pass of the backbone over packed segments."""

    def __init__(self, tokenizer, run: Callable[[np.ndarray, np.ndarray], np.ndarray],
                 dimension: int, backend: str, adapter: str = "none") -> None:
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

    @classmethod
    def load(cls, backend: str | None = None, threads: int | None = None) -> Encoder:
        """The packaged MiniLM behind the chosen backend (default from STORYWATCH_BACKEND).

        Raises:
            ModelMissing: the model package is missing, the backend is unknown, or the ONNX
                cache cannot be written (each message says what to do).
        """
        from nlp.adapter import fingerprint, merge_adapter
        from nlp.model import ModelMissing, load_backbone, packaged_config, packaged_tokenizer
        from nlp.onnx_backbone import cached_runner, make_runner

        backend = backend or os.environ.get("STORYWATCH_BACKEND", DEFAULT_BACKEND)
        if backend not in BACKENDS:
            raise ModelMissing(f"Unknown backend '{backend}' (STORYWATCH_BACKEND): use one of "
                               f"{', '.join(BACKENDS)}")
        adapter = fingerprint()  # 'none' without an adapter file
        dimension = int(packaged_config()["hidden_size"])
        # A build already cached needs no torch: only the tokenizer file and the ONNX session.
        run = cached_runner(backend, adapter, threads)
        if run is not None:
            return cls(packaged_tokenizer(), run, dimension, backend, adapter)
        model = load_backbone()
        merge_adapter(model[0].auto_model)
        run = make_runner(model, backend, adapter, threads)
        return cls(model.tokenizer.backend_tokenizer, run, dimension, backend, adapter)

    @property
    def short_name(self) -> str:
        """Backbone and numeric format, e.g. 'minilm-l6-v2-int8' (a model version starts so)."""
        kind = {"onnx-int8": "int8", "onnx": "fp32"}.get(self.backend, self.backend)
        return f"{_backbone_label()}-{kind}"

    @property
    def version(self) -> str:
        """Backbone, adapter, backend, splitter and format: 'minilm-l6-v2.a1b2c3d4-onnx-int8.s1e2'.

        Cached vectors (training and warehouse) are valid while it is unchanged.
        """
        from nlp.sentences import SPLITTER_VERSION

        adapter = "" if self.adapter == "none" else f".{self.adapter}"
        return f"{_backbone_label()}{adapter}-{self.backend}.{SPLITTER_VERSION}{FORMAT}"

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
        states: list[np.ndarray | None] = [None] * len(segments)
        for start in range(0, len(order), BATCH_SEGMENTS):
            batch = order[start:start + BATCH_SEGMENTS]
            width = max(len(segments[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), np.int64)
            mask = np.zeros((len(batch), width), np.int64)
            for row, i in enumerate(batch):
                n = len(segments[i].ids)
                ids[row, :n] = segments[i].ids
                mask[row, :n] = 1
            hidden = self._run(ids, mask)
            for row, i in enumerate(batch):
                states[i] = hidden[row, :len(segments[i].ids)]
        return states


def _backbone_label() -> str:
    """'minilm-l6-v2': the backbone's name as versions spell it."""
    from nlp.model import BACKBONE_NAME

    return BACKBONE_NAME.lower().removeprefix("all-")


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)
