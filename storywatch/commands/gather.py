"""Gathering stories: crawl sources, load landing files, tag stories, or all three with `run`.

`crawl` and `run` exit with status 1 when every source they crawled failed (see
`storywatch.crawler.run.SourceResult.failed`), naming each source and its errors, so a cron `&&` chain
stops; when only some failed they say which and exit 0.
"""
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
from storywatch.crawler.landing import salvage_interrupted
from storywatch.run_lock import one_at_a_time


def _reasons(result) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(result.error_reasons.items()))


def _failure(result) -> str:
    fmt = result.detected_format or result.source.format
    return f"{result.source.brand} {fmt} {result.source.url} ({_reasons(result)})"


def _cap_note(result) -> str:
    if not result.cap_reached:
        return ""
    return f"; cap reached ({result.cap_reached}), later pages not crawled"


def _echo_crawl(results: list) -> None:
    for result in results:
        source = result.source
        fmt = result.detected_format or source.format
        line = f"{source.brand:<12} {fmt:<11} {result.stories:>5} stories"
        if result.errors:
            line += f", {result.errors} errors ({_reasons(result)})"
        line += _cap_note(result) + ("  FAILED" if result.failed else "")
        click.echo(line)
    summary = f"Crawled {sum(r.stories for r in results)} stories from {len(results)} sources."
    failed = [r for r in results if r.failed]
    if failed and len(failed) < len(results):
        summary += f" {len(failed)} failed: " + "; ".join(map(_failure, failed)) + "."
    click.echo(summary)


def _fail_when_every_source_failed(results: list) -> None:
    """Exit 1 (one line naming each source and its errors) when no source gave anything."""
    if not results or not all(r.failed for r in results):
        return
    which = "the source" if len(results) == 1 else f"all {len(results)} sources"
    raise click.ClickException(
        f"{which} failed: " + "; ".join(map(_failure, results)) + ". Check the URL and format "
        "(docs/crawling.md lists what each error means); `storywatch sources` keeps the history.")


def _salvage(settings) -> None:
    from storywatch.warehouse.loader import LANDING_DIR

    found = salvage_interrupted(Path(settings.workdir) / LANDING_DIR)
    if found.crawls:
        crawls = "crawl" if found.crawls == 1 else "crawls"
        half = f", {found.half_lines} half-written lines dropped" if found.half_lines else ""
        click.echo(f"Salvaged {found.stories} stories from {found.crawls} interrupted "
                   f"{crawls}{half}.")


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


_PAGE_EXTRACTORS = ("json-ld", "microdata", "rdfa", "fallback")


def _by_extractor(result) -> str:
    """`json-ld 8, microdata 0, rdfa 0, fallback 0`: what each extractor of an HTML page found
    (the four page-wide ones together whenever one of them ran)."""
    found = result.extractors
    shown = sorted(found)
    if set(found) & set(_PAGE_EXTRACTORS):
        shown = [*_PAGE_EXTRACTORS, *sorted(set(found) - set(_PAGE_EXTRACTORS))]
    return ", ".join(f"{name} {found.get(name, 0)}" for name in shown)


def _echo_url_crawl(results: list) -> None:
    (result,) = results
    url = result.source.url
    fmt = result.detected_format or result.source.format
    if result.stories:
        counts = f"; {_by_extractor(result)}" if result.extractors else ""
        stories = "story" if result.stories == 1 else "stories"
        click.echo(f"Found {result.stories} {stories} at {url} "
                   f"(format: {fmt}{counts}){_cap_note(result)}.")
        if fmt == "fallback":
            click.echo("The page has no structured data: its stories were read from repeated "
                       "review-like blocks (marked extractor: fallback); check a few of them.")
        return
    reasons = _reasons(result)
    if result.note or reasons:
        why = result.note or f"the crawl reported {reasons}"
    elif result.detected_format:
        counts = f" ({_by_extractor(result)})" if result.extractors else ""
        why = f"the page is in the {fmt} format{counts}, but holds no stories"
    else:
        why = "the pages held no stories that were not stored already"
    click.echo(f"Found no stories at {url}: {why}.")


