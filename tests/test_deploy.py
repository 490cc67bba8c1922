"""The systemd unit in deploy/: each place written once, no setting that overrides .env, the
token's file made private in its steps, /home's hiding said, state and cache where systemd
keeps them (and .env still wins over those)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import load_settings
from tests.conftest import REPO

UNIT = REPO / "deploy" / "paperbot.service"


def _directives() -> list[tuple[str, str]]:
    lines = UNIT.read_text(encoding="utf-8").splitlines()
    return [
        (key, value)
        for key, _, value in (line.partition("=") for line in lines)
        if value and not key.startswith(("#", "["))
    ]


def test_each_folder_of_the_unit_is_written_in_one_directive():
    places = [
        match.group()
        for _, value in _directives()
        for match in re.finditer(r"/(?:opt|srv|home)/[\w.-]+", value)
    ]
    assert sorted(places) == sorted(set(places)) and len(places) == 2, places
    assert dict(_directives())["WorkingDirectory"] == "/srv/paperbot"


def test_the_unit_sets_no_paperbot_setting_over_env():
    environment = [value for key, value in _directives() if key == "Environment"]
    assert environment and not [v for v in environment if v.startswith(("PAPERBOT_", "DISCORD_"))]


def test_the_steps_make_env_private_and_say_why_home_is_hidden():
    text = UNIT.read_text(encoding="utf-8")
    assert "chmod 600 /srv/paperbot/.env" in text
    assert ("ProtectHome", "true") in _directives()
    assert "ProtectHome=read-only" in text and "/home" in text
    assert {("StateDirectory", "paperbot"), ("CacheDirectory", "paperbot")} <= set(_directives())


def test_state_and_cache_go_where_systemd_made_them_unless_env_says_otherwise(tmp_path):
    systemd = {"STATE_DIRECTORY": "/var/lib/paperbot", "CACHE_DIRECTORY": "/var/cache/paperbot"}
    settings = load_settings(systemd, env_file=None)
    assert settings.state_dir == Path("/var/lib/paperbot")
    assert settings.index_cache == Path("/var/cache/paperbot")
    assert settings.database_path() == Path("/var/lib/paperbot/paperbot.sqlite3")
    env_file = tmp_path / ".env"
    env_file.write_text("PAPERBOT_STATE_DIR=/data/state\nPAPERBOT_INDEX_CACHE=off\n")
    chosen = load_settings(systemd, env_file=env_file)
    assert chosen.state_dir == Path("/data/state") and chosen.index_cache is None
    assert load_settings({}, env_file=None).state_dir == Path(".paperbot")
