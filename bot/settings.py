"""Settings, read once at startup from the environment and a `.env` file into a frozen object.

The real environment wins over `.env`. Nothing here runs at import time: tests build `Settings`
directly or pass their own mapping to `load_settings`.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from bot.bundled import BUNDLED_CORPUS
from bot.errors import PaperbotError


class SettingsError(PaperbotError):
    """A setting has a value that cannot work; the message names the key."""


class Secret:
    """A string that never shows itself in a repr, a log line or an f-string."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self):  # refuse to be pickled into logs or caches
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class Settings:
    discord_token: Secret | None = None
    application_id: int | None = None
    guild_ids: tuple[int, ...] = ()
    corpus_path: Path = BUNDLED_CORPUS
    top_k: int = 3
    cooldown_questions: int = 5
    cooldown_seconds: float = 30.0
    log_level: str = "INFO"
    state_dir: Path = field(default_factory=lambda: Path(".paperbot"))
    database: Path | None = None  # None: paperbot.sqlite3 in state_dir
    record_questions: bool = True
    store_user_ids: bool = False
    index_cache: Path | None = None  # folder for built indexes; None: build at every start
    watch_corpus: bool = True  # the Discord bot reloads the corpus when its files change
    # Discord's REST API and gateway, when not Discord's own (a proxy in front of it, or a
    # stand-in for tests); None: Discord's.
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None

    def database_path(self) -> Path:
        """The SQLite file for unanswered questions and votes."""
        return self.database or self.state_dir / "paperbot.sqlite3"

    def bot_application_id(self) -> int | None:
        """The configured application id, or the one encoded in the token's first part."""
        if self.application_id is not None:
            return self.application_id
        if self.discord_token is None:
            return None
        return application_id_from_token(self.discord_token.reveal())


def application_id_from_token(token: str) -> int | None:
    first = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4), validate=False).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(decoded) if decoded.isdigit() else None


# key -> one-line description; .env.example documents the same keys (a test keeps them in step).
SETTINGS_KEYS = {
    "DISCORD_TOKEN": "the bot token from the Developer Portal (required for Discord)",
    "DISCORD_APPLICATION_ID": "application id for `paperbot invite` (default: read from the token)",
    "DISCORD_GUILD_IDS": "comma-separated server ids: slash commands sync there at once",
    "PAPERBOT_CORPUS": "corpus file or folder (default: the bundled corpus/)",
    "PAPERBOT_TOP_K": "snippets per answer, 1 to 5 (default 3)",
    "PAPERBOT_COOLDOWN_QUESTIONS": "questions a user may ask per cooldown window (default 5)",
    "PAPERBOT_COOLDOWN_SECONDS": "length of the cooldown window in seconds (default 30)",
    "PAPERBOT_LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR (default INFO)",
    "PAPERBOT_STATE_DIR": "folder for the bot's own files (default .paperbot)",
    "PAPERBOT_DB": "SQLite file for unanswered questions and votes (default: in the state folder)",
    "PAPERBOT_RECORD_QUESTIONS": "record unanswered questions and votes: on or off (default on)",
    "PAPERBOT_STORE_USER_IDS": "store who asked or voted with each record: on or off (default off)",
    "PAPERBOT_INDEX_CACHE": "folder for the built index, or off (default ~/.cache/paperbot)",
    "PAPERBOT_WATCH_CORPUS": "reload the corpus when its files change: on or off (default on)",
    "DISCORD_API_BASE": "Discord's REST API, for tests or a proxy (default Discord's own)",
    "DISCORD_GATEWAY_URL": "Discord's gateway, for tests or a proxy (default Discord's own)",
}


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    values = _read_env_file(env_file) if env_file is not None else {}
    values.update(os.environ if environ is None else environ)

    def get(key: str) -> str | None:
        value = values.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None

    token = get("DISCORD_TOKEN")
    return Settings(
        discord_token=Secret(token) if token else None,
        application_id=_snowflake(get("DISCORD_APPLICATION_ID"), "DISCORD_APPLICATION_ID"),
        guild_ids=_guild_ids(get("DISCORD_GUILD_IDS")),
        corpus_path=Path(get("PAPERBOT_CORPUS") or BUNDLED_CORPUS),
        top_k=_integer(get("PAPERBOT_TOP_K"), "PAPERBOT_TOP_K", 3, 1, 5),
        cooldown_questions=_integer(
            get("PAPERBOT_COOLDOWN_QUESTIONS"), "PAPERBOT_COOLDOWN_QUESTIONS", 5, 1, 1000
        ),
        cooldown_seconds=float(
            _integer(get("PAPERBOT_COOLDOWN_SECONDS"), "PAPERBOT_COOLDOWN_SECONDS", 30, 0, 86400)
        ),
        log_level=_log_level(get("PAPERBOT_LOG_LEVEL")),
        state_dir=Path(get("PAPERBOT_STATE_DIR") or ".paperbot"),
        database=Path(database) if (database := get("PAPERBOT_DB")) else None,
        record_questions=_switch(
            get("PAPERBOT_RECORD_QUESTIONS"), "PAPERBOT_RECORD_QUESTIONS", True
        ),
        store_user_ids=_switch(get("PAPERBOT_STORE_USER_IDS"), "PAPERBOT_STORE_USER_IDS", False),
        index_cache=_index_cache(get("PAPERBOT_INDEX_CACHE"), values),
        watch_corpus=_switch(get("PAPERBOT_WATCH_CORPUS"), "PAPERBOT_WATCH_CORPUS", True),
        discord_api_base=_url(get("DISCORD_API_BASE"), "DISCORD_API_BASE", ("http", "https")),
        discord_gateway_url=_url(get("DISCORD_GATEWAY_URL"), "DISCORD_GATEWAY_URL", ("ws", "wss")),
    )


