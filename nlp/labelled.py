"""The project's hand-labelled stories, and which of them training may see.

Three sources, all JSON Lines with `sentiment` (positive/negative/neutral) and `causes` (cause ids):
the stories labelled by hand for storywatch under tests/data/labelled/ (each with a `split`: train,
dev or test), the demo stories (storywatch/demo_site/stories.jsonl) and the written stories in
tests/data/nlp/. Training reads the train split plus the demo and written stories; thresholds and
hyper-parameters are picked on the dev split; the test split is never used for anything but the
figures `storywatch eval` prints. Texts are the title and the body joined by a line break, as the
pipeline tags them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from storywatch import story_record
from storywatch.errors import StorywatchError
from storywatch.nlp.paths import DEMO_STORIES, TEST_DATA

LABELLED_DIR = TEST_DATA / "labelled"
WRITTEN_STORIES = TEST_DATA / "nlp" / "labelled_stories.jsonl"
SENTIMENTS = ("negative", "neutral", "positive")
SPLITS = ("train", "dev", "test")


class LabelledDataError(StorywatchError, ValueError):
    """A labelled-stories file is unreadable or a record is malformed."""


@dataclass(frozen=True)
class LabelledStory:
    id: str
    text: str
    sentiment: str
    causes: tuple[str, ...]
    split: str
    source: str
    rating: int | None = None
    # cause id -> "positive" / "negative": how the story speaks of that cause (mixed stories differ)
    cause_polarity: dict[str, str] = field(default_factory=dict)


def story_text(record: dict) -> str:
    """The text the pipeline tags: `text`, else the title and body as the tagger reads them."""
    if record.get("text"):
        return str(record["text"])
    return story_record.story_text(record.get("title"), record.get("body"))


def read_stories(path: Path, source: str, split: str | None = None) -> list[LabelledStory]:
    """Read one JSON Lines file; `split` overrides the records' own split field.

    Raises:
        LabelledDataError: naming the file and line of a record that cannot be used.
    """
    stories = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelledDataError(f"Cannot read labelled stories {path}: {exc}.") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            # A writer may be appending right now: a torn last line is skipped, not fatal.
            if number == len(lines):
                continue
            raise LabelledDataError(f"{where}: not valid JSON; fix or remove the line.") from None
        sentiment = record.get("sentiment")
        if sentiment not in SENTIMENTS:
            raise LabelledDataError(f"{where}: sentiment must be one of {SENTIMENTS}.")
        record_split = split or record.get("split", "train")
        if record_split not in SPLITS:
            raise LabelledDataError(f"{where}: split must be one of {SPLITS}.")
        rating = record.get("rating")
        stories.append(LabelledStory(
            id=str(record.get("id", f"{source}-{number}")),
            text=story_text(record),
            sentiment=sentiment,
            causes=tuple(record.get("causes") or ()),
            split=record_split,
            source=source,
            rating=int(rating) if isinstance(rating, int | float) else None,
            cause_polarity=dict(record.get("cause_polarity") or {}),
        ))
    return stories


def labelled_stories(directory: Path = LABELLED_DIR) -> list[LabelledStory]:
    """All hand-labelled stories under directory (every *.jsonl), with their own splits."""
    stories = []
    for path in sorted(Path(directory).glob("*.jsonl")):
        stories.extend(read_stories(path, path.stem))
    return stories


def training_pool(directory: Path = LABELLED_DIR) -> dict[str, list[LabelledStory]]:
    """{'train': labelled train split + demo + written stories, 'dev': ..., 'test': ...}."""
    pool: dict[str, list[LabelledStory]] = {split: [] for split in SPLITS}
    for story in labelled_stories(directory):
        pool[story.split].append(story)
    for path, source in ((DEMO_STORIES, "demo"), (WRITTEN_STORIES, "written")):
        if path.is_file():
            pool["train"].extend(read_stories(path, source, split="train"))
    return pool
