"""Retry and dead-letter decisions shared by the inline and the durable runner.

A job is one or more *attempts* of its handler. An attempt ending in ``TransientError`` is retried after
an exponential backoff (or exactly ``RateLimitedError.retry_after`` when the remote side said how long);
any other exception, or running out of attempts, sends the job to the dead-letter sink once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from assetbridge.errors import RateLimitedError, TransientError
from assetbridge.transport.redaction import redact_text
from assetbridge.transport.retry import RetryPolicy

JobOutcome = Literal["done", "dead"]


# Jobs back off longer than single HTTP calls: a job is retried after the call-level retries gave up.
JOB_RETRY = RetryPolicy(initial_interval=1.0, maximum_interval=300.0, maximum_attempts=6)


@dataclass(frozen=True)
class Attempt:
    """The result of one handler attempt, as checkpointed by the durable runner (so it must pickle)."""

    ok: bool
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None


@dataclass(frozen=True)
class JobResult:
    outcome: JobOutcome
    attempts: int
    error: str | None = None


def describe(exc: BaseException) -> str:
    return redact_text(f"{type(exc).__name__}: {exc}")


async def attempt(handler: Callable[[dict[str, Any]], Awaitable[None]], payload: dict[str, Any]) -> Attempt:
    """Run the handler once and turn its exception (if any) into a value."""
    try:
        await handler(payload)
    except RateLimitedError as exc:
        return Attempt(False, describe(exc), retryable=True, retry_after=exc.retry_after)
    except TransientError as exc:
        return Attempt(False, describe(exc), retryable=True)
    except Exception as exc:
        return Attempt(False, describe(exc))
    return Attempt(True)


async def run_job(
    policy: RetryPolicy,
    run_attempt: Callable[[int], Awaitable[Attempt]],
    sleep: Callable[[float], Awaitable[None]],
    dead_letter: Callable[[str, int], Awaitable[None]],
) -> JobResult:
    """Attempt until success, a permanent error or ``policy.maximum_attempts``; dead-letter on failure.

    The control flow depends only on what ``run_attempt`` returns, so a durable runner that checkpoints
    each attempt replays it deterministically after a crash.
    """
    number = 0
    while True:
        number += 1
        result = await run_attempt(number)
        if result.ok:
            return JobResult("done", number)
        error = result.error or "unknown error"
        if not result.retryable or policy.gives_up(number):
            if result.retryable:
                error = f"gave up after {number} attempts: {error}"
            await dead_letter(error, number)
            return JobResult("dead", number, error)
        await sleep(policy.delay(number, result.retry_after))
