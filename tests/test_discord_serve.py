"""`paperbot serve` and `paperbot` as processes: a bad or missing token, SIGTERM when idle and
during a reply."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import socket
import sys
from dataclasses import replace

import pytest

from bot.discord_app.backoff import RetryPolicy
from bot.discord_app.runner import DiscordUnavailable, StartupError, create_client, serve
from bot.settings import Secret
from tests.conftest import clean_env
from tests.standin import rules
from tests.standin.harness import (
    ALICE,
    APPLICATION_ID,
    ORIGINAL,
    TOKEN,
    bot_settings,
    bots_standin,
    live_corpus,
    pointed_at,
    running_bot,
)
from tests.standin.server import StandIn, delayed, rate_limited, reply_with

# Loaded by the child Python before paperbot when a test fixes discord.py's own wait before
# reconnecting the gateway, or shortens how long paperbot tries to reach Discord at start; this
# file lives only in the test's temporary folder.
SITECUSTOMIZE = """
import os
if os.environ.get("STANDIN_RECONNECT_DELAY"):
    import discord.backoff
    delay = float(os.environ["STANDIN_RECONNECT_DELAY"])
    discord.backoff.ExponentialBackoff.delay = lambda self: delay
if os.environ.get("STANDIN_GIVE_UP_AFTER"):
    from bot.discord_app import backoff, runner
    runner.STARTUP_RETRY = backoff.RetryPolicy(
        first_delay=0.05, max_delay=0.1, give_up_after=float(os.environ["STANDIN_GIVE_UP_AFTER"])
    )
"""


def _unreachable_port() -> socket.socket:
    """A socket holding a port on 127.0.0.1 without listening: connecting to it is refused."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    return held


@contextlib.asynccontextmanager
async def _serving_where_nothing_listens(tmp_path, **env: str):
    """`paperbot serve` aimed at a port of 127.0.0.1 where nothing listens (connection refused),
    as at a boot before the network is up; the port is held until the block ends."""
    held = _unreachable_port()
    port = held.getsockname()[1]
    try:
        yield await _start_paperbot(
            tmp_path,
            None,
            "serve",
            DISCORD_TOKEN=TOKEN,
            DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
            DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/gateway",
            **env,
        )
    finally:
        held.close()


async def _start_paperbot(tmp_path, standin: StandIn | None, *args: str, **env: str):
    """`python -m bot ARGS` in `tmp_path`, aimed at `standin` through DISCORD_API_BASE and
    DISCORD_GATEWAY_URL (the settings for a proxy or a stand-in)."""
    environment = clean_env(**env)
    if env.get("STANDIN_RECONNECT_DELAY") or env.get("STANDIN_GIVE_UP_AFTER"):
        hooks = tmp_path / "hooks"
        hooks.mkdir(exist_ok=True)
        (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
        environment["PYTHONPATH"] = f"{hooks}:{environment['PYTHONPATH']}"
    if standin is not None:
        environment.update(
            DISCORD_API_BASE=standin.api_base, DISCORD_GATEWAY_URL=standin.gateway_url
        )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_a_rejected_token_exits_2_with_one_line(tmp_path):
    wrong = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.not-the-token"  # a bot token's shape, not its value
    async with bots_standin() as s:
        process = await _start_paperbot(tmp_path, s, "serve", DISCORD_TOKEN=wrong)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert s.find("GET", "/users/@me"), "the bot never tried to log in"
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert len(lines) == 1, stderr.decode()
    assert lines[0].startswith("paperbot: error: Discord rejected DISCORD_TOKEN")
    assert "not-the-token" not in stderr.decode() + stdout.decode()


async def test_serve_without_a_token_exits_2_with_one_line(tmp_path):
    process = await _start_paperbot(tmp_path, None, "serve")
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert stderr.decode().strip().splitlines() == [
        "paperbot: error: DISCORD_TOKEN is not set: copy the bot token from the Developer "
        "Portal into .env"
    ]


async def test_paperbot_with_a_token_serves_and_stops_cleanly_on_sigterm(tmp_path):
    async with bots_standin() as s:
        process = await _start_paperbot(
            tmp_path, s, DISCORD_TOKEN=TOKEN, PAPERBOT_LOG_LEVEL="DEBUG"
        )
        try:
            await _connected(process, s)
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await asyncio.wait_for(s.session.closed.wait(), 5)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "SIGTERM received: disconnecting" in log
    assert "Traceback" not in log
    assert TOKEN not in log and TOKEN.split(".")[2] not in log
    assert s.find("PUT", rf"/applications/{APPLICATION_ID}/commands")


async def _connected(process, standin: StandIn) -> None:
    """Wait until the process has a gateway connection to `standin`; fail if it ends first."""
    connected = asyncio.create_task(standin.wait_for_connection(1, timeout=30))
    ended = asyncio.create_task(process.wait())
    await asyncio.wait({connected, ended}, return_when=asyncio.FIRST_COMPLETED)
    ended.cancel()
    if not connected.done():
        connected.cancel()
        raise AssertionError((await process.stderr.read()).decode())
    connected.result()


async def _read_until(process, text: str) -> str:
    """Everything the process wrote to stderr up to the line with `text`."""
    seen = ""
    while text not in seen:
        line = (await asyncio.wait_for(process.stderr.readline(), 30)).decode()
        assert line, f"the process ended before saying {text!r}:\n{seen}"
        seen += line
    return seen


async def _serving(tmp_path, standin: StandIn):
    """`paperbot serve` as a process, connected to `standin`, logging at DEBUG; and what it
    logged until READY was handled (the first interaction then finds the guild)."""
    process = await _start_paperbot(
        tmp_path, standin, "serve", DISCORD_TOKEN=TOKEN, PAPERBOT_LOG_LEVEL="DEBUG"
    )
    await _connected(process, standin)
    return process, await _read_until(process, "Logged in as")


async def _stop_paperbot(process, within: float = 5.0) -> str:
    """SIGTERM, then the whole output; fails unless the process exits `within` seconds."""
    process.send_signal(signal.SIGTERM)
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), within)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return stdout.decode() + stderr.decode()


