"""The crawl child process: runs one spec's spiders in one Scrapy process and writes the results.

`storywatch.crawler.run.start_crawl()` starts `python -m storywatch.crawler.child SPEC.json`; the spec names the sources,
the landing folder, the options and where the results go (one JSON row per source, read back into
`storywatch.crawler.run.SourceResult`). With `stop_with_parent` in the spec, the process exits the moment its
parent is gone (see `stop_with_parent()`).
"""
from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from storywatch.crawler.pipelines import DROP_STAT, LANDING_FILE_STAT, WRITTEN_STAT
from storywatch.crawler.spiders.auto import DETECTED_STAT, UNKNOWN_STAT
from storywatch.crawler.spiders.base import CAP_STAT, ERROR_STAT
from storywatch.crawler.spiders.schema_org import EXTRACTOR_STAT

_STAT_REASONS = {"robotstxt/forbidden": "robots_forbidden"}
_NOT_ERRORS = {DROP_STAT + "duplicate"}
PARENT_GONE_EXIT = 3


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
    from storywatch.crawler.items import to_utc_iso

    return to_utc_iso(value) if value else ""


def _item_error_counter(crawler: Any) -> Any:
    def count(failure: Any, **kwargs: Any) -> None:
        crawler.stats.inc_value(f"{ERROR_STAT}item_error/{failure.type.__name__}")

    return count


def _cap_reached(stats: dict[str, Any], timeout_seconds: float) -> str | None:
    if stats.get("finish_reason") == "closespider_timeout":
        return f"max_minutes_per_source = {timeout_seconds / 60:g}"
    return stats.get(CAP_STAT)


def stop_with_parent() -> None:
    """Exit the moment the parent is gone, however it went (SIGTERM, SIGKILL, a crash).

    The parent holds the write end of our stdin pipe and never writes; the kernel closes it when
    the parent dies, so reading stdin returns (EOF) exactly then. This is portable and has no
    start-up race, unlike Linux's prctl(PR_SET_PDEATHSIG), which also fires when the *thread*
    that started us ends (a crawl started from a worker thread would die with that thread). The
    exit is immediate: what was landed so far stays in the `.part` file, whose complete lines
    the next `storywatch crawl` or `run` salvages.
    """
    def watch() -> None:
        # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader holds its
        # lock, and Python aborts at exit when it cannot take that lock
        while os.read(stdin, 65536):
            pass
        print("crawl stopped: its parent process is gone", file=sys.stderr, flush=True)
        os._exit(PARENT_GONE_EXIT)

    stdin = sys.stdin.fileno()
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run_child(spec: dict[str, Any]) -> None:
    """Crawl the spec's sources (blocking) and write one result row per source."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("storywatch.crawler.settings", priority="project")
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
            "cap_reached": _cap_reached(stats, crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")),
            "extractors": {key[len(EXTRACTOR_STAT):]: value for key, value in stats.items()
                           if key.startswith(EXTRACTOR_STAT)},
        })
    Path(spec["result_path"]).write_text(json.dumps(results), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m storywatch.crawler.child SPEC.json (written by crawler.run.start_crawl())")
    child_spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    if child_spec.get("stop_with_parent"):
        stop_with_parent()
    run_child(child_spec)
