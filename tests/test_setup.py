"""Setting paperbot up, through `main(argv)` in this process: a value that cannot be a bot token,
`.env` lines that are no setting or a misspelt key, a corpus that cannot be read, `paperbot
init`, and `check --online` asking the stand-in whose the token is."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import stat

import discord
import pytest

from bot.cli.main import EXIT_BAD_INPUT, EXIT_DISCORD_UNAVAILABLE, main
from bot.settings import SettingsError, load_settings
from tests.conftest import REPO
from tests.standin import rules
from tests.standin.harness import APPLICATION_ID, BOT_USER_ID, TOKEN, bots_standin, pointed_at
from tests.standin.server import StandIn


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """A clean folder to run in: no paperbot or Discord setting in the environment, no .env."""
    for key in list(os.environ):
        if key.startswith(("DISCORD_", "PAPERBOT_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _err_lines(capsys) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("abc", "three parts joined by dots"),
        ("123456789012345678", "a number, like an application or user id"),
        ("a" * 32, "the OAuth2 client secret"),
        ("ab" * 32, "public key"),
        (f"Bot {TOKEN}", "remove the word in front of it"),
        ("x.y.z", "three parts joined by dots"),  # the shape, but no bot id in its first part
    ],
)
@pytest.mark.parametrize("command", ["serve", "invite"])
def test_a_value_that_cannot_be_a_token_is_refused_at_once(
    lab, monkeypatch, capsys, value, reason, command
):
    monkeypatch.setenv("DISCORD_TOKEN", value)
    assert main([command]) == EXIT_BAD_INPUT
    (line,) = _err_lines(capsys)
    assert line.startswith("paperbot: error: DISCORD_TOKEN ") and reason in line
    assert value not in line.removeprefix("paperbot: error: DISCORD_TOKEN ")


def test_a_token_in_a_file_is_refused_naming_its_line(lab, capsys):
    (lab / ".env").write_text("PAPERBOT_TOP_K=3\nDISCORD_TOKEN=not-a-token\n", encoding="utf-8")
    assert main(["invite"]) == EXIT_BAD_INPUT
    (line,) = _err_lines(capsys)
    assert line.startswith("paperbot: error: .env:2: DISCORD_TOKEN is not a bot token")
    assert "not-a-token" not in line


def test_a_malformed_env_line_is_one_warning_naming_file_and_line_even_in_check(lab, capsys):
    (lab / ".env").write_text("PAPERBOT_TOP_K=2\nthis is not a setting\nPAPERBOT_LOG_LEVEL=ERROR\n")
    assert main(["check"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "paperbot: warning: .env:2: this line is no setting "
        "(write KEY=value, or # before a comment); ignored"
    ]
    assert "answer size: 2;" in captured.out and "log level: ERROR" in captured.out


def test_the_settings_after_a_malformed_line_keep_their_line_numbers(lab):
    (lab / ".env").write_text("junk line\nPAPERBOT_TOP_K=nine\n")
    with pytest.raises(SettingsError, match=r"\.env:2: PAPERBOT_TOP_K must be a whole number"):
        load_settings(env_file=lab / ".env")


def test_python_dotenv_logs_nothing_of_its_own(lab, caplog):
    (lab / ".env").write_text("not a setting\n")
    with caplog.at_level(logging.DEBUG):
        load_settings(env_file=lab / ".env")
    assert not [record for record in caplog.records if record.name.startswith("dotenv")]


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("PAPERBOT_CORPUSS", "did you mean PAPERBOT_CORPUS?"),
        ("DISCORD_TOKN", "did you mean DISCORD_TOKEN?"),
        ("PAPERBOT_FROBNICATE", "(see .env.example)"),
    ],
)
def test_an_unknown_key_is_warned_of_with_the_closest_known_key(lab, capsys, key, said):
    (lab / ".env").write_text(f"PAPERBOT_TOP_K=3\n{key}=x\nOTHER_TOOL=1\n")
    assert main(["papers"]) == 0
    (line,) = _err_lines(capsys)
    assert line == f"paperbot: warning: .env:2: {key} is no paperbot setting, " + (
        f"ignored: {said}" if said.startswith("did") else f"ignored {said}"
    )


def test_a_corpus_that_cannot_be_read_is_the_only_thing_said(lab, capsys):
    assert main(["--corpus", "nope/"]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == ["paperbot: error: nope: no such file or folder"]


def test_init_makes_a_lab_home_that_check_reads(lab, monkeypatch, capsys):
    home = lab / "our-lab"
    assert main(["init", str(home)]) == 0
    out = capsys.readouterr().out
    assert f"Created {home / 'papers'}/papers.toml" in out
    assert [line.split(".")[0].strip() for line in out.splitlines() if line[2:3] in "123"][-3:] == [
        "1",
        "2",
        "3",
    ]
    env_file = home / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert f"PAPERBOT_CORPUS={home / 'papers'}\n" in env_file.read_text()
    assert "# A sample to show the fields" in (home / "papers" / "papers.toml").read_text()
    monkeypatch.chdir(home)
    assert main(["check"]) == 0
    checked = capsys.readouterr()
    assert f"Corpus: {home / 'papers' / 'papers.toml'}" in checked.out
    assert "1 paper," in checked.out and checked.err == ""


def test_init_changes_nothing_where_a_lab_home_is_already(lab, capsys):
    home = lab / "our-lab"
    home.mkdir()
    (home / ".env").write_text("PAPERBOT_TOP_K=2\n")
    assert main(["init", str(home)]) == EXIT_BAD_INPUT
    assert _err_lines(capsys) == [
        f"paperbot: error: {home / '.env'} exists already: nothing was changed"
    ]
    assert (home / ".env").read_text() == "PAPERBOT_TOP_K=2\n" and not (home / "papers").exists()


def test_init_without_a_folder_uses_the_documented_default(lab, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(lab / "home"))
    assert main(["init"]) == 0
    assert (lab / "home" / "paperbot" / "papers" / "papers.toml").is_file()
    assert "paperbot init [DIR]" not in capsys.readouterr().out


async def _check_online(standin: StandIn | None, monkeypatch, api_base: str | None = None):
    """`paperbot check --online` in a thread (the stand-in answers on this loop)."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("PAPERBOT_CORPUS", str(REPO / "corpus"))
    monkeypatch.setenv("DISCORD_API_BASE", api_base or (standin.api_base if standin else ""))
    if standin is None:
        return await asyncio.to_thread(main, ["check", "--online"])
    with pointed_at(standin):  # restores discord.py's addresses, which the command changes
        return await asyncio.to_thread(main, ["check", "--online"])