@click.command()
@workdir_option
@config_option
@click.option("--max-pages", type=int, default=None, help="Stop each source after N pages.")
@click.option("--url", default=None, help="Crawl only this URL; its format is detected.")
@click.option("--brand", default=None, help="Brand the --url stories are about.")
@click.option("--competitor", is_flag=True, help="The --url brand is a competitor.")
@translate_errors
@one_at_a_time("crawl")
def crawl(workdir: Path, config: Path | None, max_pages: int | None, url: str | None,
          brand: str | None, competitor: bool) -> None:
    """Crawl every source in storywatch.toml (or one --url) into landing files, then load them.

    With --url, the page's format (RSS/Atom feed, App Store, CFPB, Reddit or Discourse JSON,
    __NEXT_DATA__, Yelp, Google Play or Tripadvisor pages, schema.org JSON-LD, microdata or RDFa,
    else repeated review-like blocks) is detected from the page itself.
    Stories that a killed crawl had landed are salvaged and loaded too. Exits 1 when every source
    failed (no story and errors, e.g. http_404), naming them; 0 when at least one worked.

    Example:

    \b
        storywatch crawl --workdir storywatch-data

        storywatch crawl --url https://www.example.com/reviews --brand Northwind --max-pages 3
    """
    settings = load_settings(workdir, config)
    steps = pipeline.steps_for(settings)
    if url is None:
        if brand is not None or competitor:
            raise click.UsageError("--brand and --competitor go with --url URL.")
        results = steps.crawl(settings, max_pages=max_pages)
        _echo_crawl(results)
    else:
        if not brand:
            raise click.UsageError("--url needs --brand NAME: the brand the stories are about.")
        if steps is not pipeline:
            raise click.UsageError("--url crawls into a DuckDB warehouse only; with [scale] "
                                   "storage = \"delta\" add the page to [[sources]] instead.")
        results = pipeline.crawl_url(settings, url, brand, is_competitor=competitor,
                                     max_pages=max_pages)
        _echo_url_crawl(results)
    _salvage(settings)
    _echo_load(steps.load(settings))
    _fail_when_every_source_failed(results)


@click.command()
@workdir_option
@config_option
@translate_errors
@one_at_a_time("load")
def load(workdir: Path, config: Path | None) -> None:
    """Load new landing files into the warehouse (loading twice changes nothing).

    Commits every 100 stories and lets readers in between; a killed load is finished by the
    next. Like crawl, tag and run, it fails at once while another of them works on the workdir.

    Example:

    \b
        storywatch load --workdir storywatch-data
    """
    settings = load_settings(workdir, config)
    _echo_load(pipeline.steps_for(settings).load(settings))


@click.command()
@workdir_option
@config_option
@click.option("--progress/--no-progress", default=True, show_default=True)
@translate_errors
@one_at_a_time("tag")
def tag(workdir: Path, config: Path | None, progress: bool) -> None:
    """Tag sentiment and policy causes of stories the current model has not tagged yet.

    Fails at once while another crawl, load, tag or run works on the workdir.

    Example:

    \b
        storywatch tag --workdir storywatch-data
    """
    settings = load_settings(workdir, config)
    _echo_tag(pipeline.steps_for(settings).tag(settings, progress=progress))


@click.command()
@workdir_option
@config_option
@click.option("--max-pages", type=int, default=None, help="Stop each source after N pages.")
@click.option("--progress/--no-progress", default=True, show_default=True)
@translate_errors
@one_at_a_time("run")
def run(workdir: Path, config: Path | None, max_pages: int | None, progress: bool) -> None:
    """Crawl, load and tag in one go: the daily job.

    Exits 1 when every source failed (after loading and tagging what there is), naming each
    source and its errors, so `storywatch run && storywatch export ...` stops; when only some
    failed, it says which and exits 0.

    Example:

    \b
        storywatch run --workdir storywatch-data
    """
    settings = load_settings(workdir, config)
    steps = pipeline.steps_for(settings)
    results = steps.crawl(settings, max_pages=max_pages)
    _echo_crawl(results)
    _salvage(settings)
    _echo_load(steps.load(settings))
    _echo_tag(steps.tag(settings, progress=progress))
    _fail_when_every_source_failed(results)


@click.command()
@workdir_option
@translate_errors
def sources(workdir: Path) -> None:
    """List each source with its last crawl time, stories found and errors.

    Example:

    \b
        storywatch sources --workdir storywatch-data
    """
    from storywatch.warehouse import reading
    from storywatch.warehouse.crawl_log import sources_status

    with reading(workdir) as con:
        rows = sources_status(con)
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
