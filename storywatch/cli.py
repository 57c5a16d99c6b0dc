"""The `storywatch` command: thin wrappers over the parts' Python APIs.

Each command's docstring, with its Example, is its --help. A StorywatchError from any part becomes
one line, "Error: ...", and exit status 1; any other exception is a bug and says so in one line,
with its traceback only under `storywatch --debug` (or STORYWATCH_DEBUG=1), read here once.
"""
from __future__ import annotations

import sys

import click

from storywatch import __version__
from storywatch.commands import alerts, analyse, gather, quality, show, themes
from storywatch.commands.options import DEBUG_KEY


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storywatch")
@click.option("--debug", is_flag=True, envvar="STORYWATCH_DEBUG",
              help="Show the full traceback when a command fails (also STORYWATCH_DEBUG=1).")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """storywatch: are our policies making customers tell good or bad stories about us,
    and are we better or worse than our competitors on each policy?

    Start with `storywatch demo`.
    """
    ctx.meta[DEBUG_KEY] = debug


def main() -> None:
    cli(prog_name="storywatch")


for module in (gather, analyse, quality, show, alerts, themes):
    for command in module.COMMANDS:
        cli.add_command(command)

if __name__ == "__main__":
    sys.exit(main())
