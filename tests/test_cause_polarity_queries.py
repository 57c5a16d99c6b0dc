"""Every cause- and owner-level named query counts the cause's own polarity (cause_sentiment,
migration 010), over the views and over the rollups alike: "Great staff, terrible return policy."
is a negative story, yet it praises the staff. Brand-level figures keep the story's sentiment.
Real DuckDB file, stories through the real loader and tags through the real tag storage."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from storywatch.warehouse import report_queries
from storywatch.warehouse.db import connect, connect_read_only
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.report_rollups import refresh_rollups, relations, rollups_current
from storywatch.warehouse.tags import pending_stories, save_tags, set_current_model, text_hash

MODEL = "polarity-model"
WEEK = report_queries.period_ending("week", date(2025, 3, 12))  # Monday 2025-03-10
# (key, brand, story sentiment, text, [(cause, owner, evidence, evidence polarity)])
STORIES = [
    ("mixed:ours", "Northwind", "negative", "Great staff, terrible return policy.",
     [("staff attitude", "Service", "Great staff", "positive"),
      ("returns", "Operations", "terrible return policy", "negative")]),
    # Two causes of one owner with opposite polarity: the owner counts it as a complaint.
    ("mixed:theirs", "Brightmart", "positive", "Friendly staff, but nobody answers the phone.",
     [("staff attitude", "Service", "Friendly staff", "positive"),
      ("phone support", "Service", "nobody answers the phone", "negative")]),
    # Neutral evidence: the cause takes the story's sentiment.
    ("plain:ours", "Northwind", "positive", "Delivery on Tuesday. Lovely sofa.",
     [("delivery and delays", "Operations", "Delivery on Tuesday.", "neutral")]),
]


def _record(key: str, brand: str, text: str, day: int) -> dict:
    return {
        "story_key": key, "source": "schema_org", "source_url": "https://reviews.example/",
        "story_url": f"https://reviews.example/{key}", "external_id": key, "brand": brand,
        "is_competitor": brand != "Northwind", "author": "A customer", "title": text,
        "body": text, "rating": 0.5, "rating_raw": "3/5",
        "published_at": f"2025-03-{10 + day:02d}T09:00:00Z", "fetched_at": "2025-04-01T00:00:00Z",
        "language": "en", "labels": [], "raw": {}, "helpful_votes": None, "company_reply": None,
    }


def _tags(sentiment: str, text: str, causes: list) -> dict:
    score = {"positive": 0.8, "negative": -0.8, "neutral": 0.0}[sentiment]
    return {"sentiment": sentiment, "sentiment_score": score, "language": "en",
            "sentences": [{"index": 0, "text": text, "sentiment": sentiment,
                           "sentiment_score": score}],
            "causes": [{"cause": cause, "owner": owner, "score": 0.9, "evidence": evidence,
                        "evidence_sentiment": polarity}
                       for cause, owner, evidence, polarity in causes]}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("polarity")
    con = connect(workdir)
    try:
        upsert_stories(con, [_record(key, brand, text, day)
                             for day, (key, brand, _, text, _) in enumerate(STORIES)],
                       landing_file="polarity.jsonl")
        save_tags(con, MODEL, [(key, text_hash(text), _tags(sentiment, text, causes))
                               for key, _, sentiment, text, causes in STORIES])
        set_current_model(con, MODEL)
    finally:
        con.close()
    return workdir


def _answers(con, rollups: bool) -> dict[str, pd.DataFrame]:
    return {
        "trend": report_queries.cause_trend(con, rollups=rollups),
        "counts": report_queries.cause_counts(con, rollups=rollups),
        "movers": report_queries.cause_movers(con, WEEK, rollups=rollups),
        "owners": report_queries.owner_scores(con, rollups=rollups),
        "owners_of_some_causes": report_queries.owner_scores(
            con, causes=["staff attitude", "phone support"], rollups=rollups),
        "brands": report_queries.brand_change(con, WEEK, rollups=rollups),
        "gap": report_queries.competitor_gap(con, rollups=rollups),
    }


def _by(frame: pd.DataFrame, key: list[str], columns: list[str]) -> dict:
    return {tuple(row[k] for k in key): tuple(int(row[c]) for c in columns)
            for _, row in frame.iterrows()}


def _check(answers: dict[str, pd.DataFrame]) -> None:
    trend = _by(answers["trend"], ["cause"], ["stories", "positive", "negative",
                                             "net_story_score"])
    assert trend == {("staff attitude",): (1, 1, 0, 100), ("returns",): (1, 0, 1, -100),
                     ("delivery and delays",): (1, 1, 0, 100)}
    counts = _by(answers["counts"], ["brand", "cause"], ["positive", "negative"])
    assert counts == {("Northwind", "staff attitude"): (1, 0), ("Northwind", "returns"): (0, 1),
                      ("Northwind", "delivery and delays"): (1, 0),
                      ("Brightmart", "staff attitude"): (1, 0),
                      ("Brightmart", "phone support"): (0, 1)}
    shares = answers["counts"].set_index(["brand", "cause"])["negative_share"]
    assert shares[("Northwind", "returns")] == 50.0  # one of Northwind's two stories
    assert shares[("Northwind", "staff attitude")] == 0.0
    movers = _by(answers["movers"], ["cause"], ["net_stories", "moved"])
    assert movers == {("staff attitude",): (1, 1), ("returns",): (-1, -1),
                      ("delivery and delays",): (1, 1)}
    owners = _by(answers["owners"], ["owner", "side"], ["stories", "positive", "negative"])
    assert owners == {("Service", "ours"): (1, 1, 0), ("Operations", "ours"): (2, 1, 1),
                      ("Service", "competitor"): (1, 0, 1)}
    some = _by(answers["owners_of_some_causes"], ["owner", "side"],
               ["stories", "positive", "negative"])
    assert some == {("Service", "ours"): (1, 1, 0), ("Service", "competitor"): (1, 0, 1)}
    # The brand's own score still counts each story once, with the story's sentiment.
    brands = _by(answers["brands"], ["brand"], ["stories", "positive", "negative"])
    assert brands == {("Northwind",): (2, 1, 1), ("Brightmart",): (1, 1, 0)}
    # The competitor gap counted the cause's polarity already: the same figures.
    gap = answers["gap"].set_index(["cause", "competitor"])
    assert gap.loc[("staff attitude", "Brightmart"), "our_net_score"] == 100
    assert gap.loc[("returns", "Brightmart"), "our_net_score"] == -100


def test_mover_stories_show_the_cause_polarity(workdir):
    con = connect_read_only(workdir)
    try:
        quotes = report_queries.mover_stories(con, WEEK, ["staff attitude", "returns"],
                                              rollups=False)
    finally:
        con.close()
    assert {(row.cause, row.sentiment, row.cause_sentiment) for row in quotes.itertuples()} == {
        ("staff attitude", "negative", "positive"), ("returns", "negative", "negative")}


def test_views_and_rollups_count_each_cause_by_its_own_polarity(workdir):
    con = connect_read_only(workdir)
    try:
        assert not rollups_current(con)
        on_views = _answers(con, rollups=False)
    finally:
        con.close()
    _check(on_views)

    writer = connect(workdir)
    try:
        refresh_rollups(writer)
    finally:
        writer.close()
    con = connect_read_only(workdir)
    try:
        assert rollups_current(con) and relations(con).daily_owners == "rollup_daily_owners"
        on_rollups = _answers(con, rollups=True)
        again_on_views = _answers(con, rollups=False)
    finally:
        con.close()
    _check(on_rollups)
    for name, frame in on_views.items():
        pd.testing.assert_frame_equal(on_rollups[name], frame, obj=name)
        pd.testing.assert_frame_equal(again_on_views[name], frame, obj=name)


def _lake_and_file(tmp_path: Path):
    """The scale fixture's stories (whose causes are complaints inside positive stories too) in a
    DuckDB file and a lake, tagged alike, rollups built in both."""
    pytest.importorskip("deltalake")
    from storywatch import pipeline
    from storywatch.config import Settings
    from storywatch.scale import lake_flow
    from storywatch.scale.lake import Lake, write_pointer
    from tests.scale_fixture import land, record, tags

    duck, lakedir = tmp_path / "duck", tmp_path / "lake-workdir"
    for where in (duck, lakedir):
        land(where, "20260601T000000Z-schema_org-a.jsonl", [record(n) for n in range(12)])
    pipeline.load(Settings(workdir=duck))
    lake = Lake(tmp_path / "tables")
    lake.create()
    write_pointer(lakedir, lake.path)
    lake_flow.load(lake, lakedir)
    writer = connect(duck)
    try:
        tagged = [(s.story_key, s.body_hash, tags(int(s.story_key.split(":")[1]), MODEL))
                  for s in pending_stories(writer, MODEL)]
        save_tags(writer, MODEL, tagged)
        set_current_model(writer, MODEL)
        refresh_rollups(writer)
    finally:
        writer.close()
    lake_flow.save_story_tags(lake, MODEL, tagged)
    lake_flow.make_current(lake, "model_versions", "model_version", MODEL)
    lake_flow.refresh_rollups(lake, None)
    return duck, lakedir


@pytest.mark.slow
def test_a_lake_session_checks_its_rollups_once_and_answers_alike(tmp_path):
    from storywatch.warehouse import reading

    duck, lakedir = _lake_and_file(tmp_path)
    period = report_queries.period_ending("month", date(2026, 3, 31))
    with reading(duck) as d, reading(lakedir) as k:
        assert rollups_current(d) and rollups_current(k)
        assert relations(k).daily_causes == "rollup_daily_causes"
        # Checked when the session was opened: its tables are pinned versions, so the named
        # queries no longer recompute the fingerprint (this would fail if they did).
        k.execute("DROP VIEW stories")
        assert rollups_current(k)
        answers = {
            "trend": lambda con, r: report_queries.cause_trend(con, rollups=r),
            "counts": lambda con, r: report_queries.cause_counts(con, rollups=r),
            "movers": lambda con, r: report_queries.cause_movers(con, period, rollups=r),
            "owners": lambda con, r: report_queries.owner_scores(con, rollups=r),
        }
        for name, question in answers.items():
            expected = question(d, False)
            assert len(expected), name
            pd.testing.assert_frame_equal(question(d, True), expected, obj=name)
            pd.testing.assert_frame_equal(question(k, True), expected, obj=name)
        # Refunds are a complaint in every story, whatever the story's own sentiment.
        counts = answers["counts"](d, False)
        assert (counts.loc[counts["cause"] == "refunds", "positive"] == 0).all()
    # A DuckDB file is never marked: its rollups are read only while the fingerprint matches.
    writer = connect(duck)
    try:
        writer.execute("UPDATE stories SET updated_at = updated_at + INTERVAL 1 DAY")
    finally:
        writer.close()
    with reading(duck) as d:
        assert not rollups_current(d)