async def test_sigterm_during_a_slow_reply_lets_it_complete_and_exits(tmp_path):
    """Fault: SIGTERM arrives while the answer's edit is on its way to a slow Discord (1 s).
    Expected: the reply completes, then the process exits 0 within 5 s, without a traceback."""
    async with bots_standin() as s:
        s.override("PATCH", ORIGINAL, delayed(1.0))
        process, started = await _serving(tmp_path, s)
        interaction = await s.slash(ALICE, "ask", guild=s.guilds[0], question="what is BYOL?")
        await s.wait_for_request("PATCH", ORIGINAL, timeout=30)
        output = started + await _stop_paperbot(process)
        answers = s.shown_for(interaction)
    assert process.returncode == 0, output
    assert len(answers) == 1 and answers[0]["embeds"]
    assert "SIGTERM received" in output and "Abandoning" not in output
    assert "Traceback" not in output
    assert TOKEN not in output and TOKEN.split(".")[2] not in output


async def test_sigterm_during_a_reply_that_hangs_abandons_it_and_exits(tmp_path):
    """Fault: SIGTERM arrives while Discord never answers the answer's edit. Expected: the
    reply is abandoned after the grace period with one warning, and the process exits 0
    within 5 s, without a traceback."""
    release = asyncio.Event()

    async def hang(record):
        await release.wait()

    async with bots_standin() as s:
        s.override("PATCH", ORIGINAL, hang)
        try:
            process, started = await _serving(tmp_path, s)
            await s.slash(ALICE, "ask", guild=s.guilds[0], question="what is BYOL?")
            await s.wait_for_request("PATCH", ORIGINAL, timeout=30)
            output = started + await _stop_paperbot(process)
        finally:
            release.set()
    assert process.returncode == 0, output
    assert "Abandoning 1 reply(s) still in progress" in output
    assert "Traceback" not in output
    assert TOKEN not in output and TOKEN.split(".")[2] not in output


