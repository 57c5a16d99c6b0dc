"""Company replies: helpful, apologetic or policy-citing, on replies written for storywatch."""
from __future__ import annotations

import json
from pathlib import Path

REPLIES = Path(__file__).resolve().parent / "data" / "nlp" / "replies.jsonl"


def test_replies_are_classified_and_policy_citing_is_found(tagger) -> None:
    records = [json.loads(line) for line in REPLIES.read_text(encoding="utf-8").splitlines()]
    tags = tagger.classify_replies([r["text"] for r in records])
    assert len(tags) == len(records)
    right = sum(t.label == r["label"] for t, r in zip(tags, records))
    assert right >= 8, [(t.label, r["label"]) for t, r in zip(tags, records)]
    for tag, record in zip(tags, records):
        assert tag.policy_citing == (tag.label == "policy_citing")
        assert tag.evidence and tag.evidence in record["text"]
        assert 0 <= tag.score <= 1
    assert all(t.policy_citing for t, r in zip(tags, records) if r["label"] == "policy_citing")


def test_empty_and_html_replies(tagger) -> None:
    empty, html = tagger.classify_replies(
        ["", "<p>As per our policy, <b>no refunds</b> on sale items.</p>"])
    assert (empty.label, empty.policy_citing, empty.evidence) == (None, False, None)
    assert html.label == "policy_citing" and "<" not in html.evidence
    assert set(html.to_dict()) == {"label", "score", "policy_citing", "evidence"}
