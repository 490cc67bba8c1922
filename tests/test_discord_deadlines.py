"""Discord's 3 seconds, with `paperbot serve` in its own process, a network delay between it and
the stand-in, and a corpus of thousands of papers that the test writes: anything that blocks the
bot's event loop (a catalogue built on it, a lock the search thread holds, a search run before
the deferral) shows up as an interaction the stand-in refuses as too late (10062)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests.standin.harness import (
    ALICE,
    APPLICATION_ID,
    BOB,
    BOT_USER_ID,
    CALLBACK,
    TOKEN,
    interaction_reply,
)
from tests.standin.server import AUTOCOMPLETE, StandIn
from tests.test_discord_serve import _connected, _read_until, _start_paperbot, _stop_paperbot

PAPERS = 3000
NETWORK_DELAY = 0.1  # seconds each way


def _write_corpus(path: Path, count: int, seed: int = 7) -> None:
    """`count` papers of made-up words (a large vocabulary, as real abstracts have), by a few
    hundred authors at a few dozen venues."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "pe", "da", "zu", "ro", "fi"]
    vocabulary = [
        "".join(rng.choice(syllables) for _ in range(rng.randint(2, 5))) for _ in range(30000)
    ]

    def words(count: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(count))

    rows = [
        {
            "id": f"paper-{n}",
            "title": words(8).title(),
            "abstract": " ".join(f"{words(rng.randint(12, 25)).capitalize()}." for _ in range(6)),
            "authors": [f"Author {rng.randrange(400)}", f"Author {rng.randrange(400)}"],
            "venue": f"Venue {rng.randrange(40)}",
            "year": 1990 + rng.randrange(35),
        }
        for n in range(count)
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")


async def test_a_burst_right_after_start_is_answered_within_discords_window(tmp_path):
    corpus = tmp_path / "papers.jsonl"
    _write_corpus(corpus, PAPERS)
    async with StandIn(
        token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID, latency=NETWORK_DELAY
    ) as standin:
        process = await _start_paperbot(
            tmp_path,
            standin,
            "serve",
            DISCORD_TOKEN=TOKEN,
            PAPERBOT_CORPUS=str(corpus),
            PAPERBOT_INDEX_CACHE="off",
            PAPERBOT_WATCH_CORPUS="off",
        )
        try:
            await _connected(process, standin)
            await _read_until(process, "Logged in as")
            guild = standin.guilds[0]
            # The first searches after a start, each of which once blocked the event loop.
            sent = [
                await standin.slash(ALICE, "paper", guild=guild, title="zzkalo mirune tavo"),
                await standin.autocomplete(BOB, "papers", "author", "Author 1", guild=guild),
                await standin.autocomplete(BOB, "papers", "venue", "Venue", guild=guild),
                await standin.slash(BOB, "papers", guild=guild, author="Author 12"),
                await standin.slash(ALICE, "cite", guild=guild, paper="nerutavo kalomi"),
                await standin.autocomplete(ALICE, "cite", "paper", "Kalo", guild=guild),
                await standin.slash(BOB, "ask", guild=guild, question="what is kalomine?"),
            ]
            callbacks = [
                await standin.wait_for_request(
                    "POST", CALLBACK, where=lambda r, t=i["token"]: t in r.path, timeout=60
                )
                for i in sent
            ]
            # Every command's answer too (the searches queue in the one search thread).
            for interaction in sent:
                if interaction["type"] != AUTOCOMPLETE:
                    await interaction_reply(standin, interaction, timeout=60)
        finally:
            output = await _stop_paperbot(process, within=60)
    late = [(c.path.split("/")[2], c.status) for c in callbacks if c.status not in (200, 204)]
    assert late == [], f"answered after Discord's window: {late}\n{output[-2000:]}"
