"""How `paperbot serve` waits between tries while Discord cannot be reached at start: capped,
jittered exponential backoff, and when to give up (pure; the runner does the waiting)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Waits of `first_delay`, twice that, four times ... up to `max_delay` seconds, each with
    jitter (between half and all of it, so restarted bots do not call Discord in step); giving
    up once `give_up_after` seconds have passed since the first failure. One try may take
    `attempt_timeout` seconds before it counts as failed."""

    first_delay: float = 1.0
    max_delay: float = 60.0
    give_up_after: float = 600.0
    attempt_timeout: float = 90.0  # the login includes the command sync, which may wait


def retry_delays(policy: RetryPolicy, rng: random.Random | None = None) -> Iterator[float]:
    """The waits before the 2nd, 3rd, ... try (endless; the caller decides when to give up)."""
    rng = rng or random.Random()
    ceiling = policy.first_delay
    while True:
        capped = min(ceiling, policy.max_delay)
        yield capped / 2 + rng.uniform(0, capped / 2)
        ceiling *= 2
