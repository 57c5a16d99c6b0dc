"""The one story record: what spiders build is what the loader stores, field by field, and every
place that tags or trains on a story reads the same text."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from storywatch.crawler.items import make_story
from storywatch.nlp.labelled import story_text as labelled_text
from storywatch.story_record import FIELD_NAMES, FIELDS, TEXT_FIELDS, story_text
from storywatch.warehouse import reading, writing
from storywatch.warehouse.loader import COMPARED, upsert_stories
from storywatch.warehouse.tags import pending_stories


def full_story(**changes) -> dict:
    record = make_story(
        source="trustpilot", brand="Northwind", is_competitor=True, body="Refund took 6 weeks.",
        source_url="http://127.0.0.1/review/x", published_at="2026-08-03T10:00:00+02:00",
        fetched_at="2026-08-04T00:00:00Z", external_id="abc", story_url="http://127.0.0.1/r/abc",
        author="Jo", title="  Slow refund ", rating=0.25, rating_raw="2/5", language="en",
        helpful_votes=3, company_reply="Sorry, Jo.", company_replied_at="2026-08-05",
        labels=["Refunds"], raw={"id": "abc", "stars": 2},
    )
    record.update(changes)
    return record


def test_make_story_builds_every_field_of_the_record_in_order() -> None:
    assert tuple(full_story()) == FIELD_NAMES
    assert set(TEXT_FIELDS) == {"author", "title", "body", "company_reply"}


def test_the_loader_stores_each_field_of_the_record_in_its_column(workdir) -> None:
    record = full_story()
    with writing(workdir) as con:
        assert upsert_stories(con, [record], "one.jsonl") == (1, 0, 0)
    with reading(workdir) as con:
        stored = con.execute(
            f"SELECT {', '.join(FIELD_NAMES)}, landing_file FROM stories"
        ).fetchone()
    row = dict(zip((*FIELD_NAMES, "landing_file"), stored, strict=True))
    assert row["landing_file"] == "one.jsonl"
    assert row["published_at"] == datetime(2026, 8, 3, 8, 0)
    assert row["company_replied_at"] == datetime(2026, 8, 5)
    assert json.loads(row["raw"]) == {"id": "abc", "stars": 2}
    kept = {f.name for f in FIELDS if f.kind not in ("time", "json")}
    assert {name: row[name] for name in kept} == {name: record[name] for name in kept}


def test_a_changed_field_updates_the_row_and_an_unchanged_story_does_not(workdir) -> None:
    with writing(workdir) as con:
        upsert_stories(con, [full_story()], "one.jsonl")
        assert upsert_stories(con, [full_story()], "two.jsonl") == (0, 0, 1)
        assert upsert_stories(con, [full_story(helpful_votes=9, title="Still slow")],
                              "three.jsonl") == (0, 1, 0)
        assert con.execute("SELECT helpful_votes, title, landing_file FROM stories").fetchone() \
            == (9, "Still slow", "three.jsonl")
    assert set(COMPARED) <= set(FIELD_NAMES)


@pytest.mark.parametrize("missing", ["story_key", "source", "brand", "body"])
def test_a_story_missing_a_required_field_is_skipped(workdir, missing) -> None:
    with writing(workdir) as con:
        assert upsert_stories(con, [full_story(**{missing: ""})]) == (0, 0, 0)
        assert con.execute("SELECT count(*) FROM stories").fetchone() == (0,)


@pytest.mark.parametrize(("title", "body", "text"), [
    ("  Slow refund ", "Took 6 weeks.", "Slow refund\nTook 6 weeks."),
    (None, "Took 6 weeks.", "Took 6 weeks."),
    ("   ", "Took 6 weeks.", "Took 6 weeks."),
    ("Slow refund", None, "Slow refund"),
])
def test_the_tagger_text_is_the_title_then_the_body(title, body, text) -> None:
    assert story_text(title, body) == text
    assert labelled_text({"title": title, "body": body}) == text


def test_tagging_reads_the_stored_story_as_training_reads_a_labelled_one(workdir) -> None:
    record = full_story()
    with writing(workdir) as con:
        upsert_stories(con, [record])
        (pending,) = pending_stories(con, "some-model")
    assert pending.text == labelled_text(record) == "Slow refund\nRefund took 6 weeks."
