"""What every command shares: the workdir and config options, and error translation."""
from __future__ import annotations

import functools
import traceback
from pathlib import Path

import click

from storywatch.config import DEFAULT_WORKDIR
from storywatch.errors import StorywatchError

# Where the group keeps `--debug` (ctx.meta is shared by a command and the group above it).
DEBUG_KEY = "storywatch.debug"


def _traceback_under_debug() -> bool:
    """Print the traceback being handled (stderr) when `storywatch --debug` is on; say whether."""
    context = click.get_current_context(silent=True)
    debug = context is not None and bool(context.meta.get(DEBUG_KEY))
    if debug:
        click.echo(traceback.format_exc().rstrip(), err=True)
    return debug


def translate_errors(command):
    """Turn a StorywatchError into one "Error: ..." line, and any other exception (a bug) into
    one line saying so; `storywatch --debug` also prints the traceback. Both exit with status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except click.ClickException:
            raise
        except StorywatchError as error:
            _traceback_under_debug()
            raise click.ClickException(str(error)) from error
        except Exception as error:
            hint = ("please report it with the traceback above" if _traceback_under_debug() else
                    "run again with --debug (`storywatch --debug COMMAND ...`) to see the "
                    "traceback and report it")
            raise click.ClickException(
                f"unexpected {type(error).__name__}: {error}. This is a bug; {hint}."
            ) from error

    return wrapper


workdir_option = click.option(
    "--workdir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_WORKDIR,
    show_default=True, help="Folder holding storywatch.duckdb, landing/ and exports/.",
)
config_option = click.option(
    "--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="storywatch.toml to use (default: ./storywatch.toml, else WORKDIR/storywatch.toml).",
)
