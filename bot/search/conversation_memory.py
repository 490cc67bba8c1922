"""The conversations going on: the last turns of each, in memory only, bounded in size and time.

A conversation is keyed by who and where (a person's id with a channel, a DM or a thread), so one
person's questions never give context to another's. It ends `max_age` seconds after its last turn
(a question asked later stands alone again), keeps its last `turns_kept` turns, and the oldest
conversations are forgotten beyond `capacity`. Nothing is written anywhere.

Not thread-safe: each front end uses it from one thread (the Discord event loop, the console).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from bot.search.conversation import Turn

CAPACITY = 5000  # conversations remembered at once; each is a few short strings
TURNS_KEPT = 8
MAX_AGE = 30 * 60.0  # seconds after the last turn


@dataclass
class _Conversation:
    turns: deque[Turn]
    last_at: float = field(default=0.0)


class Conversations:
    def __init__(
        self,
        *,
        capacity: int = CAPACITY,
        turns_kept: int = TURNS_KEPT,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.turns_kept = turns_kept
        self.max_age = max_age
        self._clock = clock
        self._open: OrderedDict[Hashable, _Conversation] = OrderedDict()

    def __len__(self) -> int:
        return len(self._open)

    def turns(self, key: Hashable) -> tuple[Turn, ...]:
        """The turns of the conversation `key`, oldest first (none once it has ended)."""
        self._end_expired(self._clock())
        conversation = self._open.get(key)
        return tuple(conversation.turns) if conversation else ()

    def add(self, key: Hashable, turn: Turn) -> None:
        """`turn` ends the conversation `key` (which starts if it had not)."""
        now = self._clock()
        self._end_expired(now)
        conversation = self._open.pop(key, None) or _Conversation(deque(maxlen=self.turns_kept))
        conversation.turns.append(turn)
        conversation.last_at = now
        self._open[key] = conversation  # the most recent last
        while len(self._open) > self.capacity:
            self._open.popitem(last=False)

    def start(self, key: Hashable, turns: tuple[Turn, ...] = ()) -> None:
        """A new conversation `key`, with `turns` as its context (forgetting what it had)."""
        self._open.pop(key, None)
        for turn in turns:
            self.add(key, turn)

    def end(self, key: Hashable) -> None:
        self._open.pop(key, None)

    def _end_expired(self, now: float) -> None:
        # Ordered by last turn: the expired ones are at the front.
        while self._open:
            key, oldest = next(iter(self._open.items()))
            if now - oldest.last_at <= self.max_age:
                return
            del self._open[key]
