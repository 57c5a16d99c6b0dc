"""Reading back landing files: which story keys were landed already, and what killed crawls left.

Used for incremental crawling next to the warehouse's own keys: a file landed but not loaded
yet still counts as "already have it". Only complete files (`*.jsonl`) are read; a `.part` file
is ignored, exactly as the loader ignores it. A crawl killed mid-run (kill -9, its parent killed,
a crash) leaves its `*.jsonl.part` file behind; `salvage_interrupted()` turns each such file
into a proper landing file holding its complete lines (the half line a kill can leave at the end
is dropped), so the stories it had gathered still reach the warehouse. A `.part` file that its
crawl is still writing is never touched: the writer holds an exclusive `flock()` on it
(`lock_for_writing()`), which the kernel releases when the writer dies, however it dies.
"""
from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

PART_SUFFIX = ".part"


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


def lock_for_writing(handle: IO) -> None:
    """Mark an open `.part` file as being written, so `salvage_interrupted()` leaves it alone."""
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


@dataclass(frozen=True)
class Salvage:
    """What `salvage_interrupted()` found: interrupted crawls (`.part` files), the complete
    story lines kept from them, and the half lines dropped."""

    crawls: int = 0
    stories: int = 0
    half_lines: int = 0


def salvage_interrupted(landing_dir: Path) -> Salvage:
    """Turn every `.part` file that no crawl is writing into a landing file of its complete lines.

    Each keeps its name without `.part` (so it sorts, and loads, by the time its crawl began);
    one without a complete line is removed. Safe to run next to a crawl and to run again after
    being killed itself: the file is truncated to its last line break, fsynced, then renamed.
    """
    folder = Path(landing_dir)
    crawls = stories = half_lines = 0
    for part in sorted(folder.glob(f"*.jsonl{PART_SUFFIX}")) if folder.is_dir() else []:
        found = _salvage(part)
        if found is not None:
            crawls += 1
            stories += found[0]
            half_lines += found[1]
    if crawls:
        fsync_dir(folder)
    return Salvage(crawls, stories, half_lines)


def _salvage(part: Path) -> tuple[int, int] | None:
    """(complete lines kept, half lines dropped) for one `.part` file; None when it is in use."""
    try:
        handle = part.open("r+b")
    except FileNotFoundError:
        return None  # salvaged by someone else meanwhile
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # its crawl is still running
        if not part.exists() or os.stat(part).st_ino != os.fstat(handle.fileno()).st_ino:
            return None  # renamed or salvaged while we waited for the lock
        data = handle.read()
        keep = data.rfind(b"\n") + 1
        lines = sum(1 for line in data[:keep].split(b"\n") if line.strip())
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
        if lines:
            os.replace(part, part.with_suffix(""))
        else:
            part.unlink()
    return lines, int(keep < len(data))


def fsync_dir(path: Path) -> None:
    """Make renames and removals in folder `path` durable."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
