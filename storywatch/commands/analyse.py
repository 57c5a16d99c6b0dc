"""Analysing: analysts' read-only SQL, execs' story-trend export, and tagging any file of texts."""
from __future__ import annotations

import json
from pathlib import Path

import click

from storywatch.commands.options import (
    config_option,
    settings_from,
    translate_errors,
    workdir_option,
)

EXPORT_FORMATS = ("html", "csv", "xlsx")


@click.command()
@click.argument("query")
@workdir_option
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "json"]),
              default="table", show_default=True)
@translate_errors
def sql(query: str, workdir: Path, output_format: str) -> None:
    """Run a read-only SQL QUERY against the warehouse and print the result.

    Write and DDL statements are refused. Views: story_facts, story_causes,
    weekly_brand_scores (see docs/sql.md).

    Example:

        storywatch sql "SELECT brand, count(*) FROM story_facts GROUP BY brand"
    """
    from warehouse.sql import run_query

    frame = run_query(workdir, query)
    if output_format == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    elif output_format == "json":
        click.echo(json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")),
                              ensure_ascii=False, indent=1))
    elif frame.empty:
        click.echo("(no rows)")
    else:
        click.echo(frame.to_string(index=False, max_colwidth=60))


def _formats(_ctx: click.Context, _param: click.Parameter, value: str) -> list[str]:
    formats = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [f for f in formats if f not in EXPORT_FORMATS]
    if unknown or not formats:
        raise click.BadParameter(
            f"unknown format {', '.join(unknown) or '(none)'}; choose from {', '.join(EXPORT_FORMATS)}"
        )
    return formats


@click.command()
@workdir_option
@config_option
@click.option("--format", "formats", default="html,csv,xlsx", show_default=True,
              callback=_formats, help="Comma-separated: html, csv, xlsx.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the report files (default: WORKDIR/exports).")
@translate_errors
def export(workdir: Path, config: Path | None, formats: list[str], out: Path | None) -> None:
    """Write the weekly story-trend report for execs.

    Example:

        storywatch export --format html,csv,xlsx --out reports/
    """
    from warehouse import connect_read_only
    from warehouse.export import export_report

    settings = settings_from(workdir, config)
    out_dir = out or Path(workdir) / "exports"
    con = connect_read_only(workdir)
    try:
        written = export_report(con, out_dir, formats, brand=settings.brand)
    finally:
        con.close()
    for path in written:
        click.echo(f"Wrote {path}")


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False,
                                                               path_type=Path))
@click.option("--text-column", required=True, help="Column (CSV) or key (JSONL) holding the text.")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="JSON Lines file to write, one line per input row, in input order.")
@config_option
@click.option("--progress/--no-progress", default=True, show_default=True)
@translate_errors
def classify(input_path: Path, text_column: str, output: Path, config: Path | None,
             progress: bool) -> None:
    """Tag any CSV or JSONL of texts (survey comments, mystery-shopper notes).

    Each output line has sentiment, sentiment_score and causes
    [{cause, owner, score, evidence}].

    Example:

        storywatch classify comments.csv --text-column comment --output tagged.jsonl
    """
    from nlp import load_tagger
    from nlp.classify import classify_file

    settings = settings_from(Path("."), config)
    rows = classify_file(input_path, text_column, output, load_tagger(settings.taxonomy),
                         progress=progress)
    click.echo(f"Tagged {rows} rows into {output}")


COMMANDS = [sql, export, classify]
