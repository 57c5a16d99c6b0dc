"""The crawl and the tagger on Ray (storywatch.scale, engine "ray", storage "delta"), with a
crawl task and a tagging actor killed mid-run: fetch is at least once, stories land exactly once,
tags exactly once per (story, model version). A local Ray with 2 CPUs and a small object store,
the real demo site on 127.0.0.1, the real model in the actors."""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("ray")
pytest.importorskip("deltalake")

from storywatch.config import Settings
from storywatch.scale import lake_flow
from storywatch.scale.engine import Engine, start
from storywatch.scale.lake import Lake, open_session, write_pointer
from tests.scale_fixture import land, record

pytestmark = [pytest.mark.slow, pytest.mark.model]
STORIES = 160


@pytest.fixture(scope="module")
def engine():
    import ray

    engine = Engine("ray", workers=2)
    start(engine)
    yield engine
    ray.shutdown()


def _kill_when(pid_dir: Path, prefix: str, ready, deadline: float = 120.0) -> dict:
    """In a thread: once `ready()` holds, SIGKILL the worker whose pid file starts `prefix`."""
    killed: dict = {}

    def watch() -> None:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            found = sorted(pid_dir.glob(f"{prefix}*"))
            if found and ready():
                pid = int(found[0].name.rsplit("-", 1)[1])
                os.kill(pid, signal.SIGKILL)
                killed.update(pid=pid, at=time.monotonic())
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    killed["thread"] = thread
    return killed


def _lake_workdir(tmp_path: Path) -> tuple[Path, Lake]:
    workdir = tmp_path / "workdir"
    lake = Lake(tmp_path / "tables")
    lake.create()
    write_pointer(workdir, lake.path)
    return workdir, lake


def test_tagging_on_ray_survives_a_killed_actor(tmp_path: Path, engine: Engine):
    from storywatch.scale.tagging import tag_lake

    workdir, lake = _lake_workdir(tmp_path)
    land(workdir, "20260601T000000Z-schema_org-a.jsonl", [record(n) for n in range(STORIES)])
    lake_flow.load(lake, workdir)
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    started = time.monotonic()
    # Kill an actor once both have started (each loads the shipped model, then tags).
    killed = _kill_when(pid_dir, "tagger-", lambda: len(list(pid_dir.glob("tagger-*"))) >= 2
                        and time.monotonic() - started > 1.0)
    report = tag_lake(lake, Settings(workdir=workdir), engine, pid_dir=str(pid_dir))
    finished = time.monotonic()
    killed["thread"].join(timeout=5)
    assert "pid" in killed and killed["at"] < finished, "no actor was killed mid-run"
    assert len(list(pid_dir.glob("tagger-*"))) >= 3  # Ray started a fresh actor in its place
    assert report.stories == STORIES
    with open_session(lake) as con:
        assert con.execute("SELECT count(*), count(DISTINCT story_key) FROM story_tags "
                           "WHERE model_version = ?", [report.model_version]).fetchone() \
            == (STORIES, STORIES)
        assert con.execute("SELECT count(*) FROM story_facts WHERE sentiment IS NULL") \
            .fetchone()[0] == 0
        assert con.execute("SELECT model_version FROM current_model").fetchall() \
            == [(report.model_version,)]
    assert lake_flow.pending_stories(lake, report.model_version) == []


def test_crawl_on_ray_survives_a_killed_task(tmp_path: Path, engine: Engine):
    from datetime import UTC, datetime

    from storywatch.crawler.run import Source
    from storywatch.demo_site.site import DemoSite
    from storywatch.scale.crawl import TASKS_DIR, crawl_on_ray

    workdir, lake = _lake_workdir(tmp_path)
    landing = workdir / "landing"
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()

    def lines_landed() -> bool:  # the first attempt has written some complete stories
        parts = list((landing / TASKS_DIR).glob("*-a1/*.part"))
        return any(part.read_bytes().count(b"\n") >= 3 for part in parts)

    site = DemoSite(today=datetime.now(UTC).date())
    site.start()
    try:
        sources = [Source(s.brand, s.is_competitor, s.format, s.url) for s in site.sources()]
        killed = _kill_when(pid_dir, "crawl-", lines_landed)
        results = crawl_on_ray(sources, landing, engine, roll_lines=5, pid_dir=str(pid_dir),
                               throttle=True, redact=True)
        killed["thread"].join(timeout=5)
    finally:
        site.stop()
    assert "pid" in killed, "no crawl task was killed mid-run"
    names = sorted(path.name for path in landing.glob("*.jsonl"))
    assert any("-a1-" in name for name in names), "the killed attempt's lines were not salvaged"
    assert any("-a2-" in name for name in names)
    assert all(sum(1 for _ in (landing / n).open()) <= 5 for n in names)  # rolled over
    assert not list((landing / TASKS_DIR).glob("*/*"))  # nothing left behind
    report, _ = lake_flow.load(lake, workdir)
    expected = sum(result.stories for result in results)
    assert expected > 0
    with open_session(lake) as con:
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT story_key) FROM stories").fetchone()
    # Salvaged lines were fetched twice; each story is stored once.
    assert total == distinct == expected == report.inserted
    assert report.rows > expected


COMPARED_VIEWS = ("stories", "story_facts", "story_causes", "story_owners", "story_replies",
                  "weekly_brand_scores", "weekly_cause_scores", "competitor_gap", "crawl_runs")


def test_demo_on_ray_and_delta_answers_like_the_default_demo(tmp_path: Path, engine: Engine,
                                                            tagger):
    import subprocess
    import sys

    from storywatch.demo import run_demo
    from storywatch.warehouse.sql import run_query

    default, scaled = tmp_path / "default", tmp_path / "scaled"
    quiet = lambda _line: None
    run_demo(default, export_formats=(), echo=quiet, tagger=tagger)
    result = run_demo(scaled, export_formats=("csv",), echo=quiet, tagger=tagger,
                      engine="ray", storage="delta")
    assert result.lake and not result.database.exists() and result.exports
    for view in COMPARED_VIEWS:
        query = f"SELECT count(*) AS n FROM {view}"
        assert run_query(scaled, query)["n"][0] == run_query(default, query)["n"][0], view
    by_week = "SELECT * FROM weekly_brand_scores ORDER BY brand, week"
    assert run_query(scaled, by_week).equals(run_query(default, by_week))
    # `storywatch sql` itself, as an analyst runs it, on the lake.
    found = subprocess.run(
        [sys.executable, "-m", "storywatch.cli", "sql", "--workdir", str(scaled), "--format",
         "csv", "SELECT count(*) AS n FROM story_facts WHERE sentiment IS NOT NULL"],
        capture_output=True, text=True, timeout=120, check=True)
    assert found.stdout.split() == ["n", str(run_query(default, "SELECT count(*) AS n FROM "
                                                      "story_facts WHERE sentiment IS NOT NULL")
                                            ["n"][0])]
