import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.settings import (
    SETTINGS,
    SETTINGS_PAGE,
    TABLE_END,
    TABLE_START,
    Secret,
    Settings,
    SettingsError,
    application_id_from_token,
    env_example,
    exposed_mode,
    load_settings,
    read_env_file,
    settings_table,
    write_docs,
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


def test_env_example_is_written_from_the_table_of_settings():
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    assert example == env_example(), "run `python3 dev.py settings`"
    documented = re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE)
    assert documented == [row.key for row in SETTINGS]
    for row in SETTINGS:
        before = example.split(f"\n{row.key}=")[0].splitlines()[-1]
        assert before.startswith("# "), f"{row.key} has no one-line comment above it"


def test_the_settings_page_table_is_written_from_the_table_of_settings():
    page = (REPO / SETTINGS_PAGE).read_text(encoding="utf-8")
    start, end = page.index(TABLE_START), page.index(TABLE_END)
    assert page[start : end + len(TABLE_END)] == settings_table(), "run `python3 dev.py settings`"
    for row in SETTINGS:
        assert f"| `{row.key}` |" in page


def test_write_docs_rewrites_both_files_from_the_table(tmp_path):
    (tmp_path / ".env.example").write_text("stale\n")
    page = (REPO / SETTINGS_PAGE).read_text(encoding="utf-8")
    start, end = page.index(TABLE_START), page.index(TABLE_END)
    stale = page[:start] + TABLE_START + "\n| old |\n" + page[end:]
    (tmp_path / SETTINGS_PAGE).parent.mkdir(parents=True)
    (tmp_path / SETTINGS_PAGE).write_text(stale, encoding="utf-8")
    write_docs(tmp_path)
    assert (tmp_path / ".env.example").read_text(encoding="utf-8") == env_example()
    assert (tmp_path / SETTINGS_PAGE).read_text(encoding="utf-8") == page


def test_every_field_of_settings_is_one_key_of_the_table():
    assert [row.name for row in SETTINGS] == list(Settings.__dataclass_fields__)
    keys = [row.key for row in SETTINGS]
    assert len(set(keys)) == len(keys)
    defaults = load_settings({"XDG_CACHE_HOME": "/cache"}, env_file=None)
    for row in SETTINGS:
        if row.written:  # the default as .env.example writes it reads back as the default
            assert row.parse(row.written) == getattr(defaults, row.name), row.key


def test_every_bad_key_is_reported_at_once_one_line_each():
    bad = {"PAPERBOT_TOP_K": "0", "PAPERBOT_LOG_LEVEL": "loud", "PAPERBOT_WATCH_CORPUS": "?"}
    with pytest.raises(SettingsError) as caught:
        load_settings(bad, env_file=None)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert [line.split()[0] for line in lines] == [
        "PAPERBOT_TOP_K",
        "PAPERBOT_LOG_LEVEL",
        "PAPERBOT_WATCH_CORPUS",
    ]


def test_a_bad_value_from_env_names_the_file_and_line(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# mine\nPAPERBOT_TOP_K=9\n\nPAPERBOT_LOG_LEVEL=loud\n")
    with pytest.raises(SettingsError) as caught:
        load_settings({"PAPERBOT_LOG_LEVEL": "warning-ish"}, env_file=env_file)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{env_file}:2: PAPERBOT_TOP_K must be between 1 and 5, not 9"
    # The environment's value wins, and it is on no line of the file.
    assert lines[1].startswith("PAPERBOT_LOG_LEVEL must be") and "'warning-ish'" in lines[1]


@pytest.mark.parametrize(("raw", "seconds"), [("2.5", 2.5), ("30", 30.0), ("0", 0.0)])
def test_cooldown_seconds_take_fractions(raw, seconds):
    settings = load_settings({"PAPERBOT_COOLDOWN_SECONDS": raw}, env_file=None)
    assert settings.cooldown_seconds == seconds


@pytest.mark.parametrize("raw", ["soon", "nan", "inf", "86401", "-0.5"])
def test_cooldown_seconds_outside_the_window_are_refused(raw):
    with pytest.raises(SettingsError, match=r"^PAPERBOT_COOLDOWN_SECONDS must be"):
        load_settings({"PAPERBOT_COOLDOWN_SECONDS": raw}, env_file=None)


def test_env_example_says_the_cooldown_takes_fractions():
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    comment = example.split("\nPAPERBOT_COOLDOWN_SECONDS=")[0].splitlines()[-1]
    assert "2.5" in comment


@pytest.mark.parametrize(
    "line", [FAKE_TOKEN, f"export {FAKE_TOKEN}", f"DISCORD_TOKN={FAKE_TOKEN}", f"Bot {FAKE_TOKEN}"]
)
def test_a_token_on_a_line_without_its_key_gets_a_hint_that_never_echoes_it(tmp_path, line):
    env_file = tmp_path / ".env"
    env_file.write_text(f"PAPERBOT_TOP_K=3\n{line}\n")
    found = read_env_file(env_file)
    assert found.holds_token()
    (hint,) = found.hints()
    assert hint.startswith(f"{env_file}:2: ") and "DISCORD_TOKEN=" in hint
    assert FAKE_TOKEN not in hint and FAKE_TOKEN.split(".")[2] not in hint
    assert load_settings({}, env_file=env_file).discord_token is None


def test_a_commented_out_token_gets_no_hint_but_counts_as_held(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"# DISCORD_TOKEN={FAKE_TOKEN}\nDISCORD_TOKEN=\n")
    found = read_env_file(env_file)
    assert found.hints() == [] and found.holds_token()


def test_a_token_in_its_place_needs_no_hint(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"DISCORD_TOKEN={FAKE_TOKEN}\n")
    found = read_env_file(env_file)
    assert found.holds_token() and found.hints() == []
    env_file.write_text("DISCORD_TOKEN=\nPAPERBOT_TOP_K=2\n")
    assert not read_env_file(env_file).holds_token()


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
