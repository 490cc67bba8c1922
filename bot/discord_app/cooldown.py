"""Per-user question limits: at most N questions in any window of S seconds."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable


class OnCooldown(Exception):
    """The user asked too often; `retry_after` seconds until the next question is accepted."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"on cooldown for {retry_after:.1f} s")
        self.retry_after = retry_after

    @property
    def seconds(self) -> int:
        """Whole seconds to tell the user: never 0, which would read as 'now'."""
        return max(1, math.ceil(self.retry_after))


class Cooldown:
    """A sliding window per key: the oldest of the last `questions` asks must be `seconds` old."""

    def __init__(
        self, questions: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if questions < 1:
            raise ValueError("questions must be at least 1")
        self.questions = questions
        self.seconds = seconds
        self._clock = clock
        self._asked: dict[Hashable, deque[float]] = {}

    def check(self, key: Hashable) -> None:
        """Count one question for `key`, or raise `OnCooldown` without counting it."""
        if self.seconds <= 0:
            return
        now = self._clock()
        asked = self._asked.setdefault(key, deque())
        while asked and now - asked[0] >= self.seconds:
            asked.popleft()
        if len(asked) >= self.questions:
            raise OnCooldown(self.seconds - (now - asked[0]))
        asked.append(now)
        self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        # Keep memory bounded by the users active in the last window, not every user ever seen.
        if len(self._asked) > 1024:
            idle = [k for k, v in self._asked.items() if not v or now - v[-1] >= self.seconds]
            for key in idle:
                del self._asked[key]
