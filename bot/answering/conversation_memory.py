"""The conversations going on: the last turns of each, in memory only, bounded in size and time.

A conversation is keyed by who and where (a person's id with a channel, a DM or a thread), so one
person's questions never give context to another's. It ends `max_age` seconds after its last turn
(a question asked later stands alone again), keeps its last `turns_kept` turns, and the least
recently used conversations are forgotten beyond `capacity` (cachetools' TTLCache keeps both
bounds). Nothing is written anywhere.

Not thread-safe: each front end uses it from one thread (the Discord event loop, the console).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable

from cachetools import TTLCache

from bot.answering.conversation import Turn

CAPACITY = 5000  # conversations remembered at once; each is a few short strings
TURNS_KEPT = 8
MAX_AGE = 30 * 60.0  # seconds after the last turn


class Conversations:
    def __init__(
        self,
        *,
        capacity: int = CAPACITY,
        turns_kept: int = TURNS_KEPT,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.turns_kept = turns_kept
        # Each conversation's turns; a turn stored again restarts its time to live, and beyond
        # `capacity` the least recently used conversation goes first.
        self._open: TTLCache[Hashable, deque[Turn]] = TTLCache(capacity, max_age, timer=clock)

    def __len__(self) -> int:
        return len(self._open)

    def turns(self, key: Hashable) -> tuple[Turn, ...]:
        """The turns of the conversation `key`, oldest first (none once it has ended)."""
        return tuple(self._open.get(key, ()))

    def add(self, key: Hashable, turn: Turn) -> None:
        """`turn` ends the conversation `key` (which starts if it had not)."""
        turns = self._open.get(key) or deque(maxlen=self.turns_kept)
        turns.append(turn)
        self._open[key] = turns

    def end(self, key: Hashable) -> None:
        self._open.pop(key, None)
