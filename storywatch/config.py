"""Configuration: `storywatch.toml` (brands, competitors, sources, taxonomy) read once at the edge.

Order of precedence: the TOML file, then CLI flags. The result is a plain `Settings` value passed
down as arguments; nothing deeper reads files or environment variables for configuration.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

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
class Settings:
    workdir: Path
    brand: str | None = None
    competitors: tuple[str, ...] = ()
    sources: tuple[SourceConfig, ...] = field(default_factory=tuple)
    taxonomy: Path | None = None
    config_file: Path | None = None


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


def load_settings(workdir: Path, config: Path | None = None) -> Settings:
    """Read the config file (if any) into Settings for this workdir."""
    path = find_config(workdir, config)
    if path is None:
        return Settings(workdir=Path(workdir))
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
        missing = [key for key in ("brand", "format", "url") if not entry.get(key)]
        if missing:
            raise ConfigError(f"{path}: source #{number} lacks {', '.join(missing)}.")
        if brand is not None and entry["brand"] not in (brand, *competitors):
            raise ConfigError(
                f"{path}: source #{number} is for brand {entry['brand']!r}, which is neither "
                "[brand] nor one of [[competitors]]."
            )
        sources.append(SourceConfig(
            brand=entry["brand"], format=entry["format"], url=entry["url"],
            is_competitor=entry["brand"] in competitors,
        ))
    taxonomy = data.get("taxonomy")
    taxonomy_path = (path.parent / taxonomy) if taxonomy else None
    return Settings(
        workdir=Path(workdir), brand=brand, competitors=competitors, sources=tuple(sources),
        taxonomy=taxonomy_path, config_file=path,
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
