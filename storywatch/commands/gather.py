"""Gathering stories: crawl sources, load landing files, tag stories, or all three with `run`."""
from __future__ import annotations

from pathlib import Path

import click

from storywatch import pipeline
from storywatch.commands.options import (
    config_option,
    settings_from,
    translate_errors,
    workdir_option,
)


def _echo_crawl(results: list) -> None:
    for result in results:
        source = result.source
        line = f"{source.brand:<12} {source.format:<11} {result.stories:>5} stories"
        if result.errors:
            reasons = ", ".join(f"{k}: {v}" for k, v in sorted(result.error_reasons.items()))
            line += f", {result.errors} errors ({reasons})"
        click.echo(line)
    click.echo(f"Crawled {sum(r.stories for r in results)} stories from {len(results)} sources.")


def _echo_load(report) -> None:
    click.echo(
        f"Loaded {report.files} landing files: {report.inserted} new stories, "
        f"{report.updated} updated, {report.unchanged} unchanged, {report.skipped} skipped."
    )
    for reason, count in sorted(report.skip_reasons.items()):
        click.echo(f"  skipped {count}: {reason}")


def _echo_tag(report) -> None:
    click.echo(
        f"Tagged {report.stories} stories with {report.model_version} "
        f"in {report.seconds:.1f}s ({report.stories_per_second:.0f} stories/s)."
    )


@click.command()
@workdir_option
@config_option
@click.option("--max-pages", type=int, default=None, help="Stop each source after N pages.")
@translate_errors
def crawl(workdir: Path, config: Path | None, max_pages: int | None) -> None:
    """Crawl every source in storywatch.toml into landing files, then load them.

    Example:

        storywatch crawl --workdir storywatch-data
    """
    settings = settings_from(workdir, config)
    _echo_crawl(pipeline.crawl(settings, max_pages=max_pages))
    _echo_load(pipeline.load(settings))


@click.command()
@workdir_option
@config_option
@translate_errors
def load(workdir: Path, config: Path | None) -> None:
    """Load new landing files into the warehouse (loading twice changes nothing).

    Example:

        storywatch load --workdir storywatch-data
    """
    _echo_load(pipeline.load(settings_from(workdir, config)))


@click.command()
@workdir_option
@config_option
@click.option("--progress/--no-progress", default=True, show_default=True)
@translate_errors
def tag(workdir: Path, config: Path | None, progress: bool) -> None:
    """Tag sentiment and policy causes of stories the current model has not tagged yet.

    Example:

        storywatch tag --workdir storywatch-data
    """
    _echo_tag(pipeline.tag(settings_from(workdir, config), progress=progress))


@click.command()
@workdir_option
@config_option
@click.option("--max-pages", type=int, default=None, help="Stop each source after N pages.")
@click.option("--progress/--no-progress", default=True, show_default=True)
@translate_errors
def run(workdir: Path, config: Path | None, max_pages: int | None, progress: bool) -> None:
    """Crawl, load and tag in one go: the daily job.

    Example:

        storywatch run --workdir storywatch-data
    """
    settings = settings_from(workdir, config)
    _echo_crawl(pipeline.crawl(settings, max_pages=max_pages))
    _echo_load(pipeline.load(settings))
    _echo_tag(pipeline.tag(settings, progress=progress))


@click.command()
@workdir_option
@translate_errors
def sources(workdir: Path) -> None:
    """List each source with its last crawl time, stories found and errors.

    Example:

        storywatch sources --workdir storywatch-data
    """
    from warehouse import connect_read_only
    from warehouse.crawl_log import sources_status

    con = connect_read_only(workdir)
    try:
        rows = sources_status(con)
    finally:
        con.close()
    if not rows:
        click.echo("No crawls yet: run `storywatch crawl`.")
        return
    click.echo(f"{'brand':<12} {'source':<11} {'last crawl':<20} {'found':>6} {'errors':>6} "
               f"{'stored':>7}  url")
    for source, brand, url, finished, found, errors, stored in rows:
        when = finished.strftime("%Y-%m-%d %H:%M") if finished else "-"
        click.echo(f"{brand:<12} {source:<11} {when:<20} {found:>6} {errors:>6} {stored:>7}  {url}")


COMMANDS = [crawl, load, tag, run, sources]
