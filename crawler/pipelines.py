"""Item pipelines: validate, normalise, drop duplicates, and write the run's landing file.

Every story a spider yields passes these in order (redaction, in `storywatch.crawler.redact`, runs between
normalising and de-duplicating). A bad story is dropped with `DropItem` and its reason counted in
`storywatch.crawler.stats` under `storywatch/dropped/<reason>`; nothing here stops the crawl. The landing
writer appends stories to `<landing_dir>/<UTC timestamp>-<source>-<run id>.jsonl.part` (timestamp
`YYYYmmddTHHMMSS.ffffffZ`, so names sort by time) and renames it to `.jsonl` (after flush and
fsync) when the spider closes, so the loader never reads a half-written file; while writing, it
holds a lock on the `.part` file, so only the `.part` files of dead crawls are salvaged (see
`storywatch.crawler.landing`). Settings are read once, in `from_crawler()`.
"""
from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scrapy.exceptions import DropItem, NotConfigured

from storywatch.crawler.items import InvalidDate, html_to_text, story_key, to_utc_iso
from storywatch.crawler.landing import PART_SUFFIX, fsync_dir, lock_for_writing
from storywatch.story_record import REQUIRED_FIELDS, STORY_KEY, TEXT_FIELDS

DROP_STAT = "storywatch/dropped/"
WRITTEN_STAT = "storywatch/stories_written"
LANDING_FILE_STAT = "storywatch/landing_file"


class _StatsPipeline:
    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> Any:
        return cls(crawler.stats)

    def drop(self, reason: str, item: dict[str, Any]) -> DropItem:
        self.stats.inc_value(DROP_STAT + reason)
        return DropItem(f"{reason}: {str(item.get('story_key') or item.get('title'))[:80]}")


class ValidatePipeline(_StatsPipeline):
    """Drops stories missing a field the record requires (`storywatch.story_record`), or with
    an unreadable published date. The story key is not checked: NormalisePipeline computes it."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, dict):
            raise self.drop("not_a_story", {})
        for field in REQUIRED_FIELDS:
            if field == STORY_KEY:
                continue
            if not isinstance(item.get(field), str) or not item[field].strip():
                raise self.drop(f"missing_{field}", item)
        try:
            to_utc_iso(item.get("published_at"))
        except InvalidDate:
            raise self.drop("bad_published_at", item) from None
        return item


class NormalisePipeline(_StatsPipeline):
    """Turns HTML in text fields into plain text, dates into UTC, and recomputes the story key."""

    def process_item(self, item: Any) -> Any:
        for field in TEXT_FIELDS:
            if isinstance(item.get(field), str):
                item[field] = html_to_text(item[field]) or None
        if not item.get("body"):
            raise self.drop("empty_body", item)
        item["published_at"] = to_utc_iso(item["published_at"])
        item[STORY_KEY] = story_key(item["source"], item.get("external_id"), item["brand"],
                                    item["body"], item["published_at"])
        return item


class DuplicatePipeline(_StatsPipeline):
    """Drops a story seen earlier in this run with the same key and the same body."""

    def __init__(self, stats: Any) -> None:
        super().__init__(stats)
        self.seen: set[tuple[str, str]] = set()

    def process_item(self, item: Any) -> Any:
        fingerprint = (item["story_key"], item["body"])
        if fingerprint in self.seen:
            raise self.drop("duplicate", item)
        self.seen.add(fingerprint)
        return item


class LandingWriterPipeline:
    """Writes this spider run's stories to one landing file, renamed from `.part` when done."""

    def __init__(self, stats: Any, landing_dir: Path, run_id: str | None = None) -> None:
        self.stats = stats
        self.landing_dir = landing_dir
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.part_path: Path | None = None
        self.handle: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> LandingWriterPipeline:
        landing_dir = crawler.settings.get("STORYWATCH_LANDING_DIR")
        if not landing_dir:
            raise NotConfigured("set STORYWATCH_LANDING_DIR to write landing files")
        return cls(crawler.stats, Path(landing_dir), crawler.settings.get("STORYWATCH_RUN_ID"))

    def process_item(self, item: Any) -> Any:
        if self.handle is None:
            self._open(item["source"])
        assert self.handle is not None
        self.handle.write(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n")
        self.handle.flush()
        self.stats.inc_value(WRITTEN_STAT)
        return item

    def _open(self, source: str) -> None:
        self.landing_dir.mkdir(parents=True, exist_ok=True)
        # microseconds: two crawls within a second must still sort (and so load) in order
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        self.part_path = self.landing_dir / f"{stamp}-{source}-{self.run_id}.jsonl{PART_SUFFIX}"
        self.handle = self.part_path.open("w", encoding="utf-8")
        lock_for_writing(self.handle)

    def close_spider(self) -> None:
        if self.handle is None or self.part_path is None:
            return
        self.handle.flush()
        os.fsync(self.handle.fileno())
        final = self.part_path.with_suffix("")
        os.replace(self.part_path, final)  # before closing: the lock keeps salvagers away
        self.handle.close()
        fsync_dir(self.landing_dir)
        self.stats.set_value(LANDING_FILE_STAT, str(final))
        self.handle = None