async def test_a_crash_at_login_prints_no_token(tmp_path):
    """Fault: Discord answers the login with a user object missing its fields, which discord.py
    cannot parse. Expected: the process dies with a traceback, at DEBUG, and none of what it
    printed shows the token."""
    async with bots_standin() as s:
        s.override("GET", "/users/@me", reply_with(200, {"username": "paperbot"}))
        process = await _start_paperbot(
            tmp_path, s, "serve", DISCORD_TOKEN=TOKEN, PAPERBOT_LOG_LEVEL="DEBUG"
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    output = stdout.decode() + stderr.decode()
    assert process.returncode not in (0, None)
    assert "Traceback" in output and "KeyError" in output
    assert TOKEN not in output and TOKEN.split(".")[2] not in output


async def test_sigterm_while_discord_is_unreachable_exits_within_5_s(tmp_path):
    """Fault: Discord goes away (the gateway and REST refuse connections) and the bot waits 60 s
    before reconnecting. Expected: SIGTERM during that wait still ends it within 5 s, exit 0."""
    standin = bots_standin()
    await standin.start()
    try:
        process = await _start_paperbot(
            tmp_path,
            standin,
            "serve",
            DISCORD_TOKEN=TOKEN,
            PAPERBOT_LOG_LEVEL="DEBUG",
            STANDIN_RECONNECT_DELAY="60",
        )
        await _connected(process, standin)
    finally:
        await standin.stop()
    # discord.py's shard says "Attempting a reconnect for shard ID 0 in 60.00s".
    waiting = re.compile(rb"Attempting a reconnect .*in 60\.00s")
    seen = b""
    while not waiting.search(seen):
        line = await asyncio.wait_for(process.stderr.readline(), 30)
        assert line, seen.decode()
        seen += line
    output = seen.decode() + await _stop_paperbot(process)
    assert process.returncode == 0, output
    assert TOKEN not in output and TOKEN.split(".")[2] not in output


# --- Discord out of reach at start ----------------------------------------------------------------


async def test_serve_keeps_retrying_an_unreachable_discord_and_sigterm_ends_it_with_0(tmp_path):
    """Fault: nothing listens where Discord should be (connection refused), as at a boot before
    the network is up. Expected: a one-line warning per try, never the token, and SIGTERM during
    the backoff ends the process within 5 s with exit 0."""
    async with _serving_where_nothing_listens(tmp_path) as process:
        retries: list[str] = []
        while len(retries) < 2:
            line = (await asyncio.wait_for(process.stderr.readline(), 30)).decode()
            assert line, "paperbot ended instead of trying again"
            if "Cannot reach Discord" in line:
                retries.append(line)
        output = "".join(retries) + await _stop_paperbot(process)
    assert process.returncode == 0, output
    assert all("trying again in" in line and "127.0.0.1" in line for line in retries)
    assert "Traceback" not in output
    assert TOKEN not in output and TOKEN.split(".")[2] not in output


_QUICK = RetryPolicy(first_delay=0.01, max_delay=0.02, give_up_after=60.0, attempt_timeout=5.0)


def _retry_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "Cannot reach Discord" in r.getMessage()]


async def test_discord_failing_with_5xx_at_start_is_tried_again_until_it_answers(
    tmp_path, retriever, caplog
):
    """Fault: the login gets a 503 (which discord.py does not retry itself) twice. Expected: a
    warning line for each, then the bot logs in and connects."""
    caplog.set_level(logging.WARNING)
    async with bots_standin() as s:
        s.override("GET", "/users/@me", reply_with(503, {"message": "down"}), times=2)
        async with running_bot(s, bot_settings(tmp_path / "state"), retriever, retry=_QUICK):
            assert s.session.identified.is_set()
    lines = _retry_lines(caplog)
    assert len(lines) == 2 and all("503" in line for line in lines)
    assert len(s.find("GET", "/users/@me")) == 3


async def test_answer_threads_ask_for_the_intents_first_and_again_while_discord_is_down(
    tmp_path, retriever, caplog
):
    """discord.py fixes the intents when the client is built: the application's flags are asked
    before (again after a 503), and the gateway is asked for the intent the application has."""
    caplog.set_level(logging.WARNING)
    async with bots_standin(
        privileged_intents=rules.MESSAGE_CONTENT,
    ) as s:
        s.override("GET", "/applications/@me", reply_with(503, {"message": "down"}), times=1)
        settings = bot_settings(tmp_path / "state", answer_threads=True)
        async with running_bot(s, settings, retriever, retry=_QUICK):
            assert s.session.intents & rules.MESSAGE_CONTENT
    (line,) = _retry_lines(caplog)
    assert "503" in line
    asked = s.find("GET", "/applications/@me")
    logged_in = s.find("GET", "/oauth2/applications/@me")
    assert len(asked) == 2 and logged_in
    assert s.requests.index(asked[-1]) < s.requests.index(logged_in[0])
    assert "Message Content intent" not in caplog.text


