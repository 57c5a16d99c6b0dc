"""Company reply classes: `storywatch tag` classifies new and changed replies with the real model,
stores them per reply classifier version, and analysts and the dashboard read them through the
`story_replies` view and the reply named queries."""
from __future__ import annotations

import pytest

from storywatch import pipeline
from storywatch.config import load_settings
from storywatch.warehouse import connect, connect_read_only
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.reply_queries import (
    policy_replies_by_cause,
    reply_class,
    reply_classes_by_brand,
)
from storywatch.warehouse.reply_tags import pending_replies, save_reply_tags
from storywatch.warehouse.sql import run_query

POLICY = ("As per our policy, all returns require the original receipt. This policy is clearly "
          "displayed at every till.")
HELPFUL = "We have issued a full refund to your card today and credited your account."
HOSTILE = "<img src=x onerror=alert(1)> As per our policy we cannot make exceptions."


def story(key: str, brand: str, body: str, reply: str | None) -> dict:
    return {"story_key": key, "source": "t", "brand": brand, "is_competitor": brand != "Northwind",
            "body": body, "company_reply": reply, "published_at": "2025-01-06T09:00:00Z"}


STORIES = [
    story("t:1", "Northwind", "No receipt, so no refund. Never again.", POLICY),
    story("t:2", "Northwind", "Still no refund after five weeks.", HELPFUL),
    story("t:3", "Brightmart", "They would not take it back without the receipt.", HOSTILE),
    story("t:4", "Brightmart", "Lovely sofa, delivered early.", None),
    story("t:5", "Brightmart", "Staff were kind.", "   "),
]


@pytest.fixture()
def tagged(workdir, tagger):
    con = connect(workdir)
    upsert_stories(con, STORIES)
    con.close()
    settings = load_settings(workdir)
    return settings, pipeline.tag(settings, tagger=tagger)


def replies(workdir):
    return run_query(workdir, "SELECT * FROM story_replies ORDER BY story_key").set_index(
        "story_key")


def test_replies_are_classified_and_shown_in_the_view(tagged):
    settings, report = tagged
    assert report.replies == 3  # t:4 has no reply, t:5 only blanks
    view = replies(settings.workdir)
    assert list(view.index) == ["t:1", "t:2", "t:3"]
    assert view.loc["t:1", "reply_class"] == "policy_citing" and view.loc["t:1", "policy_citing"]
    assert view.loc["t:2", "reply_class"] == "helpful" and not view.loc["t:2", "policy_citing"]
    assert view.loc["t:3", "reply_class"] == "policy_citing"
    assert "<img" not in view.loc["t:3", "reply_evidence"]
    assert view.loc["t:1", "reply_evidence"] in POLICY
    assert view["reply_version"].notna().all() and view["sentiment"].notna().all()


def test_a_changed_reply_is_classified_again_without_retagging_the_story(tagged, tagger):
    settings, _ = tagged
    con = connect(settings.workdir)
    upsert_stories(con, [{**STORIES[0], "company_reply": HELPFUL}])
    con.close()
    report = pipeline.tag(settings, tagger=tagger)
    assert (report.stories, report.replies) == (0, 1)
    view = replies(settings.workdir)
    assert view.loc["t:1", "reply_class"] == "helpful" and view.loc["t:1", "company_reply"] == HELPFUL
    assert pipeline.tag(settings, tagger=tagger).replies == 0
    con = connect_read_only(settings.workdir)
    assert con.execute("SELECT count(*) FROM reply_tags").fetchone()[0] == 3
    con.close()


def test_a_reply_classified_under_another_version_is_not_shown(tagged, tagger):
    settings, _ = tagged
    con = connect(settings.workdir)
    pending = pending_replies(con, "other-replies")
    assert len(pending) == 3
    save_reply_tags(con, "other-replies", [
        (p.story_key, p.reply_hash, {"label": "apologetic", "score": 0.5, "policy_citing": False,
                                     "evidence": "Sorry."}) for p in pending])
    con.close()
    assert set(replies(settings.workdir)["reply_class"]) == {"apologetic"}
    pipeline.tag(settings, tagger=tagger)  # the current classifier becomes current again
    assert replies(settings.workdir).loc["t:1", "reply_class"] == "policy_citing"


def test_named_queries_count_policy_citing_replies_by_brand_and_cause(tagged):
    settings, _ = tagged
    con = connect_read_only(settings.workdir)
    try:
        brands = reply_classes_by_brand(con).set_index("brand")
        ours = reply_classes_by_brand(con, brands=["Northwind"])
        causes = policy_replies_by_cause(con)
        one = reply_class(con, "t:2")
        none = reply_class(con, "t:4")
    finally:
        con.close()
    assert list(brands.index) == ["Northwind", "Brightmart"]
    assert brands.loc["Northwind", ["side", "replies", "classified", "helpful", "policy_citing",
                                    "policy_share"]].tolist() == ["ours", 2, 2, 1, 1, 50.0]
    assert brands.loc["Brightmart", ["side", "replies", "policy_share"]].tolist() == [
        "competitor", 1, 100.0]
    assert list(ours["brand"]) == ["Northwind"]
    assert set(causes["brand"]) <= {"Northwind", "Brightmart"} and len(causes) > 0
    assert (causes["policy_citing"] <= causes["classified"]).all()
    assert one["reply_class"].tolist() == ["helpful"] and none.empty
