"""How the backbone runs: which backend, where built models and caches live, how many threads.

These options come in once at an edge (`storywatch.toml`'s `[tagging]` table and the environment,
read by storywatch.config; the training command; the benchmark) and are passed down as a
`ModelOptions` value, so nothing in nlp/ reads the environment itself. `from_environ` is the one
place that says which environment variables name them.

Example:
    >>> ModelOptions.from_environ({"STORYWATCH_BACKEND": "onnx"}).backend
    'onnx'
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# int8 ONNX is the default; fp32 ONNX and plain torch give the same tags within rounding.
BACKENDS = ("onnx-int8", "onnx", "torch")
DEFAULT_BACKEND = "onnx-int8"
BACKEND_VARIABLE = "STORYWATCH_BACKEND"
CACHE_VARIABLE = "STORYWATCH_CACHE"


def default_cache() -> Path:
    """~/.cache/storywatch: built ONNX models, the training vector cache, the rated sentences."""
    return Path.home() / ".cache" / "storywatch"


@dataclass(frozen=True)
class ModelOptions:
    backend: str = DEFAULT_BACKEND
    cache: Path = field(default_factory=default_cache)
    threads: int | None = None  # None: the cores this process may use

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], **given: object) -> ModelOptions:
        """`given` options (None values ignored), with STORYWATCH_BACKEND and STORYWATCH_CACHE
        from `environ` on top."""
        options = {k: v for k, v in given.items() if v is not None}
        if environ.get(BACKEND_VARIABLE):
            options["backend"] = environ[BACKEND_VARIABLE]
        if environ.get(CACHE_VARIABLE):
            options["cache"] = Path(environ[CACHE_VARIABLE])
        return cls(**options)
