"""The `storywatch` command: thin wrappers over the parts' Python APIs.

Each command's docstring, with its Example, is its --help. Domain errors from any part become one
line, "Error: ...", and exit status 1; no traceback reaches the user.
"""
from __future__ import annotations

import sys

import click

from storywatch import __version__
from storywatch.commands import analyse, gather, quality, show


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storywatch")
def cli() -> None:
    """storywatch: are our policies making customers tell good or bad stories about us,
    and are we better or worse than our competitors on each policy?

    Start with `storywatch demo`.
    """


def main() -> None:
    cli(prog_name="storywatch")


for module in (gather, analyse, quality, show):
    for command in module.COMMANDS:
        cli.add_command(command)

if __name__ == "__main__":
    sys.exit(main())
