"""The tagger on stories a user would recognise: sentiment, causes with evidence, model version."""
from __future__ import annotations

import subprocess
import sys

import pytest

from storywatch.nlp import StoryTags

POSITIVE = "Absolutely love this store. The staff were lovely and my new kettle works perfectly."
NEGATIVE = "Worst shopping experience ever. The blender broke after two days and I am furious."
NEUTRAL = "Does the medium size come in blue? I am asking for my sister."
REFUND_NO_RECEIPT = (
    "I bought a stand mixer in July and it was still in the box. I lost the paper receipt when we "
    "moved. The manager said that without the receipt they could not refund me, not even store "
    "credit, even though the purchase was on my card."
)
MIXED = (
    "I have shopped here for ten years and I love the friendly team and the great prices. "
    "The delivery of my sofa was three weeks late and nobody called me. "
    "Still my favourite furniture shop, the sofa is gorgeous and I would buy here again."
)
NO_POLICY = "Love my new lamp, looks great"


@pytest.fixture(scope="module")
def tagged(tagger) -> dict[str, StoryTags]:
    texts = {"pos": POSITIVE, "neg": NEGATIVE, "neu": NEUTRAL, "refund": REFUND_NO_RECEIPT,
             "mixed": MIXED, "lamp": NO_POLICY, "empty": ""}
    return dict(zip(texts, tagger.tag(list(texts.values()))))


def test_clear_sentiments(tagged) -> None:
    assert tagged["pos"].sentiment == "positive" and tagged["pos"].sentiment_score > 0.3
    assert tagged["neg"].sentiment == "negative" and tagged["neg"].sentiment_score < -0.3
    assert tagged["neu"].sentiment == "neutral" and abs(tagged["neu"].sentiment_score) < 0.3
    assert tagged["neu"].causes == [] or all(c.score < 0.6 for c in tagged["neu"].causes)


def test_mixed_story_keeps_its_negative_sentence(tagged) -> None:
    story = tagged["mixed"]
    delays = {c.cause: c for c in story.causes}["delays"]
    assert "three weeks late" in delays.evidence and delays.evidence_sentiment == "negative"
    assert delays.owner == "Operations"


def test_mixed_story_is_positive_with_its_praise_positive(tagged) -> None:
    story = tagged["mixed"]
    assert story.sentiment == "positive"
    assert [s.sentiment for s in story.sentences] == ["positive", "negative", "positive"]


def test_refund_without_receipt_links_to_refunds_or_receipts(tagged) -> None:
    story = tagged["refund"]
    assert story.sentiment == "negative"
    causes = {c.cause: c for c in story.causes}
    assert {"refunds", "receipts"} & set(causes)
    best = story.causes[0]
    assert best.cause in {"refunds", "receipts", "returns", "policy_rigidity"}
    assert "receipt" in best.evidence or "refund" in best.evidence
    assert best.evidence in [s.text for s in story.sentences]
    assert best.evidence_sentiment == "negative"
    assert all(0 < c.score <= 1 for c in story.causes)
    assert [c.score for c in story.causes] == sorted((c.score for c in story.causes), reverse=True)


def test_story_without_policy_content_has_no_cause(tagged) -> None:
    assert tagged["lamp"].sentiment == "positive"
    assert tagged["lamp"].causes == []


def test_empty_text_is_neutral_without_causes(tagged, tagger) -> None:
    empty = tagged["empty"]
    assert (empty.sentiment, empty.sentiment_score, empty.sentences, empty.causes) == (
        "neutral", 0.0, [], [])
    assert [t.sentiment for t in tagger.tag(["", "   \n"])] == ["neutral", "neutral"]
    assert tagger.tag([]) == []


def test_order_is_preserved_whatever_the_lengths(tagger) -> None:
    texts = [NEGATIVE, NO_POLICY, MIXED * 3, "", POSITIVE, REFUND_NO_RECEIPT]
    one_by_one = [tagger.tag([t])[0] for t in texts]
    batched = tagger.tag(texts)
    assert [t.sentiment for t in batched] == [t.sentiment for t in one_by_one]
    assert [t.sentiment_score for t in batched] == pytest.approx(
        [t.sentiment_score for t in one_by_one], abs=1e-3)
    assert [s.text for s in batched[2].sentences][:3] == [s.text for s in one_by_one[2].sentences][:3]


def test_to_dict_is_json_ready(tagged) -> None:
    record = tagged["refund"].to_dict()
    assert set(record) == {"sentiment", "sentiment_score", "language", "sentences", "causes"}
    assert set(record["causes"][0]) == {"cause", "owner", "score", "evidence", "evidence_sentiment"}
    assert set(record["sentences"][0]) == {"index", "text", "sentiment", "sentiment_score"}
    assert record["language"] == "en"


def test_model_version_is_short_stable_and_follows_the_taxonomy(tagger, tmp_path) -> None:
    from storywatch.nlp.tagger import Tagger
    from storywatch.nlp.taxonomy import load_taxonomy

    assert tagger.model_version == tagger.model_version
    assert tagger.model_version.startswith("minilm") and len(tagger.model_version) < 40
    edited = tmp_path / "taxonomy.yaml"
    edited.write_text("threshold: 0.3\ncauses:\n  refunds:\n    owner: Operations\n    label: Refunds\n"
                      "    description: Money back after a return.\n"
                      "    examples: [I want my money back, no refund yet]\n", encoding="utf-8")
    other = Tagger(tagger.encoder, tagger.head, load_taxonomy(edited))
    assert other.model_version != tagger.model_version
    assert [c.cause for c in other.tag([REFUND_NO_RECEIPT])[0].causes] == ["refunds"]


def test_importing_nlp_does_not_import_torch() -> None:
    code = "import sys, nlp; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
