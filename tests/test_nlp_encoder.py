"""Packing and pooling of nlp.encoder, checked against a fake backbone (no model needed).

The fake backbone gives every token id a fixed random vector, so the expected sentence and story
vectors can be computed by hand from the token ids.
"""
from __future__ import annotations

import numpy as np
import pytest

from storywatch.nlp.encoder import SEGMENT_TOKENS, Encoder
from storywatch.nlp.model import packaged_tokenizer

DIM = 8


@pytest.fixture(scope="module")
def tokenizer():
    tokenizer = packaged_tokenizer()
    tokenizer.no_padding()  # the shipped file pads and truncates to 128; the encoder packs itself
    tokenizer.no_truncation()
    return tokenizer


@pytest.fixture()
def fake(tokenizer):
    table = np.random.default_rng(7).normal(size=(tokenizer.get_vocab_size(), DIM))
    calls: list[np.ndarray] = []

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        assert ids.shape[1] <= SEGMENT_TOKENS + 2  # the backbone's 256-token limit
        calls.append(ids)
        return table[ids].astype(np.float32)

    encoder = Encoder(tokenizer, run, DIM, "fake")
    return encoder, table, calls


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _ids(tokenizer, text: str) -> list[int]:
    return tokenizer.encode(text, add_special_tokens=False).ids


def test_sentences_pool_their_own_tokens_and_the_story_all_of_them(fake, tokenizer) -> None:
    encoder, table, calls = fake
    sentences = ["Still no refund.", "Six weeks now!"]
    (matrix,) = encoder.embed_stories([sentences])
    assert matrix.shape == (3, DIM) and len(calls) == 1  # one segment, one run
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    first, second = _ids(tokenizer, sentences[0]), _ids(tokenizer, sentences[1])
    assert list(calls[0][0]) == [cls, *first, *second, sep]
    assert np.allclose(matrix[1], _unit(table[first].mean(axis=0)), atol=1e-5)
    assert np.allclose(matrix[2], _unit(table[second].mean(axis=0)), atol=1e-5)
    whole = table[[cls, *first, *second, sep]].mean(axis=0)
    assert np.allclose(matrix[0], _unit(whole), atol=1e-5)


def test_a_long_story_spans_segments_and_keeps_every_sentence(fake) -> None:
    encoder, _, calls = fake
    sentences = [f"Sentence number {i} says the parcel was late again." for i in range(80)]
    (matrix,) = encoder.embed_stories([sentences])
    assert matrix.shape == (81, DIM)
    assert len(calls) > 1
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)


def test_a_sentence_longer_than_a_segment_is_pooled_over_all_its_parts(fake, tokenizer) -> None:
    encoder, table, calls = fake
    huge = " ".join(f"ORD-{n:06d}" for n in range(200)) + " and still no refund"
    ids = _ids(tokenizer, huge)
    assert len(ids) > 2 * SEGMENT_TOKENS
    (matrix,) = encoder.embed_stories([[huge, "Please help."]])
    assert matrix.shape == (3, DIM)
    assert len(calls) >= 3
    # Nothing is cut off: the refund words at the end count in the sentence's vector.
    assert np.allclose(matrix[1], _unit(table[ids].mean(axis=0)), atol=1e-4)


def test_empty_and_mixed_stories_keep_their_order(fake) -> None:
    encoder, _, _ = fake
    out = encoder.embed_stories([[], ["One."], [], ["Two.", "Three."]])
    assert [m.shape[0] for m in out] == [1, 2, 1, 3]
    assert not out[0].any() and not out[2].any()  # a story without sentences: a zero vector


def test_segments_run_in_parallel_give_the_vectors_of_one_at_a_time(tokenizer) -> None:
    table = np.random.default_rng(11).normal(size=(tokenizer.get_vocab_size(), DIM))
    threads: set[str] = set()

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import threading
        import time

        threads.add(threading.current_thread().name)
        time.sleep(0.002)  # long enough that every worker gets a segment
        return table[ids].astype(np.float32)

    stories = [[f"Story {k} sentence {j}, waited {k * j} days for the refund." for j in range(k % 5)]
               for k in range(40)]
    stories[3] = ["word " * 400]  # one story over several segments
    serial = Encoder(tokenizer, run, DIM, "fake").embed_stories(stories)
    assert threads == {"MainThread"}
    threads.clear()
    parallel = Encoder(tokenizer, run, DIM, "fake", workers=3).embed_stories(stories)
    assert len(threads) > 1 and "MainThread" not in threads
    assert [m.shape for m in parallel] == [m.shape for m in serial]
    for a, b in zip(parallel, serial):
        np.testing.assert_array_equal(a, b)
