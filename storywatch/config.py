"""Configuration: `storywatch.toml` (brands, competitors, sources, taxonomy, crawl options) read
once at the edge.

Order of precedence: the TOML file, then CLI flags, then environment variables
(`STORYWATCH_REDACT=0|1`). The result is a plain `Settings` value passed down as arguments;
nothing deeper reads files or environment variables for configuration.

A `[[sources]]` entry needs `brand` and `url`; `format` defaults to `auto` (detected from the
page). The optional `[crawl]` table: `redact` (bool, default true: e-mail addresses and phone numbers
are removed from story text), `incremental` (bool, default true: stop paging a source at stories
already stored), `backoff_retries` (int, default 3: retries after 429/503), `max_backoff_seconds`
(float, default 60: longest Retry-After honoured), `user_agent` (str), `max_pages_per_source`
(int, default 200) and `max_minutes_per_source` (number, default 30): caps that stop a source
that keeps serving fresh pages (0: no cap; `--max-pages` wins over the page cap). The optional
`[tagging]`
table: `cache_embeddings` (bool, default true: keep each story's backbone vectors in the warehouse,
so re-tagging after a taxonomy or head change skips the backbone; false neither reads nor writes
them), `backend` (onnx-int8, the default; onnx for fp32; torch) and `model_cache` (folder for the
built ONNX model, default ~/.cache/storywatch; relative to the config file); the environment
variables `STORYWATCH_BACKEND` and `STORYWATCH_CACHE` override those two. The optional `[sql]`
table: `readable_paths` (list of folders, relative to the config file, whose files `storywatch sql`
may read besides WORKDIR/files). The optional `[alerts]` table (`storywatch alerts`; keys and
defaults in docs/alerts.md and storywatch/alert_options.py): detection (`period`,
`baseline_weeks`, `sensitivity`, `min_stories`) and delivery (`email_to`, `smtp_host`,
`smtp_port`, `smtp_from`, `smtp_user`, `smtp_password_env`: the NAME of the environment variable
holding the password, never the password; `starttls`, `webhook_url`). The optional `[scale]`
table (docs/scale.md): `engine` (local, the default, or ray), `address` (a Ray cluster to join;
default: start a local Ray), `storage` (duckdb, the default, or delta: the warehouse as Delta
tables) and `path` (where the Delta tables live, a folder or an object-store URL; default
WORKDIR/lake). `[[policy_changes]]` entries (docs/policy_changes.md; one per change): `date`
("YYYY-MM-DD"), `cause` (a cause id of the taxonomy), optional `note` and `weeks` (1 to 26,
default 4: how long before and after the change the report compares). A key that the file or a
table does not take (a typo such as
`fromat`, or `[[competitor]]`) is an error listing the keys it takes.
"""
from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from storywatch.alert_options import ALERT_KEYS, AlertOptions, alert_problem, build_alert_options
from storywatch.errors import StorywatchError
from storywatch.nlp.options import BACKENDS, ModelOptions
from storywatch.policy_options import POLICY_CHANGE_KEYS, PolicyChange, policy_change

DEFAULT_WORKDIR = Path("storywatch-data")
CONFIG_NAME = "storywatch.toml"


class ConfigError(StorywatchError):
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
    max_pages_per_source: int = 200
    max_minutes_per_source: float = 30.0

    def scrapy_settings(self) -> dict[str, object]:
        """These options as the crawler's (Scrapy) settings."""
        settings: dict[str, object] = {
            "STORYWATCH_BACKOFF_RETRIES": self.backoff_retries,
            "STORYWATCH_MAX_BACKOFF": self.max_backoff_seconds,
            "STORYWATCH_MAX_PAGES_PER_SOURCE": self.max_pages_per_source,
            # Scrapy's CloseSpider extension: each source is its own crawler, so this is per source
            "CLOSESPIDER_TIMEOUT": self.max_minutes_per_source * 60,
        }
        if self.user_agent:
            settings["USER_AGENT"] = self.user_agent
        return settings


_CRAWL_TYPES = {"redact": bool, "incremental": bool, "backoff_retries": int,
                "max_backoff_seconds": (int, float), "user_agent": str,
                "max_pages_per_source": int, "max_minutes_per_source": (int, float)}
_CRAWL_CAPS = ("max_pages_per_source", "max_minutes_per_source")