async def test_check_online_says_whose_the_token_is_and_the_intents(lab, monkeypatch, capsys):
    async with bots_standin(
        privileged_intents=rules.MESSAGE_CONTENT,
    ) as standin:
        assert await _check_online(standin, monkeypatch) == 0
        assert standin.find("GET", "/users/@me") and standin.find("GET", "/applications/@me")
    out = capsys.readouterr().out
    assert f"  bot user: paperbot (id {BOT_USER_ID})" in out
    assert f"  application: paperbot (id {APPLICATION_ID})" in out
    assert "  in 1 server" in out
    assert "  privileged intents on: Message Content" in out
    assert TOKEN not in out


async def test_check_online_refuses_answer_threads_without_message_content(
    lab, monkeypatch, capsys
):
    monkeypatch.setenv("PAPERBOT_ANSWER_THREADS", "on")
    async with bots_standin() as standin:
        assert await _check_online(standin, monkeypatch) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert "  privileged intents on: none" in captured.out
    assert captured.err.splitlines()[-1].startswith(
        "paperbot: error: PAPERBOT_ANSWER_THREADS=on needs the Message Content intent"
    )


async def test_check_online_with_a_rejected_token_is_one_line(lab, monkeypatch, capsys):
    async with StandIn(
        token=TOKEN.replace("fake", "other"), application_id=APPLICATION_ID, bot_user_id=1
    ) as standin:
        assert await _check_online(standin, monkeypatch) == EXIT_BAD_INPUT
    (line,) = _err_lines(capsys)
    assert line.startswith("paperbot: error: Discord rejected DISCORD_TOKEN (401 Unauthorized)")


async def test_check_online_where_discord_cannot_be_reached(lab, monkeypatch, capsys):
    held = socket.socket()  # a port of 127.0.0.1 where nothing listens
    held.bind(("127.0.0.1", 0))
    port = held.getsockname()[1]
    try:
        base = f"http://127.0.0.1:{port}/api/v10"
        saved = discord.http.Route.BASE
        try:
            code = await _check_online(None, monkeypatch, base)
        finally:
            discord.http.Route.BASE = saved
    finally:
        held.close()
    assert code == EXIT_DISCORD_UNAVAILABLE
    (line,) = _err_lines(capsys)
    assert line.startswith("paperbot: error: could not ask Discord: ")
