"""Crawling on Ray: sources grouped by domain, one retried Ray task per group.

Each task calls the crawler's own entry (`storywatch.crawler.run.crawl`) on its group, so the
politeness of a domain (delays, concurrency, backoff) stays exactly as configured: one domain is
never crawled by two workers at once. A task crawls into its own attempt folder
(`landing/.tasks/<group>-a<attempt>/`), then rolls its landing files over into the landing folder
as files of at most `roll_lines` lines named with the group and attempt. A killed task leaves a
`.part` file in its attempt folder; the retry (and, at the end, the driver) salvages its complete
lines and rolls them over too. Fetching is at least once; the loader's upsert by story key makes
a story land exactly once.
"""
from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from storywatch.crawler.landing import PART_SUFFIX, fsync_dir, salvage_interrupted
from storywatch.scale.engine import Engine, import_ray

TASKS_DIR = ".tasks"
ROLL_LINES = 1000
RETRIES = 3


def domain(url: str) -> str:
    return urlsplit(url).netloc.lower()


def by_domain(sources: list) -> dict[str, list]:
    """Sources grouped by the domain they are read from, in configuration order."""
    groups: dict[str, list] = defaultdict(list)
    for source in sources:
        groups[domain(source.url)].append(source)
    return dict(groups)


def _group_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", name) or "group"


def _new_attempt(tasks_dir: Path, group: str) -> tuple[int, Path]:
    """The next attempt folder of a group (made atomically, so two tries never share one)."""
    tasks_dir.mkdir(parents=True, exist_ok=True)
    attempt = 1
    while True:
        folder = tasks_dir / f"{group}-a{attempt}"
        try:
            folder.mkdir()
            return attempt, folder
        except FileExistsError:
            attempt += 1


def roll_over(folder: Path, landing_dir: Path, roll_lines: int = ROLL_LINES) -> list[str]:
    """Move the complete landing files of an attempt folder into `landing_dir` as files of at
    most `roll_lines` lines, `<file stem>-<attempt folder>-<n>.jsonl`; return their names.

    Written as `.part` then renamed, so the loader never reads half a file; the source file is
    removed last, so a kill in between repeats the roll with the same names and contents.
    """
    names = []
    landing_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.glob("*.jsonl")):
        lines = [line for line in path.read_text(encoding="utf-8", errors="replace")
                 .splitlines(keepends=True) if line.strip()]
        for number, start in enumerate(range(0, len(lines), roll_lines), start=1):
            name = f"{path.stem}-{folder.name}-{number:04d}.jsonl"
            part = landing_dir / (name + PART_SUFFIX)
            with part.open("w", encoding="utf-8") as handle:
                handle.writelines(lines[start:start + roll_lines])
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(part, landing_dir / name)
            names.append(name)
        fsync_dir(landing_dir)
        path.unlink()
    return names


def sweep(tasks_dir: Path, landing_dir: Path, roll_lines: int = ROLL_LINES,
          group: str | None = None) -> list[str]:
    """Salvage and roll over what earlier attempts (of one group, or all) left behind."""
    names: list[str] = []
    if not tasks_dir.is_dir():
        return names
    for folder in sorted(tasks_dir.iterdir()):
        if folder.is_dir() and (group is None or folder.name.startswith(f"{group}-a")):
            salvage_interrupted(folder)
            names += roll_over(folder, landing_dir, roll_lines)
    return names


def crawl_group(group: str, sources: list, landing_dir: str, options: dict, roll_lines: int,
                pid_dir: str | None) -> list:
    """One Ray task: crawl one domain's sources; return their SourceResults."""
    from storywatch.crawler.run import crawl

    landing, tasks = Path(landing_dir), Path(landing_dir) / TASKS_DIR
    name = _group_name(group)
    sweep(tasks, landing, roll_lines, name)  # what a killed earlier attempt gathered
    attempt, folder = _new_attempt(tasks, name)
    if pid_dir:  # lets an operator (or a test) find and kill this task's worker
        Path(pid_dir, f"crawl-{name}-a{attempt}-{os.getpid()}").touch()
    results = crawl(sources, folder, **options)
    rolled = roll_over(folder, landing, roll_lines)
    folder.rmdir()
    for result in results:
        if result.landing_file:
            stem = Path(result.landing_file).stem
            mine = [n for n in rolled if n.startswith(stem)]
            result.landing_file = mine[0] if mine else None
    return results


def crawl_on_ray(sources: list, landing_dir: Path, engine: Engine, *, roll_lines: int = ROLL_LINES,
                 pid_dir: str | None = None, **options) -> list:
    """Crawl `sources` (storywatch.crawler.run.Source) with one Ray task per domain; results in
    source order. `options` are those of `storywatch.crawler.run.crawl`."""
    ray = import_ray()
    task = ray.remote(max_retries=RETRIES, num_cpus=engine.cpus_per_worker)(crawl_group)
    landing_dir = Path(landing_dir)
    if options.get("known_keys"):
        options["known_keys"] = sorted(options["known_keys"])
    waiting = [task.remote(group, members, str(landing_dir), options, roll_lines, pid_dir)
               for group, members in by_domain(sources).items()]
    try:
        found = [result for results in ray.get(waiting) for result in results]
    finally:
        sweep(landing_dir / TASKS_DIR, landing_dir, roll_lines)
    by_source = {(r.source.brand, r.source.url, r.source.format): r for r in found}
    return [by_source[(s.brand, s.url, s.format)] for s in sources]
