"""Benchmark: the flow on the local engine and on Ray over the same loopback site and stories,
then the dashboard's named queries over a big lake.

1. Crawl + load: the demo site on 127.0.0.1 (half its sources addressed as `localhost`, so Ray
   has two domains to crawl at once), crawled without politeness delays into a fresh lake, on
   each engine; stories per second for each and their ratio.
2. Tag + rollup: the same N English stories tagged in a fresh lake on each engine (Ray: an actor
   pool of --workers); stories per second and the ratio.
3. Dashboard: a generated warehouse of --lake-stories stories (benchmarks/dashboard.py's
   generator) copied into a lake; every dashboard page's named queries on the lake, p50/p95.

    .venv/bin/python benchmarks/scale.py                       # minutes on a 2-core machine
    .venv/bin/python benchmarks/scale.py --lake-stories 10000000 --skip-flow

Results and the projection from them are in docs/scale.md.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from storywatch.config import Settings, with_scale
from storywatch.scale.flow import LakeSteps
from storywatch.warehouse import report_queries

PHRASES = ("My refund took {n} weeks and nobody answered my calls.",
           "Delivery arrived {n} days late and the box was crushed.",
           "The staff at the till were lovely and sorted my return in {n} minutes.",
           "I was charged twice for order {n} and billing will not fix it.",
           "Great prices, and the sofa (order {n}) arrived early. Very happy.")


def _stories(count: int) -> list[dict]:
    return [{"story_key": f"bench:{n}", "source": "schema_org", "brand": "Northwind",
             "is_competitor": False, "body": PHRASES[n % len(PHRASES)].format(n=n),
             "title": None, "published_at": f"2026-0{n % 9 + 1}-1{n % 9}T10:00:00Z",
             "labels": [], "raw": {}} for n in range(count)]


def _settings(workdir: Path, engine: str, sources=()) -> Settings:
    from storywatch.config import SourceConfig

    configured = tuple(SourceConfig(s.brand, s.format, s.url, s.is_competitor) for s in sources)
    return with_scale(Settings(workdir=workdir, sources=configured), engine, "delta")


def crawl_and_load(folder: Path, engine: str) -> tuple[int, float]:
    from storywatch.demo_site.site import DemoSite

    site = DemoSite(today=datetime.now(UTC).date())
    site.start()
    try:
        sources = site.sources()
        for source in sources[::2]:  # a second domain, served by the same site
            source.url = source.url.replace("127.0.0.1", "localhost")
        settings = _settings(folder / engine, engine, sources)
        steps = LakeSteps(settings)
        started = time.perf_counter()
        steps.crawl(settings, throttle=False)
        report = steps.load(settings)
        seconds = time.perf_counter() - started
    finally:
        site.stop()
    return report.inserted, seconds


def tag(folder: Path, engine: str, count: int, workers: int) -> tuple[int, float]:
    from storywatch.scale.engine import Engine
    from storywatch.scale.tagging import tag_lake

    workdir = folder / f"tag-{engine}"
    (workdir / "landing").mkdir(parents=True)
    (workdir / "landing" / "20260601T000000Z-bench.jsonl").write_text(
        "".join(json.dumps(story) + "\n" for story in _stories(count)), encoding="utf-8")
    settings = _settings(workdir, engine)
    steps = LakeSteps(settings)
    steps.load(settings)
    started = time.perf_counter()
    report = tag_lake(steps.lake, settings, Engine(engine, settings.scale.address, workers))
    return report.stories, time.perf_counter() - started


def _rate(done: int, seconds: float) -> float:
    return done / seconds if seconds else 0.0


def flow(folder: Path, count: int, workers: int) -> None:
    from storywatch.scale.engine import Engine, start

    start(Engine("ray", workers=workers))  # started before timing: a cluster is already up
    for stage, run in (("crawl + load", lambda e: crawl_and_load(folder, e)),
                       ("tag + rollup", lambda e: tag(folder, e, count, workers))):
        rates = {}
        for engine in ("local", "ray"):
            done, seconds = run(engine)
            rates[engine] = _rate(done, seconds)
            print(f"{stage:14} {engine:6} {done:6d} stories {seconds:7.1f} s "
                  f"{rates[engine]:8.1f} stories/s", flush=True)
        print(f"{stage:14} ray/local ratio {rates['ray'] / rates['local']:.2f}", flush=True)


def dashboard(folder: Path, stories: int, repeat: int) -> None:
    import dashboard as page_bench
    from storywatch.scale.copy import copy_warehouse
    from storywatch.scale.lake import Lake, open_session
    from storywatch.warehouse import connect

    started = time.perf_counter()
    page_bench.fill(folder / "duck", stories)
    con = connect(folder / "duck")
    lake = Lake(folder / "lake")
    copy_warehouse(con, lake)
    con.close()
    print(f"{stories:,} stories generated and copied into the lake in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    opened = time.perf_counter()
    session = open_session(lake)
    print(f"lake session opened in {1000 * (time.perf_counter() - opened):.0f} ms")
    latest = report_queries.latest_story_day(session)
    # open_session marks the session checked (report_rollups.mark_checked): the rollups'
    # freshness is judged once per session, not once per query.
    page_bench.time_pages(session, latest, repeat, "on the lake")
    session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tag-stories", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lake-stories", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-flow", action="store_true", help="Only the dashboard part.")
    parser.add_argument("--skip-dashboard", action="store_true", help="Only the flow part.")
    given = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not given.skip_flow:
            flow(Path(folder), given.tag_stories, given.workers)
        if not given.skip_dashboard:
            dashboard(Path(folder), given.lake_stories, given.repeat)


if __name__ == "__main__":
    main()