def crawl_options(table: object, where: str, environ: dict[str, str]) -> CrawlOptions:
    """The `[crawl]` table (checked) with `STORYWATCH_REDACT` from the environment on top."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table, e.g. [crawl] with redact = true.")
    for key, value in table.items():
        expected = _CRAWL_TYPES.get(key)
        if expected is None:
            raise ConfigError(f"{where} has an unknown option {key!r}; use one of "
                              f"{', '.join(_CRAWL_TYPES)}.")
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ConfigError(f"{where}: {key} has the wrong type ({value!r}).")
        if key in _CRAWL_CAPS and value < 0:
            raise ConfigError(f"{where}: {key} = {value!r} must be 0 (no cap) or more.")
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
class ScaleOptions:
    engine: str = "local"
    address: str | None = None
    storage: str = "duckdb"
    path: str | None = None


SCALE_ENGINES = ("local", "ray")
SCALE_STORAGES = ("duckdb", "delta")


def scale_options(table: object, where: str, base: Path = Path("."),
                  engine: str | None = None, storage: str | None = None) -> ScaleOptions:
    """The `[scale]` table (checked), with `--engine` and `--storage` on top; a relative local
    `path` is read from `base` (the config file's folder)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table, e.g. [scale] with engine = \"ray\".")
    _check_keys(table, tuple(field.name for field in ScaleOptions.__dataclass_fields__.values()),
                where)
    for key, value in table.items():
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: {key} must be a non-empty string, not {value!r}.")
    options = ScaleOptions(**table)
    options = replace(options, engine=engine or options.engine, storage=storage or options.storage)
    if options.engine not in SCALE_ENGINES:
        raise ConfigError(f"{where}: unknown engine {options.engine!r}; use one of "
                          f"{', '.join(SCALE_ENGINES)}.")
    if options.storage not in SCALE_STORAGES:
        raise ConfigError(f"{where}: unknown storage {options.storage!r}; use one of "
                          f"{', '.join(SCALE_STORAGES)}.")
    if options.engine == "ray" and options.storage != "delta":
        raise ConfigError(f"{where}: engine \"ray\" writes to the lake: set storage = \"delta\" "
                          "too (or --storage delta).")
    if options.path and "://" not in options.path:
        options = replace(options, path=str(base / Path(options.path).expanduser()))
    return options


def with_scale(settings: Settings, engine: str | None = None,
               storage: str | None = None) -> Settings:
    """`settings` with the `--engine` / `--storage` flags applied over its `[scale]` table."""
    if engine is None and storage is None:
        return settings
    current = settings.scale
    table = {key: value for key, value in vars(current).items() if value is not None}
    return replace(settings, scale=scale_options(table, "[scale]", engine=engine, storage=storage))


def sql_readable_paths(table: object, where: str, base: Path = Path(".")) -> tuple[Path, ...]:
    """The `[sql]` table's `readable_paths`, each relative to `base` (the config file's folder)."""
    if not isinstance(table, dict) or set(table) - {"readable_paths"}:
        raise ConfigError(f"{where} takes one option, readable_paths = [\"folder\", ...].")
    paths = table.get("readable_paths", [])
    if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
        raise ConfigError(f"{where}: readable_paths must be a list of folder paths, not {paths!r}.")
    return tuple(base / Path(p).expanduser() for p in paths)


def alert_options(table: object, where: str, environ: dict[str, str]) -> AlertOptions:
    """The `[alerts]` table (checked), with the SMTP password read from the variable it names."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table, e.g. [alerts] with email_to = [...].")
    problem = alert_problem(table)
    if problem:
        raise ConfigError(f"{where}: {problem}")
    _check_keys(table, tuple(ALERT_KEYS), where)
    return build_alert_options(table, environ)


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
    sql_readable_paths: tuple[Path, ...] = ()
    alerts: AlertOptions = field(default_factory=AlertOptions)
    scale: ScaleOptions = field(default_factory=ScaleOptions)
    policy_changes: tuple[PolicyChange, ...] = ()


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


# What each part of storywatch.toml takes; anything else is a typo that would be ignored silently.
TOP_LEVEL_KEYS = ("taxonomy", "brand", "competitors", "sources", "crawl", "tagging", "sql",
                  "alerts", "scale", "policy_changes")
BRAND_KEYS = ("name",)
SOURCE_KEYS = ("brand", "format", "url")


def _check_keys(table: dict, valid: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{where} has an unknown option {key!r}{hint}; use one of "
                              f"{', '.join(valid)}.")


def _entries(data: dict, key: str, where: str) -> list:
    """An array of tables such as [[sources]]; a single [sources] table is a mistake."""
    entries = data.get(key, [])
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: write [[{key}]] (one per entry), not [{key}].")
    return entries


def _brand_name(entry: object, where: str) -> str:
    if isinstance(entry, dict):
        _check_keys(entry, BRAND_KEYS, where)
    name = entry.get("name") if isinstance(entry, dict) else entry
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where} needs a name, e.g. name = \"Northwind\".")
    return name.strip()


def _sources(entries: list, path: Path, brand: str | None,
             competitors: tuple[str, ...]) -> tuple[SourceConfig, ...]:
    sources = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: source #{number}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a [[sources]] table with brand and url.")
        _check_keys(entry, SOURCE_KEYS, where)
        missing = [key for key in ("brand", "url") if not entry.get(key)]
        if missing:
            raise ConfigError(f"{where} lacks {', '.join(missing)}.")
        if brand is not None and entry["brand"] not in (brand, *competitors):
            raise ConfigError(
                f"{where} is for brand {entry['brand']!r}, which is neither "
                "[brand] nor one of [[competitors]]."
            )
        sources.append(SourceConfig(
            brand=entry["brand"], format=entry.get("format") or "auto", url=entry["url"],
            is_competitor=entry["brand"] in competitors,
        ))
    return tuple(sources)


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
    _check_keys(data, TOP_LEVEL_KEYS, str(path))
    brand = _brand_name(data["brand"], f"{path}: [brand]") if "brand" in data else None
    competitors = tuple(_brand_name(entry, f"{path}: [[competitors]]")
                        for entry in _entries(data, "competitors", str(path)))
    sources = _sources(_entries(data, "sources", str(path)), path, brand, competitors)
    taxonomy = data.get("taxonomy")
    taxonomy_path = (path.parent / taxonomy) if taxonomy else None
    return Settings(
        workdir=Path(workdir), brand=brand, competitors=competitors, sources=sources,
        taxonomy=taxonomy_path, config_file=path,
        crawl=crawl_options(data.get("crawl", {}), f"{path}: [crawl]", environ),
        tagging=tagging_options(data.get("tagging", {}), f"{path}: [tagging]", environ,
                                path.parent),
        sql_readable_paths=sql_readable_paths(data.get("sql", {}), f"{path}: [sql]", path.parent),
        alerts=alert_options(data.get("alerts", {}), f"{path}: [alerts]", environ),
        scale=scale_options(data.get("scale", {}), f"{path}: [scale]", path.parent),
        policy_changes=policy_changes(_entries(data, "policy_changes", str(path)), str(path),
                                      taxonomy_path),
    )


def policy_changes(entries: list, where: str,
                   taxonomy: Path | None = None) -> tuple[PolicyChange, ...]:
    """The `[[policy_changes]]` entries, checked; each cause must be in the taxonomy."""
    if not entries:
        return ()
    from storywatch.nlp.taxonomy import load_taxonomy

    causes = {cause.id for cause in load_taxonomy(taxonomy).causes}
    changes = []
    for number, entry in enumerate(entries, start=1):
        at = f"{where}: policy change #{number}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{at} must be a [[policy_changes]] table with date and cause.")
        _check_keys(entry, POLICY_CHANGE_KEYS, at)
        change = policy_change(entry, causes)
        if isinstance(change, str):
            raise ConfigError(f"{at}: {change}.")
        changes.append(change)
    return tuple(sorted(changes, key=lambda change: change.day))


def render_config(brand: str, competitors: list[str], sources: list[SourceConfig],
                  policy_changes: list[dict[str, str]] = ()) -> str:
    """A storywatch.toml for these brands, sources and policy changes (used by the demo)."""
    lines = ["# storywatch configuration: our brand, competitors, and where their stories are.",
             "", "[brand]", f'name = "{brand}"', ""]
    for name in competitors:
        lines += ["[[competitors]]", f'name = "{name}"', ""]
    for source in sources:
        lines += ["[[sources]]", f'brand = "{source.brand}"', f'format = "{source.format}"',
                  f'url = "{source.url}"', ""]
    for change in policy_changes:
        lines += ["[[policy_changes]]", f'date = "{change["date"]}"',
                  f'cause = "{change["cause"]}"', f'note = "{change["note"]}"', ""]
    return "\n".join(lines)
