"""Run spiders for configured sources and report what each landed: the crawler's Python API.

`crawl(sources, landing_dir, **options)` runs every source's spider in one Scrapy process and
returns one `SourceResult` per source (stories landed, pages, errors by reason, landing file, times,
the detected format of an `auto` source); its options (page limit, throttling, log file, redaction,
known story keys, more Scrapy settings) are the fields of `CrawlOptions`. Twisted's reactor cannot
be restarted inside a process, so the crawl runs in a child process (`python -m crawler.run
SPEC.json`, started by `start_crawl()`) that writes its results to a JSON file read back here;
`crawl()` can therefore be called any number of times from one program. Known story keys (for
incremental re-crawls) travel in a file too.

Example:
    >>> results = crawl([Source("Northwind", False, "schema_org", "http://127.0.0.1:8000/r/")],
    ...                 Path("landing"))  # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crawler.pipelines import DROP_STAT, LANDING_FILE_STAT, WRITTEN_STAT
from crawler.spiders.auto import DETECTED_STAT, UNKNOWN_STAT
from crawler.spiders.base import ERROR_STAT

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("schema_org", "trustpilot", "appstore", "cfpb", "reddit", "feed", "auto")
_STAT_REASONS = {"robotstxt/forbidden": "robots_forbidden"}
_NOT_ERRORS = {DROP_STAT + "duplicate"}


class CrawlError(RuntimeError):
    """The crawl could not run (bad source configuration, or the crawl process failed)."""


@dataclass
class Source:
    """One place to read stories from: a brand's page or feed in one format (= spider name)."""

    brand: str
    is_competitor: bool
    format: str
    url: str


@dataclass
class SourceResult:
    """What one source's crawl landed (`detected_format`/`note`: for `auto` sources)."""

    source: Source
    stories: int
    errors: int
    landing_file: str | None
    started_at: str
    finished_at: str
    error_reasons: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    seconds: float = 0.0
    detected_format: str | None = None
    note: str | None = None


def check_sources(sources: list[Source]) -> None:
    """Raise CrawlError for a source with an unknown format, a non-http url or no brand."""
    for source in sources:
        if source.format not in FORMATS:
            raise CrawlError(f"unknown source format {source.format!r} for {source.url}; "
                             f"use one of: {', '.join(FORMATS)}")
        if not source.url.startswith(("http://", "https://")) or not source.brand:
            raise CrawlError(f"the {source.format} source {source.url!r} needs an http(s) url "
                             "and a brand; fix the source configuration")


@dataclass(frozen=True)
class CrawlOptions:
    """How a crawl runs; `crawl()` takes these fields as keyword arguments.

    Attributes:
        max_pages: stop each source after this many pages (None: follow all pages).
        throttle: AutoThrottle on (polite); turn off only for local test servers.
        log_file: where the Scrapy log goes (None: kept only for error messages).
        redact: replace e-mail addresses and phone numbers in story text before landing.
        known_keys: story keys already stored; a source stops paging at a page holding only these.
        settings: more Scrapy settings (e.g. `{"STORYWATCH_BACKOFF_RETRIES": 1}`).
    """

    max_pages: int | None = None
    throttle: bool = True
    log_file: Path | None = None
    redact: bool = True
    known_keys: Iterable[str] = ()
    settings: dict[str, Any] | None = None


