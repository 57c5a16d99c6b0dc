"""The one flow, step by step: crawl sources -> landing files -> load -> tag.

Each step is a function the CLI wraps and the demo chains. Writers hold the warehouse only for
short transactions and let go of the file between them (loading every turn of a SharedWriter,
tagging after each batch it saves), so the dashboard can read in between.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from storywatch.config import ConfigError, Settings
from storywatch.errors import StorywatchError
from storywatch.warehouse import writing
from storywatch.warehouse.crawl_log import CrawlRun, record_crawl_runs
from storywatch.warehouse.db import SharedWriter
from storywatch.warehouse.embedding_store import (
    StoryVectors,
    cached_vectors,
    prune_vectors,
    save_vectors,
)
from storywatch.warehouse.known_stories import known_story_keys, loaded_landing_files
from storywatch.warehouse.loader import LANDING_DIR, LoadReport, load_landing
from storywatch.warehouse.reply_tags import (
    PendingReply,
    pending_replies,
    save_reply_tags,
    set_current_reply_version,
)
from storywatch.warehouse.report_rollups import refresh_rollups
from storywatch.warehouse.tags import PendingStory, pending_stories, save_tags, set_current_model

TAG_BATCH = 128
CACHE_WINDOW = 4096


class PipelineError(StorywatchError):
    """A step of the flow cannot run; the message says how to fix it."""


@dataclass
class TagReport:
    model_version: str
    stories: int
    seconds: float
    embedded: int = 0  # stories run through the backbone
    from_cache: int = 0  # stories tagged from the warehouse's cached vectors
    replies: int = 0  # company replies classified

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
    """Crawl every configured source (or the given `storywatch.crawler.run.Source`s) into landing files and
    log each source's run. With `[crawl] incremental` on (the default), each source stops paging
    at a page holding only stories already stored or landed."""
    from storywatch.crawler.run import Source
    from storywatch.crawler.run import crawl as run_crawl

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
    with writing(settings.workdir) as con:
        record_crawl_runs(con, [
            CrawlRun(
                source=r.detected_format or r.source.format, brand=r.source.brand,
                url=r.source.url, started_at=r.started_at, finished_at=r.finished_at,
                stories_found=r.stories, errors=r.errors, error_reasons=r.error_reasons,
                landing_file=r.landing_file,
            )
            for r in results
        ])
    return results


def crawl_url(
    settings: Settings, url: str, brand: str, *, is_competitor: bool = False,
    max_pages: int | None = None, throttle: bool = True,
) -> list:
    """Crawl one URL whose story format is detected from the page itself (spider `auto`)."""
    from storywatch.crawler.run import Source

    source = Source(brand=brand, is_competitor=is_competitor, format="auto", url=url)
    return crawl(settings, max_pages=max_pages, throttle=throttle, sources=[source])


def _known_keys(settings: Settings, formats: set[str]) -> set[str]:
    from storywatch.crawler.landing import landed_story_keys

    # Opened to write, not to read: the first crawl of a workdir creates its warehouse here.
    with writing(settings.workdir) as con:
        chosen = None if "auto" in formats else sorted(formats)
        keys = known_story_keys(con, chosen)
        loaded = loaded_landing_files(con)
    return keys | landed_story_keys(Path(settings.workdir) / LANDING_DIR, skip=loaded)


def load(settings: Settings) -> LoadReport:
    """Load every new landing file into the warehouse, in short transactions (see loader)."""
    with SharedWriter(settings.workdir) as writer:
        report = load_landing(writer, settings.workdir)
        if report.inserted or report.updated:
            with writer.connection() as con:
                refresh_rollups(con)
    return report


def tag(settings: Settings, *, progress: bool = False, tagger=None) -> TagReport:
    """Tag the stories the current model version has not tagged yet, and classify new replies.

    With `[tagging] cache_embeddings` on (the default), a story whose text was embedded before
    by the same encoder is tagged from the warehouse's cached vectors, without the backbone.
    When nothing is pending, the model is not loaded at all.
    """
    from storywatch.nlp.tagger import TaggerVersions, tagger_versions

    if tagger is None:
        # Named from the files, without the model: with nothing pending, it is never loaded.
        versions = tagger_versions(settings.taxonomy, settings.tagging.model)
    else:
        versions = TaggerVersions(tagger.model_version, tagger.reply_version,
                                  tagger.encoder_version)
    with writing(settings.workdir) as con:
        pending = pending_stories(con, versions.model)
        replies = pending_replies(con, versions.replies)
        if not pending:
            set_current_model(con, versions.model)
        if not replies:
            set_current_reply_version(con, versions.replies)
    if tagger is None and (pending or replies):
        from storywatch.nlp import load_tagger

        tagger = load_tagger(settings.taxonomy, settings.tagging.model)
    started = time.perf_counter()
    embedded = _tag_stories(settings, tagger, pending, progress) if pending else 0
    if replies:
        _classify_replies(settings, tagger, versions.replies, replies, progress)
    with writing(settings.workdir) as con:
        if settings.tagging.cache_embeddings:
            # The current model's tags all come from this encoder: older vectors are unused.
            prune_vectors(con, versions.encoder)
        if pending:
            refresh_rollups(con)
    return TagReport(versions.model, len(pending), time.perf_counter() - started,
                     embedded=embedded, from_cache=len(pending) - embedded, replies=len(replies))


def _tag_stories(settings: Settings, tagger, pending: list[PendingStory], progress: bool) -> int:
    """Tag and save the pending stories in batches; return how many went through the backbone.

    Cached vectors are looked up CACHE_WINDOW stories at a time (one query each: a lookup scans
    the cache table, so per-batch lookups would cost quadratic time on a large warehouse).
    """
    cache = settings.tagging.cache_embeddings
    bar = tqdm(total=len(pending), unit=" stories", desc="Tagging", disable=not progress)
    embedded = 0
    for window_start in range(0, len(pending), CACHE_WINDOW):
        window = pending[window_start:window_start + CACHE_WINDOW]
        cached = _from_cache(settings, tagger, window) if cache else {}
        for start in range(0, len(window), TAG_BATCH):
            batch = window[start:start + TAG_BATCH]
            ready = {s.story_key: cached[s.story_key] for s in batch if s.story_key in cached}
            missing = [story for story in batch if story.story_key not in ready]
            fresh = tagger.embed([story.text for story in missing]) if missing else []
            ready.update((story.story_key, item) for story, item in zip(missing, fresh))
            results = tagger.tag_embedded([ready[story.story_key] for story in batch])
            # A batch's vectors and tags are saved together, and the file is let go until the
            # next batch is ready, so readers get in between.
            with writing(settings.workdir) as con:
                if cache:
                    save_vectors(con, tagger.encoder_version, [
                        StoryVectors(story.story_key, story.body_hash, item.vectors)
                        for story, item in zip(missing, fresh)
                    ])
                save_tags(con, tagger.model_version, [
                    (story.story_key, story.body_hash, result.to_dict())
                    for story, result in zip(batch, results)
                ])
            embedded += len(missing)
            done = window_start + start + len(batch)
            bar.set_postfix_str(f"{done - embedded} from cache", refresh=False)
            bar.update(len(batch))
    bar.close()
    return embedded


def _from_cache(settings: Settings, tagger, batch: list[PendingStory]) -> dict:
    """The batch's stories whose cached vectors match their text and the encoder, as Embedded."""
    # As a writer, like every step of tagging: one process cannot mix read-only and read-write
    # connections to one file.
    with writing(settings.workdir) as con:
        found = cached_vectors(con, tagger.encoder_version,
                               [(story.story_key, story.body_hash) for story in batch])
    ready = {}
    for story in batch:
        if story.story_key in found:
            restored = tagger.restore(story.text, found[story.story_key])
            if restored is not None:
                ready[story.story_key] = restored
    return ready


