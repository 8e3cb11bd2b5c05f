"""The ``assetbridge`` command."""

from __future__ import annotations

import click

from assetbridge import __version__
from assetbridge.cli.config_cmd import check, config_group
from assetbridge.cli.demo import demo
from assetbridge.cli.sandbox import sandbox


@click.group()
@click.version_option(__version__, prog_name="assetbridge")
def cli() -> None:
    """AssetBridge: integration and automation between Orange Logic and iconik."""


cli.add_command(sandbox)
cli.add_command(demo)
cli.add_command(check)
cli.add_command(config_group)


def main() -> None:
    cli()
