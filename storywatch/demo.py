"""The demo: a local demo site is crawled, loaded, tagged, exported, then shown in the dashboard.

Everything runs on this machine: the demo site listens on 127.0.0.1 at a free port and serves
the embedded stories in the formats real review sites and complaint APIs use.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from storywatch import pipeline
from storywatch.config import (
    CONFIG_NAME,
    SourceConfig,
    load_settings,
    render_config,
    with_scale,
)
from storywatch.warehouse.loader import LoadReport

OUR_BRAND = "Northwind"
COMPETITORS = ("Brightmart", "HomeHaven")


@dataclass
class DemoResult:
    workdir: Path
    database: Path
    stories_crawled: int
    load: LoadReport
    tag: pipeline.TagReport
    exports: list[Path] = field(default_factory=list)
    lake: str | None = None  # where the Delta tables are, with storage "delta"


def _write_config(workdir: Path, base_sources: list, policy_changes: list) -> Path:
    sources = [
        SourceConfig(brand=s.brand, format=s.format, url=s.url, is_competitor=s.is_competitor)
        for s in base_sources
    ]
    path = workdir / CONFIG_NAME
    path.write_text(render_config(OUR_BRAND, list(COMPETITORS), sources, policy_changes),
                    encoding="utf-8")
    return path


def _store_alerts(settings) -> int:
    """Judge the last complete week as `storywatch alerts` does and store what departs (the
    demo configures no delivery, so nothing is sent)."""
    from storywatch.nlp.cause_names import cause_labels
    from storywatch.warehouse import reading, writing
    from storywatch.warehouse.alert_store import save_alerts
    from storywatch.warehouse.alerts import AlertRules, find_alerts

    options = settings.alerts
    rules = AlertRules.from_options(options)
    with reading(settings.workdir) as con:
        judgement = find_alerts(con, rules, dict(cause_labels()))
    with writing(settings.workdir) as con:
        save_alerts(con, judgement.alerts)
    return len(judgement.alerts)


def run_demo(
    workdir: Path, *, export_formats: tuple[str, ...] = ("html", "pdf", "xlsx", "csv"),
    progress: bool = False, echo: Callable[[str], None] = print, tagger=None,
    engine: str | None = None, storage: str | None = None,
) -> DemoResult:
    """Crawl the demo site into `workdir`, load, tag and export; return what was made.

    `engine` ("local" or "ray") and `storage` ("duckdb" or "delta") override `[scale]`
    (docs/scale.md); the defaults are today's single-machine flow.
    """
    from storywatch.demo_site.site import DemoSite
    from storywatch.reports.export import export_report
    from storywatch.warehouse import database_path, reading

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    # Dated for today, so the demo's recent weeks are the weeks alerts and the dashboard judge.
    site = DemoSite(today=datetime.now(UTC).date())
    base_url = site.start()
    try:
        echo(f"Demo site serving on {base_url}")
        config = _write_config(workdir, site.sources(), site.policy_changes())
        settings = with_scale(load_settings(workdir, config), engine, storage)
        steps = pipeline.steps_for(settings)
        results = steps.crawl(settings)
    finally:
        site.stop()
    crawled = sum(result.stories for result in results)
    echo(f"Crawled {crawled} stories from {len(results)} sources.")
    loaded = steps.load(settings)
    echo(f"Loaded {loaded.inserted} new stories ({loaded.unchanged} already there).")
    tagged = steps.tag(settings, progress=progress, tagger=tagger)
    echo(f"Tagged {tagged.stories} stories ({tagged.stories_per_second:.0f} stories/s).")
    if steps is pipeline:  # alerts are stored in the DuckDB warehouse only (docs/scale.md)
        found = _store_alerts(settings)
        echo(f"Alerts: {found} stored (the Alerts page and the report show them; "
             "`storywatch alerts` sends them once [alerts] names an e-mail or webhook).")
    exports: list[Path] = []
    if export_formats:
        with reading(workdir) as con:
            exports = export_report(con, workdir / "exports", list(export_formats), brand=OUR_BRAND,
                                    policy_changes=settings.policy_changes)
    lake = steps.lake.path if steps is not pipeline else None
    return DemoResult(workdir, database_path(workdir), crawled, loaded, tagged, exports, lake)
