"""Per-user question limits: at most N questions in any window of S seconds."""

from __future__ import annotations

import enum
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


class Posting(enum.Enum):
    """What the bot does with one more message it would post."""

    POST = "post"
    WARN = "warn"  # over a limit for the first time in a while: say so once
    SILENT = "silent"  # over a limit and already told


class PostingLimit:
    """What the bot posts in reply to mentions, limited per person (the shared `per_person`
    cooldown, also counting bare mentions) and per channel. Over a limit a person is told once;
    after that the bot stays silent until their window frees up."""

    def __init__(self, per_person: Cooldown, per_channel: Cooldown) -> None:
        self.per_person = per_person
        self.per_channel = per_channel
        self._told: set[Hashable] = set()  # people told they are over a limit, not since let in

    def admit(self, person: Hashable, channel: Hashable) -> tuple[Posting, OnCooldown | None]:
        try:
            self.per_person.check(person)
            self.per_channel.check(channel)
        except OnCooldown as exc:
            if person in self._told:
                return Posting.SILENT, exc
            self._told.add(person)
            if len(self._told) > 4096:  # bounded memory; forgetting one only repeats a notice
                self._told.clear()
            return Posting.WARN, exc
        self._told.discard(person)
        return Posting.POST, None
