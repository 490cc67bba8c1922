"""`paperbot serve` and `paperbot` as processes: a bad or missing token, SIGTERM when idle and
during a reply."""

from __future__ import annotations

import asyncio
import signal
import sys

from tests.conftest import clean_env
from tests.standin.harness import ALICE, APPLICATION_ID, BOT_USER_ID, ORIGINAL, TOKEN
from tests.standin.server import StandIn, delayed, reply_with

# Loaded by the child Python before paperbot: points discord.py at the stand-in. The product
# itself has no such hook; this file lives only in the test's temporary folder.
SITECUSTOMIZE = """
import os
import discord.gateway, discord.http, yarl
discord.http.Route.BASE = os.environ["STANDIN_API_BASE"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["STANDIN_GATEWAY"])
if os.environ.get("STANDIN_RECONNECT_DELAY"):  # discord.py's back-off before reconnecting, fixed
    import discord.backoff
    delay = float(os.environ["STANDIN_RECONNECT_DELAY"])
    discord.backoff.ExponentialBackoff.delay = lambda self: delay
"""


async def _start_paperbot(tmp_path, standin: StandIn | None, *args: str, **env: str):
    hooks = tmp_path / "hooks"
    hooks.mkdir(exist_ok=True)
    environment = clean_env(**env)
    if standin is not None:
        (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
        environment["PYTHONPATH"] = f"{hooks}:{environment['PYTHONPATH']}"
        environment.update(STANDIN_API_BASE=standin.api_base, STANDIN_GATEWAY=standin.gateway_url)
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
    async with StandIn(token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID) as s:
        process = await _start_paperbot(tmp_path, s, "serve", DISCORD_TOKEN="not-the-token")
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
    async with StandIn(token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID) as s:
        process = await _start_paperbot(
            tmp_path, s, DISCORD_TOKEN=TOKEN, PAPERBOT_LOG_LEVEL="DEBUG"
        )
        try:
            while not s.sessions:
                await asyncio.sleep(0.05)
                assert process.returncode is None, (await process.stderr.read()).decode()
            await asyncio.wait_for(s.session.identified.wait(), 30)
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


async def _serving(tmp_path, standin: StandIn):
    """`paperbot serve` as a process, connected to `standin`, logging at DEBUG."""
    process = await _start_paperbot(
        tmp_path, standin, "serve", DISCORD_TOKEN=TOKEN, PAPERBOT_LOG_LEVEL="DEBUG"
    )
    while not standin.sessions or not standin.session.identified.is_set():
        await asyncio.sleep(0.05)
        assert process.returncode is None, (await process.stderr.read()).decode()
    # GUILD_CREATE and READY handled: the first interaction finds the guild
    await asyncio.sleep(0.3)
    return process


async def _stop_within_5_s(process) -> str:
    """SIGTERM, then the whole output; fails unless the process exits within 5 s."""
    process.send_signal(signal.SIGTERM)
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), 5)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return stdout.decode() + stderr.decode()


async def test_sigterm_during_a_slow_reply_lets_it_complete_and_exits(tmp_path):
    """Fault: SIGTERM arrives while the answer's edit is on its way to a slow Discord (1 s).
    Expected: the reply completes, then the process exits 0 within 5 s, without a traceback."""
    async with StandIn(token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID) as s:
        s.override("PATCH", ORIGINAL, delayed(1.0))
        process = await _serving(tmp_path, s)
        interaction = await s.slash(ALICE, "ask", guild=s.guilds[0], question="what is BYOL?")
        await s.wait_for_request("PATCH", ORIGINAL, timeout=30)
        output = await _stop_within_5_s(process)
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

    async with StandIn(token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID) as s:
        s.override("PATCH", ORIGINAL, hang)
        try:
            process = await _serving(tmp_path, s)
            await s.slash(ALICE, "ask", guild=s.guilds[0], question="what is BYOL?")
            await s.wait_for_request("PATCH", ORIGINAL, timeout=30)
            output = await _stop_within_5_s(process)
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
    async with StandIn(token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID) as s:
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
    standin = StandIn(token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID)
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
        while not standin.sessions or not standin.session.identified.is_set():
            await asyncio.sleep(0.05)
            assert process.returncode is None, (await process.stderr.read()).decode()
    finally:
        await standin.stop()
    seen = b""
    while b"Attempting a reconnect in 60.00s" not in seen:
        seen += await asyncio.wait_for(process.stderr.readline(), 30)
    output = seen.decode() + await _stop_within_5_s(process)
    assert process.returncode == 0, output
    assert TOKEN not in output and TOKEN.split(".")[2] not in output