async def test_a_token_rejected_while_asking_for_the_intents_ends_with_one_line(
    tmp_path, retriever
):
    async with bots_standin() as s:
        settings = replace(
            bot_settings(tmp_path / "state", answer_threads=True),
            discord_token=Secret("MTIz.bad.token-x"),
        )
        with pointed_at(s), pytest.raises(StartupError, match="rejected DISCORD_TOKEN"):
            await create_client(settings, live_corpus(retriever), retry=_QUICK)
    assert len(s.find("GET", "/users/@me")) == 1
    assert not s.sessions


async def test_a_login_that_times_out_is_tried_again(tmp_path, retriever, caplog):
    caplog.set_level(logging.WARNING)
    policy = RetryPolicy(first_delay=0.01, max_delay=0.02, attempt_timeout=0.2)
    release = asyncio.Event()

    async def no_answer(record):
        await release.wait()  # until the test ends: the client gives up on it first

    async with bots_standin() as s:
        s.override("GET", "/users/@me", no_answer, times=1)
        try:
            async with running_bot(s, bot_settings(tmp_path / "state"), retriever, retry=policy):
                assert s.session.identified.is_set()
        finally:
            release.set()
    (line,) = _retry_lines(caplog)
    assert "no answer in time" in line


async def test_serve_gives_up_after_the_policy_with_discord_unavailable(
    tmp_path, retriever, caplog
):
    caplog.set_level(logging.WARNING)
    policy = RetryPolicy(first_delay=0.01, max_delay=0.02, give_up_after=0.1)
    async with bots_standin() as s:
        s.override("GET", "/users/@me", reply_with(503, {"message": "down"}))
        client = await create_client(bot_settings(tmp_path / "state"), live_corpus(retriever))
        with pointed_at(s), pytest.raises(DiscordUnavailable) as gave_up:
            await asyncio.wait_for(serve(client, retry=policy), 30)
    assert "gave up after 0.1 s" in str(gave_up.value)
    assert len(_retry_lines(caplog)) >= 2
    assert not s.sessions, "no gateway connection without a login"


async def test_a_rejected_token_is_not_retried(tmp_path, retriever, caplog):
    caplog.set_level(logging.WARNING)
    async with bots_standin() as s:
        s.override("GET", "/users/@me", reply_with(503, {"message": "down"}), times=1)
        client = await create_client(
            replace(bot_settings(tmp_path / "state"), discord_token=Secret("MTIz.bad.token-x")),
            live_corpus(retriever),
        )
        with pointed_at(s), pytest.raises(StartupError, match="rejected DISCORD_TOKEN"):
            await asyncio.wait_for(serve(client, retry=_QUICK), 30)
    assert len(_retry_lines(caplog)) == 1  # the 503, then the 401 ends it
    assert len(s.find("GET", "/users/@me")) == 2


async def test_serve_that_gives_up_reaching_discord_exits_75_with_one_line(tmp_path):
    """Fault: Discord stays out of reach for the whole retry policy (shortened here). Expected:
    exit 75 (the service manager starts it again; 2 would stop it), the last line says why."""
    async with _serving_where_nothing_listens(tmp_path, STANDIN_GIVE_UP_AFTER="0.3") as process:
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 75, stderr.decode()
    assert lines[-1].startswith("paperbot: error: cannot reach Discord (")
    assert "gave up after 0.3 s" in lines[-1]
    assert any("trying again in" in line for line in lines[:-1])
    assert "Traceback" not in stderr.decode() and TOKEN.split(".")[2] not in stderr.decode()


async def test_a_long_rate_limit_at_login_is_tried_again(tmp_path, retriever, caplog):
    """Fault: the login gets a 429 asking to wait two minutes (more than the client waits).
    Expected: one warning line, then the login is tried again and the bot connects."""
    caplog.set_level(logging.WARNING)
    async with bots_standin() as s:
        s.override("GET", "/users/@me", rate_limited(120.0), times=1)
        async with running_bot(s, bot_settings(tmp_path / "state"), retriever, retry=_QUICK):
            assert s.session.identified.is_set()
    (line,) = _retry_lines(caplog)
    assert "RateLimited" in line
