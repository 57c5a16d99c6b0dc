"""Item pipelines with a real Scrapy crawler's stats: validation, cleaning, dedupe, landing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from storywatch.crawler.items import make_story
from storywatch.crawler.pipelines import (
    DuplicatePipeline,
    LandingWriterPipeline,
    NormalisePipeline,
    ValidatePipeline,
)


def story(body: str = "Refund took 6 weeks.", **fields) -> dict:
    record = make_story(source="trustpilot", brand="Northwind", is_competitor=False, body=body,
                        source_url="http://127.0.0.1/review/x", published_at="2026-08-03",
                        external_id=fields.pop("external_id", "abc"))
    record.update(fields)
    return record


def test_validate_drops_and_counts_bad_stories() -> None:
    crawler = get_crawler()
    pipeline = ValidatePipeline.from_crawler(crawler)
    good = story()
    assert pipeline.process_item(good) is good
    for bad in (story(body="  "), story(brand=None), story(published_at="soon"), ["not", "a dict"]):
        with pytest.raises(DropItem):
            pipeline.process_item(bad)
    stats = crawler.stats.get_stats()
    assert stats["storywatch/dropped/missing_body"] == 1
    assert stats["storywatch/dropped/missing_brand"] == 1
    assert stats["storywatch/dropped/bad_published_at"] == 1
    assert stats["storywatch/dropped/not_a_story"] == 1


def test_normalise_cleans_html_and_rekeys() -> None:
    crawler = get_crawler()
    pipeline = NormalisePipeline.from_crawler(crawler)
    item = story(external_id=None)
    item.update(body="<p>Bed &amp; Bath</p><p>was   a mess<br>today</p>", title="<b>Mess</b>",
                published_at="2026-08-03T10:00:00+02:00")
    cleaned = pipeline.process_item(item)
    assert cleaned["body"] == "Bed & Bath\nwas a mess\ntoday"
    assert cleaned["title"] == "Mess"
    assert cleaned["published_at"] == "2026-08-03T08:00:00Z"
    assert cleaned["story_key"] == story(body="Bed & Bath was a mess today",
                                         external_id=None)["story_key"]
    with pytest.raises(DropItem):
        pipeline.process_item(story(body="<p> </p>"))
    assert crawler.stats.get_value("storywatch/dropped/empty_body") == 1


def test_duplicates_in_one_run_are_dropped() -> None:
    crawler = get_crawler()
    pipeline = DuplicatePipeline.from_crawler(crawler)
    pipeline.process_item(story())
    pipeline.process_item(story(body="Edited text, same id"))
    with pytest.raises(DropItem):
        pipeline.process_item(story())
    assert crawler.stats.get_value("storywatch/dropped/duplicate") == 1


def test_landing_writer_renames_part_file_when_the_spider_closes(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"STORYWATCH_LANDING_DIR": str(tmp_path),
                                         "STORYWATCH_RUN_ID": "run42"})
    writer = LandingWriterPipeline.from_crawler(crawler)
    writer.process_item(story(external_id="1"))
    writer.process_item(story(external_id="2"))
    (part,) = tmp_path.iterdir()
    assert part.name.endswith("-trustpilot-run42.jsonl.part")
    assert len(part.read_text().splitlines()) == 2  # flushed as it goes
    writer.close_spider()
    (final,) = tmp_path.iterdir()
    assert final.name == part.name.removesuffix(".part")
    lines = final.read_text().splitlines()
    assert [json.loads(line)["external_id"] for line in lines] == ["1", "2"]
    assert crawler.stats.get_value("storywatch/stories_written") == 2
    assert crawler.stats.get_value("storywatch/landing_file") == str(final)


def test_landing_writer_without_stories_writes_nothing(tmp_path: Path) -> None:
    writer = LandingWriterPipeline.from_crawler(
        get_crawler(settings_dict={"STORYWATCH_LANDING_DIR": str(tmp_path / "landing")}))
    writer.close_spider()
    assert not (tmp_path / "landing").exists()
    with pytest.raises(NotConfigured):
        LandingWriterPipeline.from_crawler(get_crawler())
