"""The ``assetbridge`` command."""

from __future__ import annotations

import click

from assetbridge import __version__
from assetbridge.cli.archive_cmd import archive
from assetbridge.cli.config_cmd import check, config_group
from assetbridge.cli.demo import demo
from assetbridge.cli.lineage_cmd import lineage
from assetbridge.cli.publish_cmd import publish
from assetbridge.cli.review_cmd import review
from assetbridge.cli.rights_cmd import rights
from assetbridge.cli.run_cmd import COMMANDS as RUN_COMMANDS
from assetbridge.cli.sandbox import sandbox
from assetbridge.cli.sync_cmd import COMMANDS as SYNC_COMMANDS
from assetbridge.logs import configure_logging


@click.group()
@click.version_option(__version__, prog_name="assetbridge")
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="WARNING",
    show_default=True,
    envvar="ASSETBRIDGE_LOG_LEVEL",
    help="Log lines at this level and above go to stderr (JSON when stderr is not a terminal).",
)
def cli(log_level: str) -> None:
    """AssetBridge: integration and automation between Orange Logic and iconik."""
    configure_logging(log_level)


cli.add_command(sandbox)
cli.add_command(demo)
cli.add_command(check)
cli.add_command(config_group)
cli.add_command(rights)
cli.add_command(review)
cli.add_command(lineage)
cli.add_command(publish)
cli.add_command(archive)
for _command in SYNC_COMMANDS:
    cli.add_command(_command)
for _command in RUN_COMMANDS:
    cli.add_command(_command)


def main() -> None:
    cli()
