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

JobOutcome = Literal["done", "dead"]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 300.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.factor < 1:
            raise ValueError("delays must be >= 0 and factor >= 1")

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None:
            return max(0.0, retry_after)
        return float(min(self.max_delay, self.base_delay * self.factor ** (attempt - 1)))


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
    """Attempt until success, a permanent error or ``policy.max_attempts``; dead-letter on failure.

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
        if not result.retryable or number >= policy.max_attempts:
            if result.retryable:
                error = f"gave up after {number} attempts: {error}"
            await dead_letter(error, number)
            return JobResult("dead", number, error)
        await sleep(policy.delay(number, result.retry_after))
