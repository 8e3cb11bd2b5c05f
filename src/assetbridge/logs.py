"""Log configuration for AssetBridge processes (the CLI, the engine, benchmarks).

Library code only calls ``structlog.get_logger()``; processes call ``configure_logging`` once. Lines go to
stderr (stdout stays for command output), as JSON when ``json_lines`` is set or stderr is not a terminal,
and below ``level`` nothing is rendered. Secrets never reach a log line: the transport layer logs only
redacted URLs and call templates.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(level: str | int = "INFO", *, json_lines: bool | None = None) -> None:
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}: use DEBUG, INFO, WARNING or ERROR")
    as_json = not sys.stderr.isatty() if json_lines is None else json_lines
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
