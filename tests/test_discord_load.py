"""A burst of /ask from many users at once: one response each, the cooldown applied per user.

The figures (times, event-loop stalls, memory over a long soak) come from
`benchmarks/bench_load.py`; this test checks the outcome on the bundled corpus.
"""

from __future__ import annotations

import logging
import random
from collections import Counter

from tests.standin.harness import bot_and_standin, settle
from tests.standin.server import EPHEMERAL, user_payload

BURST, USERS, COOLDOWN = 120, 24, 5
QUESTIONS = [
    "what is feature decoupling?",
    "masked image modeling",
    "how does contrastive learning work without negatives?",
    "what is BYOL?",
    "recipe for chocolate cake",  # nothing found is an answer too
]


async def test_a_burst_gets_exactly_one_response_each_within_the_window(
    tmp_path, retriever, caplog
):
    """Load: 120 /ask from 24 users, sent back to back (some users ask more than 5 times).
    Expected: every interaction acknowledged inside Discord's 3 s window and shown exactly one
    message: an answer, or, for a user's sixth question on, the ephemeral "try again"."""
    caplog.set_level(logging.WARNING)
    rng = random.Random(6)
    askers = [rng.randrange(USERS) for _ in range(BURST)]
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        guild = standin.guilds[0]
        interactions = [
            await standin.slash(
                user_payload(200_000_000_000_000_100 + asker, f"user{asker}"),
                "ask",
                guild=guild,
                question=QUESTIONS[number % len(QUESTIONS)],
            )
            for number, asker in enumerate(askers)
        ]

        await standin.wait_until(lambda: all(standin.shown_for(i) for i in interactions), 30)
        await settle(bot)

    shown = [standin.shown_for(i) for i in interactions]
    assert all(i["token"] in standin.acknowledged for i in interactions), "missed the window"
    assert [len(s) for s in shown] == [1] * BURST
    refusals = [s[0] for s in shown if "try again in" in (s[0].get("content") or "")]
    answers = [s[0] for s in shown if s[0].get("embeds")]
    expected_refusals = sum(max(0, n - COOLDOWN) for n in Counter(askers).values())
    assert expected_refusals > 0, "the burst should go past the cooldown for some users"
    assert len(refusals) == expected_refusals
    assert len(answers) == BURST - expected_refusals
    assert all(r["flags"] & EPHEMERAL for r in refusals)
    # per user: the first five answered, the rest refused, in the order they were asked
    for asker in set(askers):
        mine = [s[0] for s, who in zip(shown, askers, strict=True) if who == asker]
        assert [bool(m.get("embeds")) for m in mine] == [n < COOLDOWN for n in range(len(mine))]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(standin.sessions) == 1, "the gateway connection did not hold"
