"""The story record helpers: story keys, rating and date normalisation, HTML to text."""
from __future__ import annotations

import hashlib

import pytest

from storywatch.crawler.items import (
    STORY_FIELDS,
    InvalidDate,
    html_to_text,
    make_story,
    normalise_rating,
    rating_raw,
    story_key,
    to_utc_iso,
)


def test_story_key_uses_the_source_id_when_there_is_one() -> None:
    assert story_key("trustpilot", "66b0f3", "Northwind", "Great", "2026-08-03T10:00:00Z") == (
        "trustpilot:66b0f3")


def test_story_key_without_id_hashes_brand_normalised_body_and_date() -> None:
    key = story_key("schema_org", None, "Northwind", "  Slow\n refund  ", "2026-08-03T10:00:00Z")
    expected = hashlib.sha1(b"Northwind\x1fSlow refund\x1f2026-08-03").hexdigest()
    assert key == f"schema_org:{expected}"
    assert key == story_key("schema_org", "", "Northwind", "Slow refund", "2026-08-03T23:59:00Z")
    assert key != story_key("schema_org", None, "Brightmart", "Slow refund", "2026-08-03")
    assert key != story_key("schema_org", None, "Northwind", "Slow refund", "2026-08-04")


@pytest.mark.parametrize(("value", "best", "worst", "expected"), [
    (1, 5, 1, 0.0), (5, 5, 1, 1.0), (4, 5, 1, 0.75), ("3", "5", None, 0.5),
    (2, 10, 1, 0.1111), (7, 5, 1, 1.0), (None, 5, 1, None), ("n/a", 5, 1, None),
])
def test_normalise_rating_maps_stars_to_0_1(value, best, worst, expected) -> None:
    assert normalise_rating(value, best, worst) == expected


def test_rating_raw_keeps_what_the_source_showed() -> None:
    assert rating_raw("4", "5") == "4/5"
    assert rating_raw(4.5, 5) == "4.5/5"
    assert rating_raw(None) is None


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-08-03", "2026-08-03T00:00:00Z"),
    ("2026-08-03T14:21:09.000Z", "2026-08-03T14:21:09Z"),
    ("2026-08-05T12:00:00-05:00", "2026-08-05T17:00:00Z"),
    ("2026-08-05 12:00:00", "2026-08-05T12:00:00Z"),
    ("Tue, 04 Aug 2026 10:00:00 +0200", "2026-08-04T08:00:00Z"),
    (0, "1970-01-01T00:00:00Z"),
])
def test_to_utc_iso_reads_common_forms(value, expected) -> None:
    assert to_utc_iso(value) == expected


@pytest.mark.parametrize("value", ["", "yesterday", None, "32/13/2026"])
def test_to_utc_iso_rejects_unreadable_dates(value) -> None:
    with pytest.raises(InvalidDate):
        to_utc_iso(value)


def test_html_to_text_keeps_paragraphs_and_unescapes() -> None:
    text = html_to_text("<p>Tom &amp; Jerry</p><p>Line  one<br/>line\ttwo</p>\n\n<b>bold</b>")
    assert text == "Tom & Jerry\nLine one\nline two\nbold"
    assert html_to_text(None) == ""


def test_make_story_fills_every_contract_field() -> None:
    story = make_story(source="appstore", brand="Northwind", is_competitor=0,
                       body="<p>Crashes&nbsp;at checkout</p>", source_url="http://x/feed",
                       published_at="2026-08-06T05:00:00-07:00", external_id=123,
                       labels=["version:3.1", None], fetched_at="2026-08-07T00:00:00Z")
    assert tuple(story) == STORY_FIELDS
    assert story["story_key"] == "appstore:123"
    assert story["external_id"] == "123"
    assert story["body"] == "Crashes at checkout"
    assert story["published_at"] == "2026-08-06T12:00:00Z"
    assert story["is_competitor"] is False
    assert story["labels"] == ["version:3.1"]
    assert story["raw"] == {}
