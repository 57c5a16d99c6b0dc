"""Reading back landing files: which story keys were landed already.

Used for incremental crawling next to the warehouse's own keys: a file landed but not loaded
yet still counts as "already have it". Only complete files (`*.jsonl`) are read; a `.part` file
left by a killed crawl is ignored, exactly as the loader ignores it.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path


def landed_story_keys(landing_dir: Path, skip: Iterable[str] = ()) -> set[str]:
    """Story keys in the complete landing files of `landing_dir`, except the files named in
    `skip` (e.g. those already loaded into the warehouse); unreadable lines are ignored."""
    skipped = set(skip)
    keys: set[str] = set()
    folder = Path(landing_dir)
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        if path.name in skipped:
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                key = json.loads(line).get("story_key")
            except (json.JSONDecodeError, AttributeError):
                continue
            if isinstance(key, str):
                keys.add(key)
    return keys