def _classify_replies(settings: Settings, tagger, version: str, replies: list[PendingReply],
                      progress: bool) -> None:
    bar = tqdm(total=len(replies), unit=" replies", desc="Classifying replies",
               disable=not progress)
    for start in range(0, len(replies), TAG_BATCH):
        batch = replies[start:start + TAG_BATCH]
        classes = tagger.classify_replies([reply.reply for reply in batch])
        with writing(settings.workdir) as con:
            save_reply_tags(con, version, [
                (reply.story_key, reply.reply_hash, found.to_dict())
                for reply, found in zip(batch, classes)
            ])
        bar.update(len(batch))
    bar.close()


def steps_for(settings):
    """The crawl, load and tag steps for `[scale] storage`: this module's for a DuckDB
    warehouse, storywatch.scale's for a Delta lake (docs/scale.md). A workdir holds one or the
    other, so a DuckDB run on a lake's workdir is refused rather than starting a second store."""
    from storywatch.warehouse.db import LAKE_POINTER

    if settings.scale.storage == "delta":
        from storywatch.scale.flow import LakeSteps

        return LakeSteps(settings)
    if (Path(settings.workdir) / LAKE_POINTER).exists():
        raise ConfigError(f"{settings.workdir} holds a lake ({LAKE_POINTER}): set [scale] "
                          "storage = \"delta\" (or --storage delta), or use another --workdir "
                          "for a DuckDB warehouse.")
    return sys.modules[__name__]
