"""Which engine runs the crawl and the tagger: `local` (today's code, the default) or `ray`.

`[scale] engine` in storywatch.toml or `--engine` picks it. With `[scale] address` (or
`RAY_ADDRESS`) Ray joins that cluster; without one it starts a local Ray sized by `workers`.
Ray is imported here and in the modules that run on it, only once the engine is `ray`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from storywatch.errors import StorywatchError

# A local Ray's object store: enough for the shipped ONNX model and a few batches of stories.
LOCAL_OBJECT_STORE_BYTES = 400 * 1024 * 1024


class EngineError(StorywatchError):
    """The chosen engine cannot start; the message says how to fix it."""


@dataclass(frozen=True)
class Engine:
    name: str = "local"
    address: str | None = None  # a Ray cluster to join; None starts a local one
    workers: int = 2  # tagger actors and crawl tasks at once
    cpus_per_worker: float = 0.5  # two actors at one CPU each starved Ray Data's read task

    @property
    def is_ray(self) -> bool:
        return self.name == "ray"


def import_ray():
    try:
        import ray
    except ImportError as error:
        raise EngineError("engine = \"ray\" needs the scale extra: "
                          "pip install 'storywatch[scale]'.") from error
    return ray


def start(engine: Engine) -> None:
    """Start (or join) Ray for this process when the engine is ray; nothing for local.

    Ray stays up until the process ends (Ray shuts itself down then), so the crawl and the
    tagging of one run share one start.
    """
    if not engine.is_ray:
        return
    ray = import_ray()
    if ray.is_initialized():
        return
    address = engine.address or os.environ.get("RAY_ADDRESS")
    options = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    if address:
        ray.init(address=address, **options)
    else:
        ray.init(num_cpus=max(2, int(engine.workers * engine.cpus_per_worker) + 1),
                 object_store_memory=LOCAL_OBJECT_STORE_BYTES, **options)
