"""Showing: the marketing dashboard, and the demo that fills a workdir and opens it."""
from __future__ import annotations

from pathlib import Path

import click

from storywatch.commands.options import translate_errors, workdir_option

port_option = click.option("--port", type=int, default=8501, show_default=True,
                           help="Port for the dashboard on 127.0.0.1.")


@click.command()
@workdir_option
@port_option
@translate_errors
def dashboard(workdir: Path, port: int) -> None:
    """Open the marketing dashboard on the warehouse (read-only).

    Example:

    \b
        storywatch dashboard --workdir storywatch-data --port 8501
    """
    from storywatch.dashboard_server import serve_dashboard

    click.echo(f"Dashboard: http://127.0.0.1:{port}  (Ctrl-C to stop)")
    raise SystemExit(serve_dashboard(workdir, port))


@click.command()
@workdir_option
@click.option("--headless", is_flag=True,
              help="Do everything but start the dashboard; write an exec export and exit.")
@port_option
@click.option("--engine", type=click.Choice(["local", "ray"]), default=None,
              help="Run the crawl and the tagger here (local, the default) or on Ray.")
@click.option("--storage", type=click.Choice(["duckdb", "delta"]), default=None,
              help="Keep the warehouse in one DuckDB file (default) or as Delta tables.")
@translate_errors
def demo(workdir: Path, headless: bool, port: int, engine: str | None,
         storage: str | None) -> None:
    """Crawl a local demo site (our brand and two competitors), load, tag, export, open the dashboard.

    Example:

    \b
        storywatch demo --headless --workdir /tmp/storywatch-demo
        storywatch demo --headless --engine ray --storage delta
    """
    from storywatch.demo import run_demo

    result = run_demo(workdir, progress=True, echo=click.echo, engine=engine, storage=storage)
    if result.lake:
        click.echo(f"Delta tables: {result.lake}")
    else:
        click.echo(f"DuckDB file: {result.database.resolve()}")
    for path in result.exports:
        click.echo(f"Export: {path.resolve()}")
    if headless:
        return
    from storywatch.dashboard_server import serve_dashboard

    click.echo(f"Dashboard: http://127.0.0.1:{port}  (Ctrl-C to stop)")
    raise SystemExit(serve_dashboard(workdir, port))


COMMANDS = [dashboard, demo]
