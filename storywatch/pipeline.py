"""The one flow, step by step: crawl sources -> landing files -> load -> tag.

Each step is a function the CLI wraps and the demo chains. Writers hold the warehouse only for
short transactions (tagging saves in batches), so the dashboard can read in between.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from storywatch.config import Settings
from warehouse import connect
from warehouse.crawl_log import CrawlRun, record_crawl_runs
from warehouse.known_stories import known_story_keys, loaded_landing_files
from warehouse.loader import LANDING_DIR, LoadReport, load_landing
from warehouse.report_rollups import refresh_rollups
from warehouse.tags import pending_stories, save_tags, set_current_model

TAG_BATCH = 128


class PipelineError(Exception):
    """A step of the flow cannot run; the message says how to fix it."""


@dataclass
class TagReport:
    model_version: str
    stories: int
    seconds: float

    @property
    def stories_per_second(self) -> float:
        return self.stories / self.seconds if self.seconds > 0 else 0.0


def crawl(
    settings: Settings,
    *,
    max_pages: int | None = None,
    throttle: bool = True,
    sources: list | None = None,
) -> list:
    """Crawl every configured source (or the given `crawler.run.Source`s) into landing files and
    log each source's run. With `[crawl] incremental` on (the default), each source stops paging
    at a page holding only stories already stored or landed."""
    from crawler.run import Source
    from crawler.run import crawl as run_crawl

    if sources is None:
        if not settings.sources:
            raise PipelineError(
                "No sources configured: add [[sources]] to storywatch.toml "
                "(see README), or run `storywatch demo`."
            )
        sources = [
            Source(brand=s.brand, is_competitor=s.is_competitor, format=s.format, url=s.url)
            for s in settings.sources
        ]
    landing_dir = Path(settings.workdir) / LANDING_DIR
    known = _known_keys(settings, {s.format for s in sources}) if settings.crawl.incremental else set()
    results = run_crawl(
        sources, landing_dir, max_pages=max_pages, throttle=throttle,
        redact=settings.crawl.redact, known_keys=known,
        settings=settings.crawl.scrapy_settings(),
    )
    con = connect(settings.workdir)
    try:
        record_crawl_runs(con, [
            CrawlRun(
                source=r.detected_format or r.source.format, brand=r.source.brand,
                url=r.source.url, started_at=r.started_at, finished_at=r.finished_at,
                stories_found=r.stories, errors=r.errors, error_reasons=r.error_reasons,
                landing_file=r.landing_file,
            )
            for r in results
        ])
    finally:
        con.close()
    return results


def crawl_url(
    settings: Settings, url: str, brand: str, *, is_competitor: bool = False,
    max_pages: int | None = None, throttle: bool = True,
) -> list:
    """Crawl one URL whose story format is detected from the page itself (spider `auto`)."""
    from crawler.run import Source

    source = Source(brand=brand, is_competitor=is_competitor, format="auto", url=url)
    return crawl(settings, max_pages=max_pages, throttle=throttle, sources=[source])


def _known_keys(settings: Settings, formats: set[str]) -> set[str]:
    from crawler.landing import landed_story_keys

    con = connect(settings.workdir)
    try:
        chosen = None if "auto" in formats else sorted(formats)
        keys = known_story_keys(con, chosen)
        loaded = loaded_landing_files(con)
    finally:
        con.close()
    return keys | landed_story_keys(Path(settings.workdir) / LANDING_DIR, skip=loaded)


def load(settings: Settings) -> LoadReport:
    """Load every new landing file into the warehouse."""
    con = connect(settings.workdir)
    try:
        report = load_landing(con, settings.workdir)
        if report.inserted or report.updated:
            refresh_rollups(con)
        return report
    finally:
        con.close()


def tag(settings: Settings, *, progress: bool = False, tagger=None) -> TagReport:
    """Tag the stories the current model version has not tagged yet."""
    if tagger is None:
        from nlp import load_tagger

        tagger = load_tagger(settings.taxonomy)
    con = connect(settings.workdir)
    try:
        pending = pending_stories(con, tagger.model_version)
        if not pending:
            set_current_model(con, tagger.model_version)
    finally:
        con.close()
    started = time.perf_counter()
    bar = tqdm(total=len(pending), unit="story", desc="Tagging", disable=not progress)
    for start in range(0, len(pending), TAG_BATCH):
        batch = pending[start:start + TAG_BATCH]
        results = tagger.tag([story.text for story in batch])
        bar.update(len(batch))
        con = connect(settings.workdir)
        try:
            save_tags(con, tagger.model_version, [
                (story.story_key, story.body_hash, result.to_dict())
                for story, result in zip(batch, results)
            ])
        finally:
            con.close()
    bar.close()
    if pending:
        con = connect(settings.workdir)
        try:
            refresh_rollups(con)
        finally:
            con.close()
    return TagReport(tagger.model_version, len(pending), time.perf_counter() - started)
