"""The flow with `[scale]` storage = "delta" (and engine local or ray): crawl -> landing files ->
load into the lake -> tag, the same steps as storywatch.pipeline with the lake as the warehouse.
"""
from __future__ import annotations

from pathlib import Path

from storywatch.scale import lake_flow
from storywatch.scale.engine import Engine, start
from storywatch.scale.lake import Lake, LakeError, write_pointer
from storywatch.warehouse.crawl_log import CrawlRun
from storywatch.warehouse.loader import LANDING_DIR, LoadReport


def open_lake(settings) -> Lake:
    """The run's lake (`[scale] path`, default WORKDIR/lake), created if new; the workdir
    points at it so `storywatch sql`, exports and the dashboard read it."""
    from storywatch.warehouse.db import database_path

    if database_path(settings.workdir).exists():
        raise LakeError(f"{settings.workdir} holds a DuckDB warehouse "
                        f"({database_path(settings.workdir).name}): a delta run needs a workdir "
                        "of its own; pass another --workdir, or move the file aside.")
    path = settings.scale.path or str(Path(settings.workdir).resolve() / "lake")
    lake = Lake(path)
    lake.create()
    write_pointer(settings.workdir, path)
    return lake


def engine_of(settings) -> Engine:
    engine = Engine(settings.scale.engine, settings.scale.address)
    start(engine)
    return engine


def crawl(settings, lake: Lake, *, max_pages: int | None = None, throttle: bool = True,
          sources: list | None = None, pid_dir: str | None = None) -> list:
    """Crawl the configured sources into landing files (on Ray: one task per domain) and log
    each source's run in the lake."""
    from storywatch.crawler.landing import landed_story_keys
    from storywatch.crawler.run import Source
    from storywatch.crawler.run import crawl as run_crawl

    if sources is None:
        sources = [Source(brand=s.brand, is_competitor=s.is_competitor, format=s.format,
                          url=s.url) for s in settings.sources]
    landing_dir = Path(settings.workdir) / LANDING_DIR
    known: set[str] = set()
    if settings.crawl.incremental:
        formats = {s.format for s in sources}
        known = lake_flow.known_keys(lake, None if "auto" in formats else formats)
        known |= landed_story_keys(landing_dir, skip=lake_flow.loaded_files(lake))
    options = {"max_pages": max_pages, "throttle": throttle, "redact": settings.crawl.redact,
               "known_keys": known, "settings": settings.crawl.scrapy_settings()}
    engine = engine_of(settings)
    if engine.is_ray:
        from storywatch.scale.crawl import crawl_on_ray

        results = crawl_on_ray(sources, landing_dir, engine, pid_dir=pid_dir, **options)
    else:
        results = run_crawl(sources, landing_dir, **options)
    lake_flow.record_crawls(lake, [
        CrawlRun(source=r.detected_format or r.source.format, brand=r.source.brand,
                 url=r.source.url, started_at=r.started_at, finished_at=r.finished_at,
                 stories_found=r.stories, errors=r.errors, error_reasons=r.error_reasons,
                 landing_file=r.landing_file)
        for r in results])
    return results


def load(settings, lake: Lake) -> LoadReport:
    """Load new landing files into the lake; rebuild the rollups of the days they touched."""
    report, days = lake_flow.load(lake, settings.workdir)
    if days:
        lake_flow.refresh_rollups(lake, days)
    return report


def tag(settings, lake: Lake, *, tagger=None, pid_dir: str | None = None):
    from storywatch.scale.tagging import tag_lake

    return tag_lake(lake, settings, engine_of(settings), tagger=tagger, pid_dir=pid_dir)


class LakeSteps:
    """storywatch.pipeline's crawl, load and tag with the same arguments, on the lake."""

    def __init__(self, settings) -> None:
        self.lake = open_lake(settings)

    def crawl(self, settings, **options) -> list:
        return crawl(settings, self.lake, **options)

    def load(self, settings) -> LoadReport:
        return load(settings, self.lake)

    def tag(self, settings, *, progress: bool = False, tagger=None):
        return tag(settings, self.lake, tagger=tagger)

