"""``assetbridge demo``: the main job against the sandbox, with no credentials needed."""

from __future__ import annotations

from pathlib import Path

import click

from assetbridge.cli.sandbox import describe, start_sandbox


@click.command()
@click.option("--info", "info_path", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option("--exit-after-start", is_flag=True, help="Start, print, and exit (for scripted checks).")
def demo(info_path: Path | None, exit_after_start: bool) -> None:
    """Start the seeded sandbox and show how to reach it."""
    server = start_sandbox(None, info_path)
    click.echo(describe(server))
    if exit_after_start:
        server.start()
        server.stop()
        return
    server.serve_forever()
