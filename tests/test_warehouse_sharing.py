"""Readers and writers share the warehouse: while `storywatch load` or `storywatch tag` runs in
another process, a reader opening the file read-only waits a moment at most, and sees stories
(or tags) arrive; a load killed half-way is finished by the next load, with nothing twice."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storywatch.crawler.items import make_story
from storywatch.warehouse import WarehouseBusy, connect, connect_read_only
from storywatch.warehouse.loader import upsert_stories

# Each test runs thousands of stories through `storywatch load` or `tag` in another process.
pytestmark = pytest.mark.slow

STORIES = 3000
FILES = 3
TAGGED_STORIES = 300
# A slow shared two-core machine included; the old loader kept readers out for the whole load.
LONGEST_READER_WAIT = 10.0


def _records(count: int, first: int = 0) -> list[dict]:
    return [
        make_story(
            source="trustpilot", brand="Northwind", is_competitor=False,
            external_id=f"r{number}", source_url="https://reviews.example/northwind",
            published_at=f"2026-{1 + number % 12:02d}-{1 + number % 28:02d}T09:00:00Z",
            title=f"Order {number}", rating=0.25, rating_raw="2/5", labels=["delivery"],
            body=(f"Order {number}: the sofa arrived three weeks late and nobody answered my "
                  "e-mails. When it came, the staff who carried it in were kind."),
            company_reply="Sorry for the wait." if number % 4 == 0 else None,
            raw={"id": number},
        )
        for number in range(first, first + count)
    ]


def write_landing_files(workdir: Path, stories: int = STORIES, files: int = FILES) -> None:
    """Landing files as a crawl leaves them: one JSON story per line, one file per source run."""
    folder = workdir / "landing"
    folder.mkdir(parents=True, exist_ok=True)
    per_file = stories // files
    for number in range(files):
        lines = [json.dumps(r) for r in _records(per_file, number * per_file)]
        path = folder / f"20261201T0{number}0000Z-trustpilot-run{number}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def start(command: str, workdir: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "storywatch.cli", command, "--workdir", str(workdir), *extra],
        cwd=workdir.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def read_while_running(process: subprocess.Popen, workdir: Path, query: str,
                       stop_when=lambda count: False) -> list[tuple[float, int | None]]:
    """A reader loop: open read-only, count, close; (seconds waited to open, count) per try."""
    attempts: list[tuple[float, int | None]] = []
    deadline = time.monotonic() + 240
    while process.poll() is None and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            con = connect_read_only(workdir, wait_seconds=2 * LONGEST_READER_WAIT)
        except WarehouseBusy:
            attempts.append((time.monotonic() - started, None))
            continue
        try:
            count = con.execute(query).fetchone()[0]
        finally:
            con.close()
        attempts.append((time.monotonic() - started, count))
        if stop_when(count):
            break
        time.sleep(0.05)
    return attempts


def counts(workdir: Path) -> tuple[int, int, int]:
    con = connect_read_only(workdir)
    try:
        return con.execute(
            "SELECT (SELECT count(*) FROM stories), (SELECT count(DISTINCT story_key) FROM "
            "stories), (SELECT count(*) FROM loaded_files)").fetchone()
    finally:
        con.close()


def assert_readers_got_in(attempts, total: int, seconds: float) -> None:
    assert attempts, "the reader never ran"
    longest = max(wait for wait, _ in attempts)
    assert longest < min(LONGEST_READER_WAIT, seconds / 2), (
        f"a reader waited {longest:.1f}s of a {seconds:.1f}s run")
    seen = [count for _, count in attempts if count is not None]
    assert any(0 < count < total for count in seen), f"no reader got in mid-run: {seen}"


def test_reader_waits_a_moment_at_most_during_a_load(workdir):
    write_landing_files(workdir)
    connect(workdir).close()
    started = time.monotonic()
    process = start("load", workdir)
    attempts = read_while_running(process, workdir, "SELECT count(*) FROM stories")
    output, _ = process.communicate(timeout=240)
    assert process.returncode == 0, output
    assert_readers_got_in(attempts, STORIES, time.monotonic() - started)
    assert output.startswith(f"Loaded {FILES} landing files: {STORIES} new stories")
    assert counts(workdir) == (STORIES, STORIES, FILES)


def test_load_killed_half_way_is_finished_by_the_next_load(workdir):
    write_landing_files(workdir)
    connect(workdir).close()
    process = start("load", workdir)
    attempts = read_while_running(process, workdir, "SELECT count(*) FROM stories",
                                  stop_when=lambda count: 0 < count < STORIES // 2)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    partial = [count for _, count in attempts if count]
    assert partial and partial[-1] < STORIES // 2, f"the kill came too late: {partial}"
    again = start("load", workdir)
    output, _ = again.communicate(timeout=240)
    assert again.returncode == 0, output
    assert counts(workdir) == (STORIES, STORIES, FILES)
    rerun = start("load", workdir)
    assert rerun.communicate(timeout=240)[0].startswith("Loaded 0 landing files: 0 new stories")


@pytest.mark.model  # `storywatch tag` loads the model in its own process
def test_reader_waits_a_moment_at_most_during_tagging(workdir):
    con = connect(workdir)
    upsert_stories(con, _records(TAGGED_STORIES))
    con.close()
    started = time.monotonic()
    process = start("tag", workdir, "--no-progress")
    attempts = read_while_running(process, workdir, "SELECT count(*) FROM story_tags")
    output, _ = process.communicate(timeout=240)
    assert process.returncode == 0, output
    assert f"Tagged {TAGGED_STORIES} stories" in output
    assert_readers_got_in(attempts, TAGGED_STORIES, time.monotonic() - started)
    con = connect_read_only(workdir)
    tags = con.execute("SELECT count(*), count(DISTINCT story_key) FROM story_facts "
                       "WHERE sentiment IS NOT NULL").fetchone()
    con.close()
    assert tags == (TAGGED_STORIES, TAGGED_STORIES)
