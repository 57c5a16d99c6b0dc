"""Tagging the lake's pending stories, here (local) or on Ray Data with a pool of tagger actors.

On Ray the ONNX model is built once by the driver and shipped to the workers through the object
store, so a worker needs neither torch nor the build step: only onnxruntime and the tokenizer.
Each actor tags batches of stories; the driver (the lake's one committer) upserts each finished
batch keyed by (story, model version) and records the text version it tagged, so a batch retried
after a killed actor replaces its rows instead of adding them. The new model version becomes the
current one only after every batch has committed: until then the views show the old version's
tags, never a half-tagged mix.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from storywatch.scale import lake_flow
from storywatch.scale.engine import Engine, import_ray
from storywatch.scale.lake import Lake

BATCH = 32  # stories per actor call
COMMIT_ROWS = 512  # stories per Delta commit on the driver


def _model_file(options) -> Path:
    from storywatch.nlp.adapter import fingerprint
    from storywatch.nlp.onnx_backbone import model_file

    return model_file(options.cache, fingerprint(), options.backend == "onnx-int8")


class StoryTagger:
    """A Ray Data actor: the tagger, loaded once from the shipped ONNX model."""

    def __init__(self, taxonomy: str | None, backend: str, shipped: list, pid_dir: str | None):
        from dataclasses import replace

        from storywatch.nlp import load_tagger
        from storywatch.nlp.options import ModelOptions

        if pid_dir:  # lets an operator (or a test) find and kill this worker
            Path(pid_dir, f"tagger-{os.getpid()}").touch()
        options = ModelOptions(backend=backend, threads=1)
        if shipped:
            ray = import_ray()
            cache = Path(tempfile.mkdtemp(prefix="storywatch-model-"))
            options = replace(options, cache=cache)
            target = _model_file(options)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(ray.get(shipped[0]))
        self.tagger = load_tagger(Path(taxonomy) if taxonomy else None, options)

    def __call__(self, batch: pa.Table) -> pa.Table:
        results = self.tagger.tag(batch["text"].to_pylist())
        return pa.table({
            "story_key": batch["story_key"], "body_hash": batch["body_hash"],
            "tags": pa.array([json.dumps(r.to_dict()) for r in results], pa.string()),
        })


def _commit(lake: Lake, model_version: str, rows: list[tuple[str, str, dict]]) -> int:
    return lake_flow.save_story_tags(lake, model_version, rows)


def tag_on_ray(lake: Lake, pending: pa.Table, engine: Engine, settings, model_version: str,
               pid_dir: str | None = None) -> int:
    """Tag `pending` (story_key, body_hash, text) with `engine.workers` actors; return how many
    stories were committed."""
    import_ray()
    import ray.data

    options = settings.tagging.model
    if options.backend == "torch":
        shipped = []  # the torch backend has no file to ship: each worker loads the package
    else:
        from storywatch.nlp import load_tagger

        if not _model_file(options).is_file():
            load_tagger(settings.taxonomy, options)  # builds the ONNX model once, here
        shipped = [ray.put(_model_file(options).read_bytes())]
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    # One block per batch or so: a single big block would keep all but one actor idle.
    blocks = max(engine.workers * 2, -(-pending.num_rows // BATCH))
    stories = ray.data.from_arrow(pending).repartition(blocks)
    tagged = stories.map_batches(
        StoryTagger, batch_size=BATCH, batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=engine.workers),
        num_cpus=engine.cpus_per_worker,
        fn_constructor_kwargs={"taxonomy": str(settings.taxonomy) if settings.taxonomy else None,
                               "backend": options.backend, "shipped": shipped,
                               "pid_dir": pid_dir},
    )
    done, waiting = 0, []
    for batch in tagged.iter_batches(batch_format="pyarrow", batch_size=None):
        waiting += [(key, digest, json.loads(tags)) for key, digest, tags in zip(
            batch["story_key"].to_pylist(), batch["body_hash"].to_pylist(),
            batch["tags"].to_pylist())]
        if len(waiting) >= COMMIT_ROWS:
            done += _commit(lake, model_version, waiting)
            waiting = []
    return done + _commit(lake, model_version, waiting)


def tag_here(lake: Lake, pending: pa.Table, tagger, model_version: str) -> int:
    done = 0
    for start in range(0, pending.num_rows, COMMIT_ROWS):
        chunk = pending.slice(start, COMMIT_ROWS)
        results = tagger.tag(chunk["text"].to_pylist())
        done += _commit(lake, model_version, [
            (key, digest, result.to_dict()) for key, digest, result in zip(
                chunk["story_key"].to_pylist(), chunk["body_hash"].to_pylist(), results)])
    return done


def tag_lake(lake: Lake, settings, engine: Engine, *, tagger=None, pid_dir: str | None = None):
    """Tag the lake's pending stories and classify new replies; switch versions at the end;
    rebuild the rollups of the days touched. Returns pipeline.TagReport."""
    from storywatch.nlp.tagger import TaggerVersions, tagger_versions
    from storywatch.pipeline import TAG_BATCH, TagReport

    if tagger is None:
        versions = tagger_versions(settings.taxonomy, settings.tagging.model)
    else:
        versions = TaggerVersions(tagger.model_version, tagger.reply_version,
                                  tagger.encoder_version)
    pending = lake_flow.pending_table(lake, versions.model)
    replies = lake_flow.replies_pending(lake, versions.replies)
    previous = lake_flow.current_version(lake, "model_versions", "model_version")
    started = time.perf_counter()
    if pending.num_rows and engine.is_ray:
        tag_on_ray(lake, pending, engine, settings, versions.model, pid_dir)
    if tagger is None and (replies or (pending.num_rows and not engine.is_ray)):
        from storywatch.nlp import load_tagger

        tagger = load_tagger(settings.taxonomy, settings.tagging.model)
    if pending.num_rows and not engine.is_ray:
        tag_here(lake, pending, tagger, versions.model)
    tagged_replies = []
    for start in range(0, len(replies), TAG_BATCH):
        batch = replies[start:start + TAG_BATCH]
        classes = tagger.classify_replies([reply.reply for reply in batch])
        tagged_replies += [(r.story_key, r.reply_hash, c.to_dict()) for r, c in zip(batch, classes)]
    if tagged_replies:
        lake_flow.save_replies(lake, versions.replies, tagged_replies)
    lake_flow.make_current(lake, "model_versions", "model_version", versions.model)
    lake_flow.make_current(lake, "reply_models", "reply_version", versions.replies)
    if previous != versions.model:
        days = None  # every story's tags changed version: every day is stale
    else:
        days = lake_flow.story_days(lake, pending["story_key"].to_pylist())
    if days is None or days:
        lake_flow.refresh_rollups(lake, days)
    return TagReport(versions.model, pending.num_rows, time.perf_counter() - started,
                     embedded=pending.num_rows, replies=len(replies))