def start_crawl(
    sources: list[Source], landing_dir: Path, scratch: Path, options: CrawlOptions = CrawlOptions()
) -> subprocess.Popen:
    """Start the crawl child process; it writes its results to `scratch/result.json`.

    `crawl()` starts it and waits; start it yourself to watch or stop a crawl while it runs.
    """
    keys_path, spec_path = scratch / "known_keys.json", scratch / "spec.json"
    keys_path.write_text(json.dumps(sorted(set(options.known_keys))), encoding="utf-8")
    spec = {"sources": [asdict(s) for s in sources], "landing_dir": str(landing_dir),
            "max_pages": options.max_pages, "throttle": options.throttle,
            "result_path": str(scratch / "result.json"),
            "log_file": str(options.log_file) if options.log_file else None,
            "redact": options.redact, "known_keys_file": str(keys_path),
            "settings": options.settings or {}}
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    env = dict(os.environ)
    paths = (str(PROJECT_ROOT), env.get("PYTHONPATH"))
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return subprocess.Popen([sys.executable, "-m", "crawler.run", str(spec_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def crawl(sources: list[Source], landing_dir: Path, **options: Any) -> list[SourceResult]:
    """Crawl every source into landing files under `landing_dir`; one result per source.

    Args:
        sources: the sources to read; `format` names the spider (see FORMATS; `auto` detects it).
        landing_dir: folder for `<UTC timestamp>-<source>-<run id>.jsonl` files (created).
        **options: the fields of `CrawlOptions`: `max_pages`, `throttle`, `log_file`, `redact`,
            `known_keys`, `settings` (e.g. `throttle=False` for a local test server).

    Raises:
        TypeError: an option that `CrawlOptions` does not have.
        CrawlError: a source names an unknown format, or the crawl process failed.
    """
    chosen = CrawlOptions(**options)
    check_sources(sources)
    if not sources:
        return []
    landing_dir = Path(landing_dir)
    try:
        landing_dir.mkdir(parents=True, exist_ok=True)
        if chosen.log_file is not None:
            Path(chosen.log_file).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CrawlError(f"cannot create the landing or log folder for {landing_dir} ({error}); "
                         "choose a writable --workdir") from None
    with tempfile.TemporaryDirectory(prefix="storywatch-crawl-") as scratch:
        result_path = Path(scratch) / "result.json"
        child = start_crawl(sources, landing_dir, Path(scratch), chosen)
        stdout, stderr = child.communicate()
        if child.returncode != 0 or not result_path.exists():
            tail = "\n".join((stderr or stdout or "").strip().splitlines()[-15:])
            raise CrawlError(f"the crawl process failed (exit code {child.returncode}); "
                             f"check the sources and the log. Last output:\n{tail}")
        rows = json.loads(result_path.read_text(encoding="utf-8"))
    return [SourceResult(source=Source(**row.pop("source")), **row) for row in rows]


def error_reasons(stats: dict[str, Any]) -> dict[str, int]:
    """Error counts by reason from a crawler's stats."""
    reasons: dict[str, int] = {}
    for key, value in stats.items():
        if key in _NOT_ERRORS or not isinstance(value, int):
            continue
        if key.startswith(ERROR_STAT):
            reasons[key[len(ERROR_STAT):]] = value
        elif key.startswith(DROP_STAT):
            reasons["dropped/" + key[len(DROP_STAT):]] = value
        elif key.startswith("spider_exceptions/") and key.count("/") == 1:
            reasons["exception/" + key.split("/", 1)[1]] = value
        elif key in _STAT_REASONS:
            reasons[_STAT_REASONS[key]] = value
    return reasons


def _iso(value: Any) -> str:
    from crawler.items import to_utc_iso

    return to_utc_iso(value) if value else ""


def _item_error_counter(crawler: Any) -> Any:
    def count(failure: Any, **kwargs: Any) -> None:
        crawler.stats.inc_value(f"{ERROR_STAT}item_error/{failure.type.__name__}")

    return count


def _run_child(spec: dict[str, Any]) -> None:
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("STORYWATCH_LANDING_DIR", spec["landing_dir"], priority="cmdline")
    settings.set("STORYWATCH_REDACT", spec["redact"], priority="cmdline")
    settings.set("STORYWATCH_KNOWN_KEYS_FILE", spec["known_keys_file"], priority="cmdline")
    for name, value in spec["settings"].items():
        settings.set(name, value, priority="cmdline")
    if not spec["throttle"]:
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    if spec["log_file"]:
        settings.set("LOG_FILE", spec["log_file"], priority="cmdline")
    process = CrawlerProcess(settings)
    runs = []
    for row in spec["sources"]:
        crawler = process.create_crawler(row["format"])
        crawler.signals.connect(_item_error_counter(crawler), signal=signals.item_error)
        process.crawl(crawler, url=row["url"], brand=row["brand"],
                      is_competitor=row["is_competitor"], max_pages=spec["max_pages"])
        runs.append((row, crawler))
    process.start()
    results = []
    for row, crawler in runs:
        stats = crawler.stats.get_stats()
        reasons = error_reasons(stats)
        results.append({
            "source": row, "stories": stats.get(WRITTEN_STAT, 0), "errors": sum(reasons.values()),
            "landing_file": stats.get(LANDING_FILE_STAT), "error_reasons": reasons,
            "started_at": _iso(stats.get("start_time")),
            "finished_at": _iso(stats.get("finish_time")),
            "pages": (stats.get("response_received_count", 0)
                      - stats.get("robotstxt/response_count", 0)),
            "seconds": stats.get("elapsed_time_seconds", 0.0),
            "detected_format": stats.get(DETECTED_STAT), "note": stats.get(UNKNOWN_STAT),
        })
    Path(spec["result_path"]).write_text(json.dumps(results), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m crawler.run SPEC.json (written by crawler.run.crawl())")
    _run_child(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
