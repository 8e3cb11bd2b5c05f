from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from assetbridge.transport.retry import NO_RETRY, RetryPolicy


def test_defaults_are_documented_values() -> None:
    policy = RetryPolicy()
    assert (policy.initial_interval, policy.backoff_coefficient, policy.maximum_interval) == (0.5, 2.0, 30.0)
    assert policy.maximum_attempts == 5
    for name, field in RetryPolicy.model_fields.items():
        assert field.description, f"{name} has no documented meaning"


def test_backoff_grows_exponentially_and_is_capped() -> None:
    policy = RetryPolicy(initial_interval=1, backoff_coefficient=2, maximum_interval=5, jitter=0)
    assert [policy.backoff(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]


def test_jitter_stays_within_its_band() -> None:
    policy = RetryPolicy(initial_interval=1, backoff_coefficient=1, jitter=0.2)
    rng = random.Random(7)
    waits = [policy.backoff(1, rng) for _ in range(200)]
    assert min(waits) >= 0.8 and max(waits) <= 1.2
    assert len({round(w, 6) for w in waits}) > 50


def test_retry_after_wins_over_backoff_and_too_long_gives_up() -> None:
    policy = RetryPolicy(maximum_retry_after=60, jitter=0)
    assert policy.delay(1, retry_after=7) == 7
    assert policy.delay(3, retry_after=None) == 2.0
    assert policy.gives_up(1, retry_after=61)
    assert not policy.gives_up(1, retry_after=59)


def test_attempt_budget() -> None:
    assert NO_RETRY.gives_up(1)
    policy = RetryPolicy(maximum_attempts=3)
    assert not policy.gives_up(2)
    assert policy.gives_up(3)


def test_policy_is_strict() -> None:
    with pytest.raises(ValidationError):
        RetryPolicy(max_attempts=3)  # type: ignore[call-arg]
