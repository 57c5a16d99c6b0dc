"""Analysing: analysts' read-only SQL, execs' story-trend export, and tagging any file of texts."""
from __future__ import annotations

from pathlib import Path

import click

from storywatch.commands.options import (
    config_option,
    translate_errors,
    workdir_option,
)
from storywatch.config import load_settings

EXPORT_FORMATS = ("html", "pdf", "xlsx", "csv")
SQL_FORMATS = ("table", "csv", "json", "parquet")


def _sql_prompt(workdir: Path, output_format: str, readable_paths: tuple[Path, ...],
                guarded: tuple[Path, ...]) -> None:
    """Read `;`-terminated statements from stdin until .quit or end of input.

    Each statement opens the warehouse and closes it before the next line is read, so a prompt
    left idle never keeps `storywatch load` or `tag` waiting for the write lock. A refusal or a
    failed query is printed and the prompt goes on; a script (stdin not a terminal) then ends
    with exit status 1, naming how many statements failed, so a cron job or `make` notices.
    """
    import sys

    from storywatch.warehouse import WarehouseError, reading
    from storywatch.warehouse.sql import format_result, run_query, statements

    with reading(workdir):
        pass  # no warehouse yet: say so before the first prompt
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo("storywatch sql (read-only). End each query with ';', quit with .quit.")

    def lines():
        while True:
            if interactive:
                click.echo("sql> ", nl=False)
            try:
                line = sys.stdin.readline()
            except UnicodeDecodeError as error:
                raise WarehouseError("standard input is not valid UTF-8 text; save the script "
                                     "as UTF-8.") from error
            if not line:
                return
            yield line

    ran = failed = 0
    for statement in statements(lines()):
        ran += 1
        try:
            frame = run_query(workdir, statement, readable_paths, guarded)
            click.echo(format_result(frame, output_format), nl=False)
        except WarehouseError as error:
            failed += 1
            click.echo(f"Error: {error}", err=True)
    if failed and not interactive:
        plural = "s" if ran > 1 else ""
        raise click.ClickException(f"{failed} of {ran} statement{plural} failed (each error is "
                                   "printed above; the others ran): fix them and run the script "
                                   "again.")


@click.command()
@click.argument("query", required=False)
@workdir_option
@config_option
@click.option("--format", "output_format", type=click.Choice(SQL_FORMATS),
              default="table", show_default=True, help="parquet needs --out.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the result to this file instead of printing it (not inside the "
                   "workdir, except its exports/ and files/ folders).")
@translate_errors
def sql(query: str | None, workdir: Path, config: Path | None, output_format: str,
        out: Path | None) -> None:
    """Run a read-only SQL QUERY against the warehouse, or open a prompt when none is given.

    Only reads run: SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE and EXPLAIN [ANALYZE] of a
    SELECT. Anything that writes the warehouse, a file or a setting is refused, and files
    are read only from WORKDIR/files/ and [sql] readable_paths. Views: story_facts,
    story_causes, weekly_brand_scores, weekly_cause_scores, competitor_gap (docs/sql.md).
    --out never overwrites the warehouse, the storywatch.toml in use or a workdir file
    outside WORKDIR/exports/ and WORKDIR/files/. Without QUERY, statements are read from
    standard input, each ending with ';' (.quit or end of input stops); a script piped in
    exits with status 1 when any of its statements failed.

    Example:

    \b
        storywatch sql "SELECT brand, count(*) FROM story_facts GROUP BY brand"
        storywatch sql "SELECT * FROM competitor_gap" --format parquet --out gap.parquet
        storywatch sql "SELECT * FROM read_csv('storywatch-data/files/targets.csv')"
    """
    from storywatch.warehouse.sql import check_out, format_result, run_query, write_result

    settings = load_settings(workdir, config)
    guarded = (settings.config_file,) if settings.config_file else ()
    if query is None:
        if out is not None or output_format == "parquet":
            raise click.UsageError("--out and --format parquet need a QUERY.")
        _sql_prompt(workdir, output_format, settings.sql_readable_paths, guarded)
        return
    if out is not None:
        check_out(out, workdir, guarded)  # before the query runs: a refused --out fails at once
    frame = run_query(workdir, query, settings.sql_readable_paths, guarded)
    if out is not None:
        written = write_result(frame, output_format, out, workdir, guarded)
        # Into /dev/stdout or a pipe, the summary goes to stderr so the result stays clean.
        click.echo(f"Wrote {len(frame)} rows to {written}", err=not written.is_file())
    else:
        click.echo(format_result(frame, output_format), nl=False)


