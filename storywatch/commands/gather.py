"""Gathering stories: crawl sources, load landing files, tag stories, or all three with `run`."""
from __future__ import annotations

from pathlib import Path

import click

from storywatch import pipeline
from storywatch.commands.options import (
    config_option,
    translate_errors,
    workdir_option,
)
from storywatch.config import load_settings


def _echo_crawl(results: list) -> None:
    for result in results:
        source = result.source
        fmt = result.detected_format or source.format
        line = f"{source.brand:<12} {fmt:<11} {result.stories:>5} stories"
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
    if not report.stories and not report.replies:
        click.echo(f"Nothing to tag: every story is tagged by {report.model_version} and every "
                   "company reply classified.")
        return
    click.echo(
        f"Tagged {report.stories} stories with {report.model_version} "
        f"in {report.seconds:.1f}s ({report.stories_per_second:.0f} stories/s): "
        f"{report.embedded} embedded, {report.from_cache} from the vector cache; "
        f"{report.replies} company replies classified."
    )


def _echo_url_crawl(results: list) -> None:
    (result,) = results
    url = result.source.url
    if result.stories:
        click.echo(f"Found {result.stories} stories at {url} "
                   f"(format: {result.detected_format or result.source.format}).")
        return
    reasons = ", ".join(f"{k}: {v}" for k, v in sorted(result.error_reasons.items()))
    why = result.note or (f"the crawl reported {reasons}" if reasons else
                          "the pages held no stories that were not stored already")
    click.echo(f"Found no stories at {url}: {why}.")


@click.command()
@workdir_option
@config_option
@click.option("--max-pages", type=int, default=None, help="Stop each source after N pages.")
@click.option("--url", default=None, help="Crawl only this URL; its format is detected.")
@click.option("--brand", default=None, help="Brand the --url stories are about.")
@click.option("--competitor", is_flag=True, help="The --url brand is a competitor.")
@translate_errors
def crawl(workdir: Path, config: Path | None, max_pages: int | None, url: str | None,
          brand: str | None, competitor: bool) -> None:
    """Crawl every source in storywatch.toml (or one --url) into landing files, then load them.

    With --url, the page's format (RSS/Atom feed, App Store, CFPB or Reddit JSON,
    __NEXT_DATA__, schema.org JSON-LD, microdata or RDFa) is detected from the page itself.

    Example:

    \b
        storywatch crawl --workdir storywatch-data

        storywatch crawl --url https://www.example.com/reviews --brand Northwind --max-pages 3
    """
    settings = load_settings(workdir, config)
    if url is None:
        if brand is not None or competitor:
            raise click.UsageError("--brand and --competitor go with --url URL.")
        _echo_crawl(pipeline.crawl(settings, max_pages=max_pages))
    else:
        if not brand:
            raise click.UsageError("--url needs --brand NAME: the brand the stories are about.")
        _echo_url_crawl(pipeline.crawl_url(settings, url, brand, is_competitor=competitor,
                                           max_pages=max_pages))
    _echo_load(pipeline.load(settings))


@click.command()
@workdir_option
@config_option
@translate_errors
def load(workdir: Path, config: Path | None) -> None:
    """Load new landing files into the warehouse (loading twice changes nothing).

    Example:

    \b
        storywatch load --workdir storywatch-data
    """
    _echo_load(pipeline.load(load_settings(workdir, config)))


@click.command()
@workdir_option
@config_option
@click.option("--progress/--no-progress", default=True, show_default=True)
@translate_errors
def tag(workdir: Path, config: Path | None, progress: bool) -> None:
    """Tag sentiment and policy causes of stories the current model has not tagged yet.

    Example:

    \b
        storywatch tag --workdir storywatch-data
    """
    _echo_tag(pipeline.tag(load_settings(workdir, config), progress=progress))


@click.command()
@workdir_option
@config_option
@click.option("--max-pages", type=int, default=None, help="Stop each source after N pages.")
@click.option("--progress/--no-progress", default=True, show_default=True)
@translate_errors
def run(workdir: Path, config: Path | None, max_pages: int | None, progress: bool) -> None:
    """Crawl, load and tag in one go: the daily job.

    Example:

    \b
        storywatch run --workdir storywatch-data
    """
    settings = load_settings(workdir, config)
    _echo_crawl(pipeline.crawl(settings, max_pages=max_pages))
    _echo_load(pipeline.load(settings))
    _echo_tag(pipeline.tag(settings, progress=progress))


@click.command()
@workdir_option
@translate_errors
def sources(workdir: Path) -> None:
    """List each source with its last crawl time, stories found and errors.

    Example:

    \b
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
    for source, brand, url, finished, found, errors, stored, reasons in rows:
        when = finished.strftime("%Y-%m-%d %H:%M") if finished else "-"
        click.echo(f"{brand:<12} {source:<11} {when:<20} {found:>6} {errors:>6} {stored:>7}  {url}")
        if reasons:
            click.echo("    errors: " + ", ".join(f"{k}: {v}" for k, v in sorted(reasons.items())))


COMMANDS = [crawl, load, tag, run, sources]
