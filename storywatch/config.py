"""Configuration: `storywatch.toml` (brands, competitors, sources, taxonomy, crawl options) read
once at the edge.

Order of precedence: the TOML file, then CLI flags, then environment variables
(`STORYWATCH_REDACT=0|1`). The result is a plain `Settings` value passed down as arguments;
nothing deeper reads files or environment variables for configuration.

A `[[sources]]` entry needs `brand` and `url`; `format` defaults to `auto` (detected from the
page). The optional `[crawl]` table: `redact` (bool, default true: e-mail addresses and phone numbers
are removed from story text), `incremental` (bool, default true: stop paging a source at stories
already stored), `backoff_retries` (int, default 3: retries after 429/503), `max_backoff_seconds`
(float, default 60: longest Retry-After honoured), `user_agent` (str). The optional `[tagging]`
table: `cache_embeddings` (bool, default true: keep each story's backbone vectors in the warehouse,
so re-tagging after a taxonomy or head change skips the backbone; false neither reads nor writes
them), `backend` (onnx-int8, the default; onnx for fp32; torch) and `model_cache` (folder for the
built ONNX model, default ~/.cache/storywatch; relative to the config file); the environment
variables `STORYWATCH_BACKEND` and `STORYWATCH_CACHE` override those two.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from nlp.options import BACKENDS, ModelOptions

DEFAULT_WORKDIR = Path("storywatch-data")
CONFIG_NAME = "storywatch.toml"


class ConfigError(Exception):
    """The configuration file is missing something or malformed."""


@dataclass(frozen=True)
class SourceConfig:
    brand: str
    format: str
    url: str
    is_competitor: bool = False


@dataclass(frozen=True)
class CrawlOptions:
    redact: bool = True
    incremental: bool = True
    backoff_retries: int = 3
    max_backoff_seconds: float = 60.0
    user_agent: str | None = None

    def scrapy_settings(self) -> dict[str, object]:
        """These options as the crawler's (Scrapy) settings."""
        settings: dict[str, object] = {"STORYWATCH_BACKOFF_RETRIES": self.backoff_retries,
                                       "STORYWATCH_MAX_BACKOFF": self.max_backoff_seconds}
        if self.user_agent:
            settings["USER_AGENT"] = self.user_agent
        return settings


_CRAWL_TYPES = {"redact": bool, "incremental": bool, "backoff_retries": int,
                "max_backoff_seconds": (int, float), "user_agent": str}


def crawl_options(table: object, where: str, environ: dict[str, str]) -> CrawlOptions:
    """The `[crawl]` table (checked) with `STORYWATCH_REDACT` from the environment on top."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table, e.g. [crawl] with redact = true.")
    for key, value in table.items():
        expected = _CRAWL_TYPES.get(key)
        if expected is None:
            raise ConfigError(f"{where} has an unknown option {key!r}; use one of "
                              f"{', '.join(_CRAWL_TYPES)}.")
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{where}: {key} has the wrong type ({value!r}).")
    options = CrawlOptions(**table)
    flag = environ.get("STORYWATCH_REDACT")
    if flag is not None:
        if flag.strip().lower() not in {"0", "1", "true", "false", "yes", "no", "on", "off"}:
            raise ConfigError(f"STORYWATCH_REDACT={flag!r}: set it to 1 or 0.")
        options = replace(options, redact=flag.strip().lower() in {"1", "true", "yes", "on"})
    return options


@dataclass(frozen=True)
class TaggingOptions:
    cache_embeddings: bool = True
    model: ModelOptions = field(default_factory=ModelOptions)  # backend, model cache folder


_TAGGING_TYPES = {"cache_embeddings": (bool, "true or false"), "backend": (str, "a string"),
                  "model_cache": (str, "a folder path")}


def tagging_options(table: object, where: str, environ: dict[str, str],
                    base: Path = Path(".")) -> TaggingOptions:
    """The `[tagging]` table as TaggingOptions, with the environment's backend and model cache on
    top; a clear error for an unknown key, a wrong type or an unknown backend.

    `base`: the config file's folder, which a relative `model_cache` is read from.
    """
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table, e.g. [tagging] with cache_embeddings = true.")
    for key, value in table.items():
        if key not in _TAGGING_TYPES:
            raise ConfigError(f"{where} has an unknown option {key!r}; use one of "
                              f"{', '.join(_TAGGING_TYPES)}.")
        expected, wording = _TAGGING_TYPES[key]
        if not isinstance(value, expected):
            raise ConfigError(f"{where}: {key} must be {wording}, not {value!r}.")
    cache = table.get("model_cache")
    model = ModelOptions.from_environ(
        environ, backend=table.get("backend"),
        cache=(base / Path(cache).expanduser()) if cache else None)
    if model.backend not in BACKENDS:
        raise ConfigError(f"Unknown backend {model.backend!r} ([tagging] backend or "
                          f"STORYWATCH_BACKEND); use one of {', '.join(BACKENDS)}.")
    return TaggingOptions(table.get("cache_embeddings", True), model)


@dataclass(frozen=True)
class Settings:
    workdir: Path
    brand: str | None = None
    competitors: tuple[str, ...] = ()
    sources: tuple[SourceConfig, ...] = field(default_factory=tuple)
    taxonomy: Path | None = None
    config_file: Path | None = None
    crawl: CrawlOptions = field(default_factory=CrawlOptions)
    tagging: TaggingOptions = field(default_factory=TaggingOptions)


def find_config(workdir: Path, explicit: Path | None) -> Path | None:
    """The config file to read: --config, else ./storywatch.toml, else <workdir>/storywatch.toml."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"Config file {explicit} does not exist.")
        return explicit
    for candidate in (Path(CONFIG_NAME), Path(workdir) / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


def _brand_name(entry: object, where: str) -> str:
    name = entry.get("name") if isinstance(entry, dict) else entry
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where} needs a name, e.g. name = \"Northwind\".")
    return name.strip()


