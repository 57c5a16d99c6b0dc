"""Emerging themes: `storywatch themes` lists them; `themes promote` makes one a cause."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from click.core import ParameterSource

from storywatch.commands.options import config_option, translate_errors, workdir_option
from storywatch.config import load_settings

EXAMPLES_SHOWN = 3
# Examples taken from a theme's own sentences are close to its stories, closer than hand-written
# generic phrases are to theirs; at the taxonomy's usual threshold they also link complaints that
# merely share a tone. Measured on the demo in docs/themes.md.
PROMOTED_THRESHOLD = 0.66


def _report(workdir: Path, as_of=None):
    from storywatch.warehouse import reading
    from storywatch.warehouse.themes import find_themes

    with reading(workdir) as con:  # no warehouse yet: an error that says so, none created
        return find_themes(con, as_of=as_of)


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())


def _theme_lines(theme, weeks) -> list[str]:
    brands = ", ".join(f"{brand} {count}" for brand, count in theme.brands)
    counts = " ".join(str(count) for _, count in theme.weekly)
    lines = [f"{theme.id}  {', '.join(theme.words) or 'no distinctive words'}",
             (f"    {theme.volume} stories ({brands}); {theme.trend}: {theme.recent} in the last "
              f"4 complete weeks, {theme.before} in the 4 before"),
             f"    per week, the weeks of {weeks[0]:%Y-%m-%d} to {weeks[-1]:%Y-%m-%d}: {counts}"]
    for story in theme.stories[:EXAMPLES_SHOWN]:
        link = f" {_printable(story.url)}" if story.url else ""
        lines.append(f'    "{story.headline}"{link}')
    return lines


@click.group(invoke_without_command=True)
@workdir_option
@config_option
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Count the weeks as if today were this day (default: today, UTC).")
@click.pass_context
@translate_errors
def themes(ctx: click.Context, workdir: Path, config: Path | None,
           as_of: datetime | None) -> None:
    """List emerging themes: negative stories that no cause explains, grouped by meaning and
    named by their distinctive words, with volume and weekly trend (docs/themes.md).
    `storywatch themes promote` turns one into a cause of your taxonomy.

    Example:

    \b
        storywatch themes --workdir storywatch-data
        storywatch themes promote t4119db --cause parking --name "Parking" --owner Operations
    """
    if ctx.invoked_subcommand is not None:
        # `storywatch themes --workdir W promote ...` means W too.
        ctx.obj = {name: value for name, value in (("workdir", workdir), ("config", config))
                   if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT}
        return
    load_settings(workdir, config)  # a broken config is reported here, as by every command
    report = _report(workdir, as_of.date() if as_of else None)
    click.echo(f"{report.unexplained} negative stories no cause explains; "
               f"{len(report.themes)} theme(s) among them.")
    if report.left_out:
        click.echo(f"{report.left_out} of them were not grouped (no cached vector: run "
                   "`storywatch tag` with [tagging] cache_embeddings = true, or older than "
                   "the newest grouped).")
    for theme in report.themes:
        click.echo("")
        for line in _theme_lines(theme, report.weeks):
            click.echo(line)
    if report.themes:
        click.echo("")
        click.echo(f"Make one a cause: storywatch themes promote {report.themes[0].id} "
                   '--cause ID --name "Name" --owner Operations')


@themes.command()
@click.argument("theme_id")
@click.option("--cause", "cause_id", required=True,
              help="The new cause's id: letters, digits and _ (e.g. parking).")
@click.option("--name", required=True, help='The label people read, e.g. "Parking".')
@click.option("--owner", required=True, help="The function that fixes it, e.g. Operations.")
@click.option("--description", default=None,
              help="One line on what the cause covers (default: made from the theme's words).")
@click.option("--threshold", type=click.FloatRange(0, 1), default=PROMOTED_THRESHOLD,
              show_default=True, help="The new cause's similarity threshold (0..1).")
@workdir_option
@config_option
@click.pass_context
@translate_errors
def promote(ctx: click.Context, theme_id: str, cause_id: str, name: str, owner: str,
            description: str | None, threshold: float, workdir: Path,
            config: Path | None) -> None:
    """Add a theme to your taxonomy as a new cause, with example phrases from its stories.
    The packaged default taxonomy is copied into the workdir first and never edited. Run
    `storywatch tag` afterwards to link stories to the new cause.

    Example:

    \b
        storywatch themes promote t4119db --cause parking --name "Parking" --owner Operations
    """
    from storywatch.nlp.themes import example_phrases
    from storywatch.user_taxonomy import append_cause, user_taxonomy
    from storywatch.warehouse.themes import theme_by_id

    given = ctx.obj or {}
    if ctx.get_parameter_source("workdir") is ParameterSource.DEFAULT:
        workdir = given.get("workdir", workdir)
    if ctx.get_parameter_source("config") is ParameterSource.DEFAULT:
        config = given.get("config", config)
    settings = load_settings(workdir, config)
    theme = theme_by_id(_report(workdir), theme_id)
    brands = tuple(sorted({story.brand for story in theme.stories}
                          | {b for b in (settings.brand, *settings.competitors) if b}))
    phrases = example_phrases([f"{s.headline}. {s.body}" for s in theme.stories],
                              list(theme.words), ignore=brands)
    description = description or (f"Stories about {name.strip().lower()}: "
                                  f"{', '.join(theme.words)}.")
    path, note = user_taxonomy(settings)
    append_cause(path, cause_id.strip(), owner=owner.strip(), label=name.strip(),
                 description=description, examples=phrases, threshold=threshold)
    if note:
        click.echo(note)
    click.echo(f"Added cause {cause_id.strip()!r} ({name.strip()}, owner {owner.strip()}) to "
               f"{path} with {len(phrases)} example phrase(s):")
    for phrase in phrases:
        click.echo(f"  - {_printable(phrase)}")
    click.echo("Run `storywatch tag` to link stories to it (it re-tags from cached vectors).")


COMMANDS = [themes]
