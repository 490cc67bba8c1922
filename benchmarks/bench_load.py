"""Load on the real bot: a burst of /ask from many users, then a long soak.

    .venv/bin/python benchmarks/bench_load.py --corpus ../shared/eval/scifact/corpus.jsonl

Runs `paperbot serve` as its own process (as deployed) against the Discord stand-in of the tests
on 127.0.0.1, so the bot's event loop, threads and memory are its own. Then:

1. Burst: BURST /ask interactions from USERS users within one second (users drawn at random,
   seeded, so some ask more than the cooldown allows). Every interaction must get exactly one
   response inside Discord's 3 s window: an answer, or the cooldown's "try again".
2. Soak: SOAK more questions (a few at a time, from enough users that the cooldown stays out of
   the way), with the bot's resident memory read along the way.

Heartbeats are asked for every 100 ms; how late each arrives at the stand-in measures how long the
bot's event loop stalled (the heartbeat thread needs the loop to send). Prints the figures; the
ratios between runs are the result, not absolute times. Needs Linux (/proc) for memory figures.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.corpus.papers import load_corpus  # noqa: E402
from tests.standin.server import StandIn, user_payload  # noqa: E402

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.fake-token-value-for-bench"
APPLICATION_ID = 123456789012345678
HEARTBEAT_MS = 100
COOLDOWN = 5  # questions per user per 30 s: paperbot's default
SITECUSTOMIZE = """
import os
import discord.gateway, discord.http, yarl
discord.http.Route.BASE = os.environ["STANDIN_API_BASE"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["STANDIN_GATEWAY"])
"""


def questions_from(corpus: Path, queries: Path | None, count: int, seed: int) -> list[str]:
    """`count` questions: from a queries file (BEIR `queries.jsonl`) or the corpus's titles."""
    if queries is not None:
        with queries.open(encoding="utf-8") as lines:
            texts = [json.loads(line).get("text", "") for line in lines if line.strip()]
    else:
        texts = [paper.title for paper in load_corpus(corpus).papers]
    texts = [" ".join(text.split()[:25])[:300] for text in texts if text.strip()]
    if not texts:
        raise SystemExit(f"{queries or corpus}: no questions found")
    rng = random.Random(seed)
    return [rng.choice(texts) for _ in range(count)]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def user(number: int) -> dict:
    return user_payload(200_000_000_000_000_000 + number, f"user{number}")


