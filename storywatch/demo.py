"""The demo: a local demo site is crawled, loaded, tagged, exported, then shown in the dashboard.

Everything runs on this machine: the demo site listens on 127.0.0.1 at a free port and serves
the embedded stories in the formats real review sites and complaint APIs use.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from storywatch import pipeline
from storywatch.config import CONFIG_NAME, SourceConfig, load_settings, render_config
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


def _write_config(workdir: Path, base_sources: list) -> Path:
    sources = [
        SourceConfig(brand=s.brand, format=s.format, url=s.url, is_competitor=s.is_competitor)
        for s in base_sources
    ]
    path = workdir / CONFIG_NAME
    path.write_text(render_config(OUR_BRAND, list(COMPETITORS), sources), encoding="utf-8")
    return path


def run_demo(
    workdir: Path, *, export_formats: tuple[str, ...] = ("html", "pdf", "xlsx", "csv"),
    progress: bool = False, echo: Callable[[str], None] = print, tagger=None,
) -> DemoResult:
    """Crawl the demo site into `workdir`, load, tag and export; return what was made."""
    from storywatch.crawler.demo_site import DemoSite
    from storywatch.warehouse import database_path, reading
    from storywatch.reports.export import export_report

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    site = DemoSite()
    base_url = site.start()
    try:
        echo(f"Demo site serving on {base_url}")
        config = _write_config(workdir, site.sources())
        settings = load_settings(workdir, config)
        results = pipeline.crawl(settings)
    finally:
        site.stop()
    crawled = sum(result.stories for result in results)
    echo(f"Crawled {crawled} stories from {len(results)} sources.")
    loaded = pipeline.load(settings)
    echo(f"Loaded {loaded.inserted} new stories ({loaded.unchanged} already there).")
    tagged = pipeline.tag(settings, progress=progress, tagger=tagger)
    echo(f"Tagged {tagged.stories} stories ({tagged.stories_per_second:.0f} stories/s).")
    exports: list[Path] = []
    if export_formats:
        with reading(workdir) as con:
            exports = export_report(con, workdir / "exports", list(export_formats), brand=OUR_BRAND)
    return DemoResult(workdir, database_path(workdir), crawled, loaded, tagged, exports)