@click.command("export-parquet")
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@workdir_option
@translate_errors
def export_parquet(out_dir: Path, workdir: Path) -> None:
    """Write every documented view as DIR/<view>.parquet, for pandas, Spark or BI tools.

    Example:

    \b
        storywatch export-parquet parquet/ --workdir storywatch-data
    """
    from storywatch.warehouse.sql import export_parquet as write_views

    for path in write_views(workdir, out_dir):
        click.echo(f"Wrote {path}")


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
@click.option("--period", type=click.Choice(["week", "month"]), default="week",
              show_default=True, help="Report on a calendar week or month.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="A day in the period to report on (default: the newest story's day).")
@click.option("--since-last", is_flag=True,
              help="Write every complete period since the last export to --out (for cron).")
@click.option("--format", "formats", default="html,pdf,xlsx,csv", show_default=True,
              callback=_formats, help="Comma-separated: html, pdf, xlsx, csv.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the report files (default: WORKDIR/exports).")
@translate_errors
def export(workdir: Path, config: Path | None, period: str, end, since_last: bool,
           formats: list[str], out: Path | None) -> None:
    """Write the story-trend report for execs: net story score, competitors, movers, quotes.

    Example:

    \b
        storywatch export --period week --format html,pdf,xlsx --out reports/
        storywatch export --period month --end 2025-03-31
        storywatch export --since-last --out reports/   # weekly cron: 0 7 * * 1
    """
    from storywatch.reports.export import export_report, export_since_last
    from storywatch.warehouse import reading

    settings = load_settings(workdir, config)
    out_dir = out or Path(workdir) / "exports"
    with reading(workdir) as con:
        if since_last:
            written = export_since_last(con, out_dir, formats, settings.brand, period,
                                        policy_changes=settings.policy_changes)
        else:
            written = export_report(con, out_dir, formats, settings.brand, period,
                                    end.date() if end else None,
                                    policy_changes=settings.policy_changes)
    for path in written:
        click.echo(f"Wrote {path}")
    if not written:
        click.echo("Nothing to write: every complete period is already exported.")


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False,
                                                               path_type=Path))
@click.option("--text-column", required=True, help="Column (CSV) or key (JSONL) holding the text.")
@click.option("--id-column", default=None,
              help="Column (CSV) or key (JSONL) with each row's own id, copied to the output as "
                   "\"id\" (default: the column named id, when there is one).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="JSON Lines file to write, one line per input row, in input order.")
@config_option
@click.option("--progress/--no-progress", default=True, show_default=True)
@translate_errors
def classify(input_path: Path, text_column: str, id_column: str | None, output: Path,
             config: Path | None, progress: bool) -> None:
    """Tag any CSV or JSONL of texts (survey comments, mystery-shopper notes).

    Each output line has the row number and the row's own id (row, id), sentiment,
    sentiment_score and causes [{cause, owner, score, evidence}]. The output must not be
    the input or a DuckDB database, and its folder must exist; a file is replaced only once
    complete (keeping its permissions), a device or pipe such as /dev/stdout is written to.

    Example:

    \b
        storywatch classify comments.csv --text-column comment --output tagged.jsonl
        storywatch classify notes.jsonl --text-column note --id-column visit --output tagged.jsonl
    """
    from storywatch.nlp import load_tagger
    from storywatch.nlp.classify import check_paths, classify_file

    check_paths(input_path, output)  # before the model loads: a wrong path fails at once
    settings = load_settings(Path("."), config)
    tagger = load_tagger(settings.taxonomy, settings.tagging.model)
    rows = classify_file(input_path, text_column, output, tagger, progress=progress,
                         id_column=id_column)
    # Into /dev/stdout or a pipe, the summary goes to stderr so the JSON lines stay clean.
    click.echo(f"Tagged {rows} rows into {output}", err=not output.is_file())


COMMANDS = [sql, export, export_parquet, classify]
