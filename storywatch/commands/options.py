"""What every command shares: the workdir and config options, and error translation."""
from __future__ import annotations

import functools
from pathlib import Path

import click

from storywatch.config import DEFAULT_WORKDIR

DOMAIN_PACKAGES = ("storywatch", "crawler", "nlp", "warehouse", "dashboard")


def _is_domain_error(error: Exception) -> bool:
    return type(error).__module__.split(".")[0] in DOMAIN_PACKAGES


def translate_errors(command):
    """Turn the parts' domain errors into one clear line for the user."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except click.ClickException:
            raise
        except Exception as error:
            if _is_domain_error(error):
                raise click.ClickException(str(error)) from error
            raise click.ClickException(
                f"unexpected {type(error).__name__}: {error}. Please report this with the "
                "command you ran."
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