def load_settings(
    workdir: Path, config: Path | None = None, environ: dict[str, str] | None = None
) -> Settings:
    """Read the config file (if any) into Settings for this workdir."""
    path = find_config(workdir, config)
    environ = dict(os.environ) if environ is None else environ
    if path is None:
        return Settings(workdir=Path(workdir), crawl=crawl_options({}, "[crawl]", environ),
                        tagging=tagging_options({}, "[tagging]", environ))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from error
    brand = _brand_name(data["brand"], f"{path}: [brand]") if "brand" in data else None
    competitors = tuple(
        _brand_name(entry, f"{path}: [[competitors]]") for entry in data.get("competitors", [])
    )
    sources = []
    for number, entry in enumerate(data.get("sources", []), start=1):
        missing = [key for key in ("brand", "url") if not entry.get(key)]
        if missing:
            raise ConfigError(f"{path}: source #{number} lacks {', '.join(missing)}.")
        if brand is not None and entry["brand"] not in (brand, *competitors):
            raise ConfigError(
                f"{path}: source #{number} is for brand {entry['brand']!r}, which is neither "
                "[brand] nor one of [[competitors]]."
            )
        sources.append(SourceConfig(
            brand=entry["brand"], format=entry.get("format") or "auto", url=entry["url"],
            is_competitor=entry["brand"] in competitors,
        ))
    taxonomy = data.get("taxonomy")
    taxonomy_path = (path.parent / taxonomy) if taxonomy else None
    return Settings(
        workdir=Path(workdir), brand=brand, competitors=competitors, sources=tuple(sources),
        taxonomy=taxonomy_path, config_file=path,
        crawl=crawl_options(data.get("crawl", {}), f"{path}: [crawl]", environ),
        tagging=tagging_options(data.get("tagging", {}), f"{path}: [tagging]", environ,
                                path.parent),
    )


def render_config(brand: str, competitors: list[str], sources: list[SourceConfig]) -> str:
    """A storywatch.toml for these brands and sources (used by the demo)."""
    lines = ["# storywatch configuration: our brand, competitors, and where their stories are.",
             "", "[brand]", f'name = "{brand}"', ""]
    for name in competitors:
        lines += ["[[competitors]]", f'name = "{name}"', ""]
    for source in sources:
        lines += ["[[sources]]", f'brand = "{source.brand}"', f'format = "{source.format}"',
                  f'url = "{source.url}"', ""]
    return "\n".join(lines)
