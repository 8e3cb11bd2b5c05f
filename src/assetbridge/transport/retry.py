"""Retry policy: exponential backoff with jitter that honours ``Retry-After``.

Modelled on Temporal's ``RetryPolicy``: a plain value object whose every field has a documented
default, passed explicitly to whoever retries. Only calls that are safe to repeat are retried (see
``transport.http``); a create ``POST`` is never re-sent blindly.
"""

from __future__ import annotations

import random

from pydantic import BaseModel, ConfigDict, Field


class RetryPolicy(BaseModel):
    """How often and how patiently a failed call is tried again."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    initial_interval: float = Field(0.5, gt=0, description="seconds before the first retry")
    backoff_coefficient: float = Field(2.0, ge=1, description="each wait is the previous one times this")
    maximum_interval: float = Field(30.0, gt=0, description="cap on one computed backoff wait, in seconds")
    maximum_attempts: int = Field(5, ge=1, description="total tries including the first; 1 = no retry")
    jitter: float = Field(0.2, ge=0, le=1, description="each wait is scaled by a random factor in [1-j, 1+j]")
    maximum_retry_after: float = Field(
        120.0, gt=0, description="longest server-requested wait (Retry-After) we accept before giving up"
    )

    def backoff(self, retry_number: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1 for the first retry), jitter included."""
        base = self.initial_interval * self.backoff_coefficient ** max(0, retry_number - 1)
        base = min(base, self.maximum_interval)
        if self.jitter:
            factor = (rng or random).uniform(1 - self.jitter, 1 + self.jitter)
            base *= factor
        return max(0.0, base)

    def delay(
        self, retry_number: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """The wait before retry ``retry_number``: the server's ``Retry-After`` when it gave one."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self.maximum_retry_after))
        return self.backoff(retry_number, rng)

    def gives_up(self, attempts_made: int, retry_after: float | None = None) -> bool:
        """True when no further try is allowed after ``attempts_made`` tries."""
        if attempts_made >= self.maximum_attempts:
            return True
        return retry_after is not None and retry_after > self.maximum_retry_after


NO_RETRY = RetryPolicy(maximum_attempts=1)
