"""The start-up backoff: growing, capped and jittered waits."""

import random

from bot.discord_app.backoff import RetryPolicy, retry_delays


def _first(count: int, policy: RetryPolicy, seed: int = 1) -> list[float]:
    delays = retry_delays(policy, random.Random(seed))
    return [next(delays) for _ in range(count)]


def test_the_waits_double_up_to_the_cap_each_between_half_and_all_of_it():
    policy = RetryPolicy(first_delay=1.0, max_delay=8.0)
    delays = _first(8, policy)
    ceilings = [1, 2, 4, 8, 8, 8, 8, 8]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert max(delays) <= policy.max_delay


def test_the_waits_are_jittered():
    policy = RetryPolicy(first_delay=1.0, max_delay=8.0)
    assert _first(6, policy, seed=1) != _first(6, policy, seed=2)
    assert len(set(_first(8, policy)[3:])) > 1, "capped waits are still spread"
