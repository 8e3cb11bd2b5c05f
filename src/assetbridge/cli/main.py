"""The ``assetbridge`` command."""

from __future__ import annotations

import click

from assetbridge import __version__
from assetbridge.cli.demo import demo
from assetbridge.cli.sandbox import sandbox


@click.group()
@click.version_option(__version__, prog_name="assetbridge")
def cli() -> None:
    """AssetBridge: integration and automation between Orange Logic and iconik."""


cli.add_command(sandbox)
cli.add_command(demo)


def main() -> None:
    cli()
