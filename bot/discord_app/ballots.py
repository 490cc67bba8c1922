"""The answers that can still be voted on, and who voted on each: one vote per person per answer.

An answer with hits gets a ballot: a short random key that its "Helpful" / "Not helpful" buttons
carry in their custom ids, and what a vote on it records (the question and the snippets shown).
Ballots live in memory (a cachetools TTLCache), for `max_age`, or until `capacity` answers opened
or voted on since push them out, and are gone after a restart: a click on an older answer's
button is told that voting on it has closed.
Nothing here is written anywhere; which people voted is kept only to count each person once (the
first click counts, later ones change nothing), so no user id reaches the database unless the
store is told to keep them.

Not thread-safe: the Discord transport uses it from the event loop only.
"""

from __future__ import annotations

import enum
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cachetools import TTLCache

from bot.feedback.store import Shown, shown_in
from bot.index.answer import Answer

KEY_PATTERN = r"[A-Za-z0-9_-]{12}"  # what `open` hands out: 9 random bytes, URL-safe base64
CAPACITY = 2000  # answers open to votes at once; a few KB each at most
MAX_AGE = 24 * 3600.0  # seconds an answer stays open to votes


@dataclass(frozen=True)
class Ballot:
    """What a vote on one answer records."""

    question: str
    shown: tuple[Shown, ...]


class Outcome(enum.Enum):
    COUNTED = "counted"
    REPEATED = "repeated"  # this person already voted on this answer
    CLOSED = "closed"  # too old, pushed out, or from before a restart


@dataclass(frozen=True)
class Cast:
    outcome: Outcome
    ballot: Ballot | None = None  # set when the vote counted


@dataclass
class _Open:
    ballot: Ballot
    voters: set[int] = field(default_factory=set)


class Ballots:
    def __init__(
        self,
        *,
        capacity: int = CAPACITY,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Open for `max_age` from the answer; beyond `capacity` the least recently used goes.
        self._open: TTLCache[str, _Open] = TTLCache(capacity, max_age, timer=clock)

    def __len__(self) -> int:
        return len(self._open)

    def open(self, answer: Answer) -> str:
        """A new ballot for `answer` (which showed snippets); its key."""
        key = secrets.token_urlsafe(9)
        self._open[key] = _Open(Ballot(answer.question, shown_in(answer)))
        return key

    def cast(self, key: str, voter: int) -> Cast:
        """`voter`'s vote on the answer with `key`, either button: counted once per voter."""
        entry = self._open.get(key)
        if entry is None:
            return Cast(Outcome.CLOSED)
        if voter in entry.voters:
            return Cast(Outcome.REPEATED)
        entry.voters.add(voter)
        return Cast(Outcome.COUNTED, entry.ballot)