async def start_bot(standin: StandIn, corpus: Path, folder: Path) -> asyncio.subprocess.Process:
    hooks = folder / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PAPERBOT_"))}
    env.update(
        PYTHONPATH=f"{hooks}{os.pathsep}{REPO}",
        STANDIN_API_BASE=standin.api_base,
        STANDIN_GATEWAY=standin.gateway_url,
        DISCORD_TOKEN=TOKEN,
        PAPERBOT_CORPUS=str(corpus.resolve()),
        PAPERBOT_STATE_DIR=str(folder / "state"),
        PAPERBOT_INDEX_CACHE=str(folder / "index-cache"),  # a fresh build, nothing left behind
        PAPERBOT_RECORD_QUESTIONS="off",
        PAPERBOT_LOG_LEVEL="WARNING",
    )
    log = (folder / "bot.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        cwd=folder,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )
    started = time.monotonic()
    while not (standin.sessions and standin.session.identified.is_set()):
        if process.returncode is not None:
            raise SystemExit(f"the bot exited with {process.returncode} before connecting")
        await asyncio.sleep(0.05)
    print(f"bot connected after {time.monotonic() - started:.1f} s (load, index, login)")
    await asyncio.sleep(0.5)  # READY and GUILD_CREATE handled
    return process


async def wait_answered(standin: StandIn, interactions: list[dict], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not all(standin.shown_for(i) for i in interactions):
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # room for a duplicate to show up, if there were one


def lateness_ms(standin: StandIn, since: float, until: float) -> list[float]:
    """How late each heartbeat came, compared with the interval, in ms."""
    late = []
    for session in standin.sessions:
        beats = [t for t in session.heartbeats if since <= t <= until]
        late += [max(0.0, (b - a) * 1000 - HEARTBEAT_MS) for a, b in itertools.pairwise(beats)]
    return late


async def burst(standin: StandIn, questions: list[str], users: int, seed: int) -> dict:
    rng = random.Random(seed)
    askers = [rng.randrange(users) for _ in questions]
    guild = standin.guilds[0]
    loop = asyncio.get_running_loop()
    start = loop.time()
    interactions = []
    for number, (asker, question) in enumerate(zip(askers, questions, strict=True)):
        # spread evenly over one second
        await asyncio.sleep(max(0.0, start + number / len(questions) - loop.time()))
        interactions.append(await standin.slash(user(asker), "ask", guild=guild, question=question))
    await wait_answered(standin, interactions, timeout=600)
    end = loop.time()

    shown = [standin.shown_for(i) for i in interactions]
    answered = sum(1 for s in shown if len(s) == 1 and s[0].get("embeds"))
    refused = sum(1 for s in shown if len(s) == 1 and "try again" in (s[0].get("content") or ""))
    first = [
        standin.acknowledged[i["token"]] - standin.dispatched_at[i["token"]]
        for i in interactions
        if i["token"] in standin.acknowledged
    ]
    final = {}
    for record in standin.find("PATCH", r"/webhooks/\d+/[^/]+/messages/@original"):
        token = record.path.split("/")[3]
        final.setdefault(token, record.received_at - standin.dispatched_at.get(token, 0))
    expected_refusals = sum(max(0, n - COOLDOWN) for n in Counter(askers).values())
    return {
        "interactions": len(interactions),
        "users": len(set(askers)),
        "dispatch_seconds": interactions
        and standin.dispatched_at[interactions[-1]["token"]] - start,
        "answered": answered,
        "cooldown_refusals": refused,
        "expected_refusals": expected_refusals,
        "no_response": sum(1 for s in shown if not s),
        "more_than_one": sum(1 for s in shown if len(s) > 1),
        "outside_window": len(interactions) - len(first),
        "first_response_ms": [1000 * x for x in first],
        "answer_ms": [1000 * x for x in final.values()],
        "heartbeat_late_ms": lateness_ms(standin, start, end),
        "seconds": end - start,
    }


async def soak(
    standin: StandIn, questions: list[str], pid: int, concurrency: int, first_user: int
) -> dict:
    guild = standin.guilds[0]
    loop = asyncio.get_running_loop()
    rss = [(0, rss_mib(pid))]
    slots = asyncio.Semaphore(concurrency)
    done = 0
    missing = 0

    async def one(number: int, question: str) -> None:
        nonlocal done, missing
        async with slots:
            # 1,000 users take turns: no one asks more than 5 times in 30 s
            asker = user(first_user + number % 1000)
            interaction = await standin.slash(asker, "ask", guild=guild, question=question)
            deadline = loop.time() + 120
            while not standin.shown_for(interaction) and loop.time() < deadline:
                await asyncio.sleep(0.01)
            missing += not standin.shown_for(interaction)
            done += 1

    start = loop.time()
    step = max(1, len(questions) // 5)
    for offset in range(0, len(questions), step):
        batch = questions[offset : offset + step]
        await asyncio.gather(*(one(offset + n, q) for n, q in enumerate(batch)))
        rss.append((done, rss_mib(pid)))
        standin.forget()  # the stand-in's own records; the bot's memory is what is measured
        print(f"  soak: {done} questions, bot RSS {rss[-1][1]:.1f} MiB", flush=True)
    return {
        "questions": done,
        "no_response": missing,
        "seconds": loop.time() - start,
        "rss_mib": rss,
        "heartbeat_late_ms": lateness_ms(standin, start, loop.time()),
    }


def engine() -> str:
    """Which BM25 engine the bot runs: rank_bm25's, or the numpy one that replaces it."""
    source = (REPO / "bot" / "search" / "bm25.py").read_text(encoding="utf-8")
    uses_rank_bm25 = re.search(r"^\s*(from|import) rank_bm25", source, flags=re.MULTILINE)
    return "rank_bm25.BM25Okapi" if uses_rank_bm25 else "bot.index.bm25's own (numpy)"


def report(
    corpus: Path, engine_name: str, started_rss: float, burst_result: dict, soak_result: dict | None
) -> None:
    b = burst_result
    print()
    print(f"engine: {engine_name}; corpus: {corpus}")
    print(f"bot RSS after start: {started_rss:.1f} MiB")
    print(
        f"burst: {b['interactions']} /ask from {b['users']} users dispatched in "
        f"{b['dispatch_seconds']:.2f} s, all answered after {b['seconds']:.1f} s"
    )
    print(
        f"  responses: {b['answered']} answers + {b['cooldown_refusals']} cooldown refusals "
        f"(expected {b['expected_refusals']}); none: {b['no_response']}, "
        f"more than one: {b['more_than_one']}, outside the 3 s window: {b['outside_window']}"
    )
    first, answer, late = b["first_response_ms"], b["answer_ms"], b["heartbeat_late_ms"]
    print(
        f"  time to first response: p50 {percentile(first, 0.5):.1f} ms, "
        f"p99 {percentile(first, 0.99):.1f} ms, max {max(first, default=float('nan')):.1f} ms"
    )
    print(
        f"  time to the answer: p50 {percentile(answer, 0.5):.0f} ms, "
        f"p99 {percentile(answer, 0.99):.0f} ms"
    )
    print(
        f"  heartbeat lateness (event-loop stall): max {max(late, default=0):.1f} ms, "
        f"p99 {percentile(late, 0.99):.1f} ms over {len(late)} heartbeats"
    )
    if soak_result:
        s = soak_result
        rss = s["rss_mib"]
        late = s["heartbeat_late_ms"]
        print(
            f"soak: {s['questions']} questions in {s['seconds']:.0f} s "
            f"({s['questions'] / s['seconds']:.0f}/s), no response: {s['no_response']}"
        )
        print("  bot RSS (MiB) after n questions: " + ", ".join(f"{n}: {m:.1f}" for n, m in rss))
        print(
            f"  RSS before/after the soak: {rss[0][1]:.1f} / {rss[-1][1]:.1f} MiB "
            f"({rss[-1][1] - rss[0][1]:+.1f} MiB); after the first fifth: {rss[1][1]:.1f} MiB "
            f"({rss[-1][1] - rss[1][1]:+.1f} MiB since)"
        )
        print(f"  heartbeat lateness: max {max(late, default=0):.1f} ms")


async def main(args: argparse.Namespace) -> int:
    # SIGTERM ends the run like Ctrl-C: through the `finally` that stops the bot process.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    corpus: Path = args.corpus
    engine_name = engine()  # read now: the file may change while the benchmark runs
    questions = questions_from(corpus, args.queries, args.burst + args.soak, args.seed)
    async with StandIn(
        token=TOKEN,
        application_id=APPLICATION_ID,
        bot_user_id=APPLICATION_ID,
        heartbeat_interval_ms=HEARTBEAT_MS,
    ) as standin:
        with tempfile.TemporaryDirectory(prefix="paperbot-bench-") as folder:
            process = await start_bot(standin, corpus, Path(folder))
            try:
                started_rss = rss_mib(process.pid)
                burst_result = await burst(standin, questions[: args.burst], args.users, args.seed)
                standin.forget()
                soak_result = None
                if args.soak:
                    soak_result = await soak(
                        standin, questions[args.burst :], process.pid, args.concurrency, 10_000
                    )
            finally:
                process.terminate()
                await asyncio.wait_for(process.wait(), 30)
            log_lines = (Path(folder) / "bot.log").read_text(errors="replace").splitlines()
    report(corpus, engine_name, started_rss, burst_result, soak_result)
    problems = [line for line in log_lines if " ERROR " in line or " WARNING " in line]
    print(f"bot log: {len(problems)} warnings and errors" + (", the first:" if problems else ""))
    for line in problems[:5]:
        print("  " + line)
    if args.json:
        args.json.write_text(
            json.dumps({"burst": burst_result, "soak": soak_result}, indent=1), encoding="utf-8"
        )
    ok = (
        burst_result["no_response"] == burst_result["more_than_one"] == 0
        and burst_result["outside_window"] == 0
        and burst_result["cooldown_refusals"] == burst_result["expected_refusals"]
    )
    return 0 if ok else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=REPO / "corpus", help="corpus file or folder"
    )
    parser.add_argument(
        "--queries", type=Path, help="BEIR queries.jsonl to ask (default: the corpus's titles)"
    )
    parser.add_argument("--burst", type=int, default=300, help="interactions in the burst")
    parser.add_argument("--users", type=int, default=60, help="users in the burst")
    parser.add_argument("--soak", type=int, default=5000, help="questions in the soak (0: none)")
    parser.add_argument("--concurrency", type=int, default=16, help="soak questions in flight")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    return parser


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(_parser().parse_args())))
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit(130)
