"""Run spiders for configured sources and report what each landed: the crawler's Python API.

`crawl(sources, landing_dir, **options)` runs every source's spider in one Scrapy process and
returns one `SourceResult` per source (stories landed, pages, errors by reason, landing file, times,
the detected format of an `auto` source); its options (page limit, throttling, log file, redaction,
known story keys, more Scrapy settings) are the fields of `CrawlOptions`. Twisted's reactor cannot
be restarted inside a process, so the crawl runs in a child process (`python -m storywatch.crawler.child
SPEC.json`, started by `start_crawl()`) that writes its results to a JSON file read back here;
`crawl()` can therefore be called any number of times from one program. Known story keys (for
incremental re-crawls) travel in a file too. The child stops as soon as its parent is gone (even
after `kill -9`): it watches the pipe on its standard input, which only the parent holds open.

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

from storywatch.errors import StorywatchError

FORMATS = ("schema_org", "trustpilot", "appstore", "cfpb", "reddit", "feed", "yelp",
           "google_play", "discourse", "tripadvisor", "fallback", "auto")


class CrawlError(StorywatchError, RuntimeError):
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
    """What one source's crawl landed (`detected_format`/`note`: for `auto` sources).

    `cap_reached` names the cap that stopped it (e.g. `max_pages_per_source = 200`);
    `extractors` the stories each extractor of an HTML page found (`{"json-ld": 8, "fallback": 0}`).
    """

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
    cap_reached: str | None = None
    extractors: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """The source gave nothing usable: no story landed and errors were counted. (A source
        whose stories are all stored already still lands them, so it has not failed.)"""
        return self.stories == 0 and self.errors > 0


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
    """Start the crawl child process; it writes its results to `scratch/result.json` and its
    output to `scratch/output.txt`.

    `crawl()` starts it and waits; start it yourself to watch or stop a crawl while it runs. The
    child stops at once when its standard input closes: when this process ends, however it ends,
    or on `child.stdin.close()` (so wait with `child.wait()`: `communicate()` closes it).
    """
    keys_path, spec_path = scratch / "known_keys.json", scratch / "spec.json"
    keys_path.write_text(json.dumps(sorted(set(options.known_keys))), encoding="utf-8")
    spec = {"sources": [asdict(s) for s in sources], "landing_dir": str(landing_dir),
            "max_pages": options.max_pages, "throttle": options.throttle,
            "result_path": str(scratch / "result.json"),
            "log_file": str(options.log_file) if options.log_file else None,
            "redact": options.redact, "known_keys_file": str(keys_path),
            "settings": options.settings or {}, "stop_with_parent": True}
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    env = dict(os.environ)
    # Output goes to a file, not a pipe: nothing has to drain it while the crawl runs.
    with (scratch / "output.txt").open("wb") as output:
        return subprocess.Popen([sys.executable, "-m", "storywatch.crawler.child", str(spec_path)], env=env,
                                stdin=subprocess.PIPE, stdout=output, stderr=subprocess.STDOUT)


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
        try:
            child.wait()
        finally:
            _stop(child)  # interrupted (Ctrl-C, SystemExit): the crawl stops with us
        if child.returncode != 0 or not result_path.exists():
            output = (Path(scratch) / "output.txt").read_text(encoding="utf-8", errors="replace")
            tail = "\n".join(output.strip().splitlines()[-15:])
            raise CrawlError(f"the crawl process failed (exit code {child.returncode}); "
                             f"check the sources and the log. Last output:\n{tail}")
        rows = json.loads(result_path.read_text(encoding="utf-8"))
    return [SourceResult(source=Source(**row.pop("source")), **row) for row in rows]


def _stop(child: subprocess.Popen) -> None:
    if child.stdin is not None:
        child.stdin.close()
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
