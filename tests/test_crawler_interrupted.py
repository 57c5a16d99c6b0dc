"""A killed `storywatch crawl` takes its crawl child with it, and the next run salvages what the
killed crawl had landed: every complete line, never a half line.

Real processes: `python -m storywatch.cli crawl` against a loopback site serving endless slow
pages, killed with SIGTERM or SIGKILL mid-crawl.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.utils.test import get_crawler

from storywatch.cli import cli
from storywatch.crawler.items import make_story
from storywatch.crawler.landing import Salvage, salvage_interrupted
from storywatch.crawler.pipelines import LandingWriterPipeline
from storywatch.warehouse import connect_read_only
from tests.support.loopback import LoopbackSite, endless_reviews

ROOT = Path(__file__).resolve().parent.parent


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def complete_lines(folder: Path, pattern: str) -> int:
    return sum(path.read_bytes().count(b"\n") for path in folder.glob(pattern))


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.slow  # a `storywatch crawl` process killed mid-crawl, then a re-run
@pytest.mark.parametrize("kill_with", [signal.SIGTERM, signal.SIGKILL], ids=["TERM", "KILL"])
def test_killing_storywatch_crawl_stops_its_child_and_the_next_run_salvages(
    workdir: Path, tmp_path: Path, kill_with: signal.Signals
) -> None:
    landing = workdir / "landing"
    with LoopbackSite({}, endless_reviews("/e/", delay=0.15)) as site:
        config = tmp_path / "storywatch.toml"
        config.write_text(f'[[sources]]\nbrand = "Acme"\nformat = "schema_org"\n'
                          f'url = "{site.url("/e/1")}"\n\n[crawl]\nmax_pages_per_source = 0\n')
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        parent = subprocess.Popen(
            [sys.executable, "-m", "storywatch.cli", "crawl", "--workdir", str(workdir),
             "--config", str(config)], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert wait_for(lambda: complete_lines(landing, "*.jsonl.part") >= 5, 60)
            (child,) = children_of(parent.pid)
            assert alive(child)
            parent.send_signal(kill_with)
            parent.wait(timeout=10)
            assert wait_for(lambda: not alive(child), 5), "the crawl child outlived its parent"
        finally:
            if parent.poll() is None:
                parent.kill()
        landed = complete_lines(landing, "*.jsonl.part")
        assert landed >= 5 and not list(landing.glob("*.jsonl"))

        config.write_text(config.read_text().replace("= 0", "= 1"))
        rerun = CliRunner().invoke(cli, ["crawl", "--workdir", str(workdir),
                                         "--config", str(config)], catch_exceptions=False)
    assert rerun.exit_code == 0, rerun.output
    assert f"Salvaged {landed} stories from 1 interrupted crawl" in rerun.output
    assert not list(landing.glob("*.part"))
    con = connect_read_only(workdir)
    try:
        stored = con.execute("SELECT count(*) FROM stories").fetchone()[0]
    finally:
        con.close()
    assert stored == landed  # the re-crawled first page holds stories salvaged already


def story(number: int) -> dict:
    return make_story(source="feed", brand="Acme", is_competitor=False, external_id=str(number),
                      body=f"Story {number}", source_url="http://x/", published_at="2026-01-01")


def test_salvage_keeps_complete_lines_drops_half_lines_and_spares_live_crawls(
    tmp_path: Path
) -> None:
    lines = [json.dumps(story(n)) for n in (1, 2, 3)]
    killed = tmp_path / "20260101T000000.000000Z-feed-killed.jsonl.part"
    killed.write_text("\n".join(lines) + "\n" + lines[0][:20], encoding="utf-8")
    empty = tmp_path / "20260101T000001.000000Z-feed-early.jsonl.part"
    empty.write_text('{"story_key": "feed:', encoding="utf-8")
    writer = LandingWriterPipeline.from_crawler(
        get_crawler(settings_dict={"STORYWATCH_LANDING_DIR": str(tmp_path)}))
    writer.process_item(story(9))  # a crawl still running: its .part is not touched
    (live,) = set(tmp_path.glob("*.part")) - {killed, empty}

    assert salvage_interrupted(tmp_path) == Salvage(crawls=2, stories=3, half_lines=2)
    salvaged = killed.with_suffix("")
    assert salvaged.read_text(encoding="utf-8").splitlines() == lines
    assert not killed.exists() and not empty.exists()
    assert not empty.with_suffix("").exists()
    assert live.exists() and live.read_text(encoding="utf-8").count("\n") == 1
    assert salvage_interrupted(tmp_path) == Salvage()
    writer.close_spider()
    assert live.with_suffix("").exists()
