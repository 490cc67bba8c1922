import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.settings import (
    SETTINGS_KEYS,
    Secret,
    SettingsError,
    application_id_from_token,
    exposed_mode,
    load_settings,
)

REPO = Path(__file__).resolve().parent.parent
FAKE_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.fake-token-value-for-tests"


def test_defaults_without_any_setting():
    settings = load_settings({}, env_file=None)
    assert settings.discord_token is None
    assert (
        settings.top_k == 3 and settings.cooldown_questions == 5 and settings.cooldown_seconds == 30
    )
    assert settings.guild_ids == ()


def test_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "PAPERBOT_TOP_K=2\nDISCORD_GUILD_IDS=123456789012345678, 223456789012345678\n"
    )
    settings = load_settings({"PAPERBOT_TOP_K": "4"}, env_file=env_file)
    assert settings.top_k == 4
    assert settings.guild_ids == (123456789012345678, 223456789012345678)


def test_the_token_never_shows_in_reprs_or_strings():
    settings = load_settings({"DISCORD_TOKEN": FAKE_TOKEN}, env_file=None)
    shown = " ".join(
        [repr(settings), str(settings), f"{settings.discord_token}", repr(settings.discord_token)]
    )
    assert FAKE_TOKEN not in shown
    assert settings.discord_token.reveal() == FAKE_TOKEN


def test_secret_refuses_to_be_pickled():
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(Secret("x"))


def test_application_id_comes_from_the_token():
    assert application_id_from_token(FAKE_TOKEN) == 123456789012345678
    assert application_id_from_token("not-a-token") is None
    settings = load_settings({"DISCORD_TOKEN": FAKE_TOKEN}, env_file=None)
    assert settings.bot_application_id() == 123456789012345678


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("PAPERBOT_TOP_K", "0", "PAPERBOT_TOP_K must be between 1 and 5, not 0"),
        ("PAPERBOT_TOP_K", "x", "PAPERBOT_TOP_K must be a whole number"),
        ("PAPERBOT_COOLDOWN_SECONDS", "-1", "PAPERBOT_COOLDOWN_SECONDS must be between"),
        ("DISCORD_GUILD_IDS", "123,abc", "DISCORD_GUILD_IDS must be a Discord id"),
        ("DISCORD_APPLICATION_ID", "12", "DISCORD_APPLICATION_ID must be a Discord id"),
        ("PAPERBOT_LOG_LEVEL", "loud", "PAPERBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"),
        ("PAPERBOT_RECORD_QUESTIONS", "maybe", "PAPERBOT_RECORD_QUESTIONS must be on or off"),
        ("PAPERBOT_STORE_USER_IDS", "2", "PAPERBOT_STORE_USER_IDS must be on or off"),
        ("PAPERBOT_WATCH_CORPUS", "sometimes", "PAPERBOT_WATCH_CORPUS must be on or off"),
        ("DISCORD_API_BASE", "discord.com/api", "DISCORD_API_BASE must be a URL starting with"),
        ("DISCORD_GATEWAY_URL", "https://x", "DISCORD_GATEWAY_URL must be a URL starting with ws"),
    ],
)
def test_bad_values_raise_one_clear_message(key, value, message):
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings({key: value}, env_file=None)


def test_an_unreadable_env_file_is_reported(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_bytes(b"PAPERBOT_TOP_K=\xff\n")
    with pytest.raises(SettingsError, match="cannot read settings file"):
        load_settings({}, env_file=env_file)


def test_env_example_documents_every_setting():
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert documented == set(SETTINGS_KEYS)
    for key in SETTINGS_KEYS:
        before = example.split(f"\n{key}=")[0].splitlines()[-1]
        assert before.startswith("# "), f"{key} has no one-line comment above it"


def test_feedback_is_recorded_without_user_ids_by_default_next_to_the_state():
    settings = load_settings({"PAPERBOT_STATE_DIR": "/srv/bot"}, env_file=None)
    assert settings.record_questions is True and settings.store_user_ids is False
    assert settings.database_path() == Path("/srv/bot/paperbot.sqlite3")


@pytest.mark.parametrize(
    ("raw", "value"), [("off", False), ("0", False), ("No", False), ("ON", True)]
)
def test_switches_read_on_and_off(raw, value):
    switches = ("PAPERBOT_RECORD_QUESTIONS", "PAPERBOT_STORE_USER_IDS", "PAPERBOT_WATCH_CORPUS")
    settings = load_settings(dict.fromkeys(switches, raw), env_file=None)
    assert settings.record_questions is value and settings.store_user_ids is value
    assert settings.watch_corpus is value


def test_the_corpus_is_watched_by_default():
    assert load_settings({}, env_file=None).watch_corpus is True


def test_the_database_path_can_be_set():
    settings = load_settings({"PAPERBOT_DB": "/data/feedback.db"}, env_file=None)
    assert settings.database_path() == Path("/data/feedback.db")


@pytest.mark.parametrize(
    "key",
    [
        "DISCORD_APPLICATION_ID",
        "DISCORD_GUILD_IDS",
        "PAPERBOT_TOP_K",
        "PAPERBOT_LOG_LEVEL",
        "PAPERBOT_RECORD_QUESTIONS",
    ],
)
def test_a_token_pasted_on_the_wrong_line_is_named_but_never_echoed(key):
    with pytest.raises(SettingsError) as caught:
        load_settings({key: FAKE_TOKEN}, env_file=None)
    message = str(caught.value)
    assert message.startswith(key) and "looks like a bot token" in message
    assert FAKE_TOKEN not in message and FAKE_TOKEN.split(".")[2] not in message


def test_env_is_git_ignored():
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored
    if shutil.which("git") and (REPO / ".git").exists():
        check = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO, check=False)
        assert check.returncode == 0, ".env is not ignored by git"


@pytest.mark.parametrize(
    ("mode", "exposed"), [(0o600, None), (0o400, None), (0o640, 0o640), (0o604, 0o604)]
)
def test_an_env_file_readable_by_others_is_spotted(tmp_path, mode, exposed):
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=x\n")
    env_file.chmod(mode)
    assert exposed_mode(env_file) == exposed
    assert exposed_mode(tmp_path / "missing") is None


def test_discord_can_be_reached_through_another_address_for_tests_or_a_proxy():
    assert load_settings({}, env_file=None).discord_api_base is None
    settings = load_settings(
        {
            "DISCORD_API_BASE": "http://127.0.0.1:8080/api/v10",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8080/gateway",
        },
        env_file=None,
    )
    assert settings.discord_api_base == "http://127.0.0.1:8080/api/v10"
    assert settings.discord_gateway_url == "ws://127.0.0.1:8080/gateway"