# How a switch setting is written.
_ON = frozenset({"1", "on", "true", "yes"})
_OFF = frozenset({"0", "off", "false", "no"})


def _index_cache(raw: str | None, values: Mapping[str, str]) -> Path | None:
    if raw is not None and raw.lower() in _OFF:
        return None
    if raw is not None:
        return Path(raw).expanduser()
    cache_home = values.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(cache_home) / "paperbot"


def exposed_mode(path: Path = Path(".env")) -> int | None:
    """The permission bits of `path` when other users may read or change it, else None."""
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    return mode if mode & 0o077 else None


def _read_env_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        with path.open(encoding="utf-8") as stream:
            return {k: v for k, v in dotenv_values(stream=stream).items() if v is not None}
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise SettingsError(f"{path}: cannot read settings file: {reason}") from None


# Three dot-separated base64 parts: a bot token pasted on the wrong line is never echoed.
_TOKEN_LIKE = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")


def _shown(raw: str) -> str:
    """`raw` quoted for an error message, unless it looks like a bot token."""
    if _TOKEN_LIKE.search(raw):
        return "a value that looks like a bot token (the token goes in DISCORD_TOKEN)"
    return repr(raw)


def _integer(raw: str | None, key: str, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a whole number, not {_shown(raw)}") from None
    if not low <= value <= high:
        raise SettingsError(f"{key} must be between {low} and {high}, not {value}")
    return value


def _switch(raw: str | None, key: str, default: bool) -> bool:
    if raw is None:
        return default
    value = raw.lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise SettingsError(f"{key} must be on or off, not {_shown(raw)}")


def _snowflake(raw: str | None, key: str) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or not 15 <= len(raw) <= 21:
        raise SettingsError(f"{key} must be a Discord id (15 to 21 digits), not {_shown(raw)}")
    return int(raw)


def _guild_ids(raw: str | None) -> tuple[int, ...]:
    if raw is None:
        return ()
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    return tuple(_snowflake(part, "DISCORD_GUILD_IDS") for part in parts)  # type: ignore[misc]


def _url(raw: str | None, key: str, schemes: tuple[str, ...]) -> str | None:
    if raw is None:
        return None
    scheme, _, rest = raw.partition("://")
    if scheme.lower() not in schemes or not rest.strip("/"):
        wanted = " or ".join(f"{s}://" for s in schemes)
        raise SettingsError(f"{key} must be a URL starting with {wanted}, not {_shown(raw)}")
    return raw


def _log_level(raw: str | None) -> str:
    level = (raw or "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingsError(
            f"PAPERBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {_shown(raw or '')}"
        )
    return level
