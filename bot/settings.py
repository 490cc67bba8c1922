"""Settings: one table of every key, read once at startup into a frozen object.

Each field of `Settings` is declared with `setting(KEY, default, parser, description)`: that
one line is where the key is written. Loading (the environment wins over a `.env` file),
`.env.example` and the table of settings in docs/self-hosting.md all come from it (`python3
dev.py settings` rewrites both; a test checks they are current). Nothing here runs at import
time: tests build `Settings` directly or pass their own mapping to `load_settings`.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import io
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from bot.bundled import BUNDLED_CORPUS
from bot.errors import PaperbotError

T = TypeVar("T")


class SettingsError(PaperbotError):
    """Settings whose values cannot work: one line per bad key, naming it (and its .env line)."""


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

    def __format__(self, _spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> NoReturn:  # refuse to be pickled into logs or caches
        raise TypeError("a Secret cannot be pickled")


class _Invalid(ValueError):
    """A parser's reason, such as 'must be on or off, not 'maybe''; the key is added to it."""


@dataclass(frozen=True)
class Setting:
    """One row of the table: how a key is read, what it defaults to and what it is for."""

    key: str
    name: str  # the attribute of Settings
    parse: Callable[[str], Any]  # raises _Invalid with the reason
    description: str  # one line, for .env.example and the settings page
    default_text: str  # the default in words; "" when there is none worth naming
    written: str  # the value .env.example gives the key ("" leaves it empty)
    unset: Callable[[Mapping[str, str]], Any] | None  # the value when unset, if not the default


def setting(
    key: str,
    default: T,
    parse: Callable[[str], T],
    description: str,
    *,
    default_text: str | None = None,
    unset: Callable[[Mapping[str, str]], T] | None = None,
) -> T:
    """A field of `Settings` read from `key`. `default_text` describes a default that is no
    plain value (the key is then left empty in .env.example); `unset` computes the value of an
    unset key from the environment when it is not `default`."""
    written = "" if default_text is not None else _written(default)
    row = {"key": key, "parse": parse, "description": description, "unset": unset}
    row |= {"default_text": default_text or written, "written": written}
    return field(default=default, metadata={"setting": row})


def _written(value: object) -> str:
    """`value` as it is written in .env ("" for none)."""
    if value is None or value == ():
        return ""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# How a switch setting is written.
_ON = frozenset({"1", "on", "true", "yes"})
_OFF = frozenset({"0", "off", "false", "no"})

# Three dot-separated base64 parts: a bot token pasted on the wrong line is never echoed.
_TOKEN_LIKE = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")


def _shown(raw: str) -> str:
    """`raw` quoted for an error message, unless it looks like a bot token."""
    if _TOKEN_LIKE.search(raw):
        return "a value that looks like a bot token (the token goes in DISCORD_TOKEN)"
    return repr(raw)


# A bot token: three base64url parts joined by dots, the first the bot's id in base64.
_TOKEN_SHAPE = re.compile(r"[\w-]+\.[\w-]+\.[\w-]+", flags=re.ASCII)


def _bot_token(raw: str) -> Secret | None:
    """`raw` as a Secret when it can be a bot token; else the reason, which never shows it (a
    value pasted by mistake may be another secret)."""
    if raw.lower().startswith(("bot ", "bearer ")):
        raise _Invalid("must be the token alone: remove the word in front of it")
    if raw[:1] in "\"'" and raw[-1:] == raw[:1]:
        raise _Invalid("must be the token alone: remove the quotes around it")
    if _TOKEN_SHAPE.fullmatch(raw) is None or application_id_from_token(raw) is None:
        raise _Invalid(f"is not a bot token ({_looks_like(raw)}): {_WHERE_THE_TOKEN_IS}")
    return Secret(raw)


_WHERE_THE_TOKEN_IS = "copy it from the Developer Portal, your application, Bot, Reset Token"


def _looks_like(raw: str) -> str:
    """What a value that is no bot token may be instead, in words that never quote it."""
    if raw.isdigit():
        return "it is a number, like an application or user id"
    if re.fullmatch(r"[0-9a-f]{64}", raw):
        return "it looks like the application's public key"
    if re.fullmatch(r"[\w-]{32}", raw, flags=re.ASCII):
        return "it looks like the OAuth2 client secret"
    return "a bot token is three parts joined by dots"


def _whole_number(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise _Invalid(f"must be a whole number, not {_shown(raw)}") from None
        if not low <= value <= high:
            raise _Invalid(f"must be between {low} and {high}, not {value}")
        return value

    return parse


def _url(*schemes: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        scheme, _, rest = raw.partition("://")
        if scheme.lower() not in schemes or not rest.strip("/"):
            wanted = " or ".join(f"{s}://" for s in schemes)
            raise _Invalid(f"must be a URL starting with {wanted}, not {_shown(raw)}")
        return raw

    return parse


def _seconds(low: float, high: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            reason = f"must be a number of seconds, such as 30 or 2.5, not {_shown(raw)}"
            raise _Invalid(reason) from None
        if not low <= value <= high:  # NaN fails here too
            raise _Invalid(f"must be between {low:g} and {high:g}, not {_shown(raw)}")
        return value

    return parse


def _switch(raw: str) -> bool:
    value = raw.lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise _Invalid(f"must be on or off, not {_shown(raw)}")


def _snowflake(raw: str) -> int:
    if not raw.isdigit() or not 15 <= len(raw) <= 21:
        raise _Invalid(f"must be a Discord id (15 to 21 digits), not {_shown(raw)}")
    return int(raw)


def _optional_snowflake(raw: str) -> int | None:
    return _snowflake(raw)


def _ids(raw: str) -> tuple[int, ...]:
    return tuple(_snowflake(part.strip()) for part in raw.split(",") if part.strip())


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise _Invalid(f"must be DEBUG, INFO, WARNING or ERROR, not {_shown(raw)}")
    return level


def _path(raw: str) -> Path:
    return Path(raw)


def _optional_path(raw: str) -> Path | None:
    return Path(raw)


def _index_cache(raw: str) -> Path | None:
    return None if raw.lower() in _OFF else Path(raw).expanduser()


def _model(raw: str) -> str:
    if not raw.strip():
        raise _Invalid("must name a model or a folder")
    return raw.strip()


def _default_index_cache(values: Mapping[str, str]) -> Path | None:
    if systemd := _systemd_directory(values, "CACHE_DIRECTORY"):
        return systemd
    cache_home = values.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(cache_home) / "paperbot"


def _default_state_dir(values: Mapping[str, str]) -> Path:
    return _systemd_directory(values, "STATE_DIRECTORY") or Path(".paperbot")


def _systemd_directory(values: Mapping[str, str], key: str) -> Path | None:
    """The folder systemd made for the service (`StateDirectory=`, `CacheDirectory=`), which
    it names in `key`; the first of several."""
    named = values.get(key, "").split(":")[0].strip()
    return Path(named) if named else None


@dataclass(frozen=True)
class Settings:
    discord_token: Secret | None = setting(
        "DISCORD_TOKEN",
        None,
        _bot_token,
        "The bot token from the Developer Portal (required for Discord; without it paperbot "
        "opens the console)",
    )
    application_id: int | None = setting(
        "DISCORD_APPLICATION_ID",
        None,
        _optional_snowflake,
        "Application id for `paperbot invite`",
        default_text="read from the token",
    )
    guild_ids: tuple[int, ...] = setting(
        "DISCORD_GUILD_IDS",
        (),
        _ids,
        "Comma-separated server ids: slash commands sync there at once (for development)",
    )
    corpus_path: Path = setting(
        "PAPERBOT_CORPUS",
        BUNDLED_CORPUS,
        _path,
        "Corpus file or folder (`paperbot init` makes a folder for your lab's papers)",
        default_text="the bundled corpus/",
    )
    top_k: int = setting("PAPERBOT_TOP_K", 3, _whole_number(1, 5), "Snippets per answer, 1 to 5")
    cooldown_questions: int = setting(
        "PAPERBOT_COOLDOWN_QUESTIONS",
        5,
        _whole_number(1, 1000),
        "Questions a user may ask per cooldown window, 1 to 1000",
    )
    cooldown_seconds: float = setting(
        "PAPERBOT_COOLDOWN_SECONDS",
        30.0,
        _seconds(0, 86400),
        "Length of the cooldown window in seconds, 0 to 86400; fractions such as 2.5 work",
    )
    channel_posts: int = setting(
        "PAPERBOT_CHANNEL_POSTS",
        20,
        _whole_number(1, 1000),
        "Replies to mentions the bot posts per channel in a cooldown window, 1 to 1000",
    )
    blocked_users: tuple[int, ...] = setting(
        "PAPERBOT_BLOCKED_USERS",
        (),
        _ids,
        "Comma-separated user ids the bot ignores (their commands get a short private refusal)",
    )
    blocked_guilds: tuple[int, ...] = setting(
        "PAPERBOT_BLOCKED_GUILDS",
        (),
        _ids,
        "Comma-separated server ids where the bot answers nothing",
    )
    log_level: str = setting(
        "PAPERBOT_LOG_LEVEL", "INFO", _log_level, "DEBUG, INFO, WARNING or ERROR"
    )
    state_dir: Path = setting(
        "PAPERBOT_STATE_DIR",
        Path(".paperbot"),
        _path,
        "Folder for the bot's own files",
        default_text=".paperbot, or the service's StateDirectory under systemd",
        unset=_default_state_dir,
    )
    database: Path | None = setting(
        "PAPERBOT_DB",
        None,
        _optional_path,
        "SQLite file for unanswered questions and votes",
        default_text="paperbot.sqlite3 in the state folder",
    )
    record_questions: bool = setting(
        "PAPERBOT_RECORD_QUESTIONS",
        True,
        _switch,
        'Record unanswered questions and "Helpful"/"Not helpful" votes, for `paperbot report`: '
        "on or off",
    )
    store_user_ids: bool = setting(
        "PAPERBOT_STORE_USER_IDS",
        False,
        _switch,
        "Store the Discord user id with each recorded question and vote: on or off",
    )
    # None (the default of a Settings built directly, as in tests): build at every start.
    index_cache: Path | None = setting(
        "PAPERBOT_INDEX_CACHE",
        None,
        _index_cache,
        "Folder for the built index, so restarts skip indexing; off to build at every start",
        default_text="~/.cache/paperbot, or the service's CacheDirectory under systemd",
        unset=_default_index_cache,
    )
    semantic: bool = setting(
        "PAPERBOT_SEMANTIC",
        False,
        _switch,
        "Find passages by meaning as well as by words (needs pip install 'paperbot[semantic]'; "
        "the first start embeds every sentence): on or off",
    )
    semantic_model: str = setting(
        "PAPERBOT_SEMANTIC_MODEL",
        "sentence-transformers/all-MiniLM-L6-v2",
        _model,
        "The semantic model: a fastembed model name (downloaded once) or a folder with its "
        "model.onnx and tokenizer files",
    )
    watch_corpus: bool = setting(
        "PAPERBOT_WATCH_CORPUS",
        True,
        _switch,
        "Reload the corpus when its files change (the Discord bot; /reload works either way): "
        "on or off",
    )
    answer_threads: bool = setting(
        "PAPERBOT_ANSWER_THREADS",
        False,
        _switch,
        "Open a thread on each answer to a mention and answer every message in it as a "
        "follow-up: on or off (needs the Message Content intent, see docs/self-hosting.md)",
    )
    # Discord's REST API and gateway, when not Discord's own (a proxy in front of it, or a
    # stand-in for tests); None: Discord's.
    discord_api_base: str | None = setting(
        "DISCORD_API_BASE",
        None,
        _url("http", "https"),
        "Discord's REST API, for tests or a proxy in front of Discord",
        default_text="Discord's own",
    )
    discord_gateway_url: str | None = setting(
        "DISCORD_GATEWAY_URL",
        None,
        _url("ws", "wss"),
        "Discord's gateway, for tests or a proxy in front of Discord",
        default_text="Discord's own",
    )

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


# The table, in the order of the fields.
SETTINGS: tuple[Setting, ...] = tuple(
    Setting(name=f.name, **f.metadata["setting"]) for f in fields(Settings)
)


def application_id_from_token(token: str) -> int | None:
    first = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4), validate=False).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(decoded) if decoded.isdigit() else None


@dataclass(frozen=True)
class EnvFile:
    """What a `.env` file holds: its values, the line of each key, and the lines worth a
    warning (token-like stray lines, lines that are no setting, unknown keys)."""

    path: Path
    values: dict[str, str]
    lines: dict[str, int]
    stray_tokens: tuple[int, ...] = ()  # lines that look like a token without DISCORD_TOKEN=
    commented_token: bool = False  # a token in a comment (an old one, kept for later)
    malformed: tuple[int, ...] = ()  # lines that are neither KEY=value, a comment nor blank
    # (line, unknown PAPERBOT_* or DISCORD_* key, the known key closest to it or None)
    unknown: tuple[tuple[int, str, str | None], ...] = ()

    def holds_token(self) -> bool:
        """Whether the file has a token in it anywhere, in use or not."""
        token = self.values.get("DISCORD_TOKEN", "").strip()
        return bool(token or self.stray_tokens or self.commented_token)

    def hints(self) -> list[str]:
        """One line per line worth a warning, naming the file and line, never a value."""
        found = [
            (
                line,
                "this line looks like a bot token without `DISCORD_TOKEN=` in front; write "
                "it as DISCORD_TOKEN=<the token>",
            )
            for line in self.stray_tokens
        ]
        found += [
            (line, "this line is no setting (write KEY=value, or # before a comment); ignored")
            for line in self.malformed
        ]
        for line, key, closest in self.unknown:
            instead = f": did you mean {closest}?" if closest else " (see .env.example)"
            found.append((line, f"{key} is no paperbot setting, ignored{instead}"))
        return [f"{self.path}:{line}: {text}" for line, text in sorted(found)]


# The prefixes of paperbot's keys: another key with one of them is taken for a misspelt setting.
_OWN_PREFIXES = ("PAPERBOT_", "DISCORD_")


def read_env_file(path: Path) -> EnvFile:
    """The settings file at `path` (empty when there is none)."""
    if not path.exists():
        return EnvFile(path, {}, {})
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise SettingsError(f"{path}: cannot read settings file: {reason}") from None
    lines: dict[str, int] = {}
    stray: list[int] = []
    malformed: list[int] = []
    unknown: list[tuple[int, str, str | None]] = []
    commented = False
    keys = [row.key for row in SETTINGS]
    known = set(keys) - {"DISCORD_TOKEN"}
    kept: list[str] = []  # the text without its malformed lines, for python-dotenv to read
    for binding in parse_stream(io.StringIO(text)):
        original = binding.original
        # A known key's bad value is an error of its own; anything else token-like is a paste.
        stray_key = binding.key != "DISCORD_TOKEN" and binding.key not in known
        if stray_key and _TOKEN_LIKE.search(original.string):
            if original.string.lstrip().startswith("#"):
                commented = True
            else:
                stray.append(original.line)  # its one hint says what the line should be
        elif binding.error:
            malformed.append(original.line)
        elif _misspelt(binding.key, keys):
            key = str(binding.key)
            unknown.append((original.line, key, _closest_key(key, keys)))
        if binding.error:
            kept.append("\n" * original.string.count("\n"))  # later lines keep their numbers
            continue
        kept.append(original.string)
        if binding.key is not None:
            lines[binding.key] = original.line
    values = dotenv_values(stream=io.StringIO("".join(kept)))
    return EnvFile(
        path,
        {key: value for key, value in values.items() if value is not None},
        lines,
        tuple(stray),
        commented,
        tuple(malformed),
        tuple(unknown),
    )


def _misspelt(key: str | None, keys: list[str]) -> bool:
    """Whether `key` has the prefix of paperbot's keys but is none of them."""
    return key is not None and key.startswith(_OWN_PREFIXES) and key not in keys


def _closest_key(key: str, keys: list[str]) -> str | None:
    """The known key `key` is most likely a misspelling of, compared after the shared prefix
    (every PAPERBOT_ key is alike in it); None when none is close."""
    prefix = next(p for p in _OWN_PREFIXES if key.startswith(p))
    rests = {known.removeprefix(prefix): known for known in keys if known.startswith(prefix)}
    close = difflib.get_close_matches(key.removeprefix(prefix), list(rests), n=1, cutoff=0.7)
    return rests[close[0]] if close else None


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """The settings of the environment (`os.environ` by default) over those of `env_file`.

    Raises SettingsError naming every bad key at once, one line each, with the file and line
    of the values that come from `env_file`.
    """
    file = read_env_file(env_file) if env_file is not None else EnvFile(Path(".env"), {}, {})
    return settings_from(file, environ)


def settings_from(file: EnvFile, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of the environment (`os.environ` by default) over those of `file`."""
    environment = os.environ if environ is None else environ
    values = {**file.values, **environment}
    chosen: dict[str, Any] = {}
    problems = []
    for row in SETTINGS:
        raw = values.get(row.key)
        raw = raw.strip() if isinstance(raw, str) else ""
        if not raw:
            if row.unset is not None:
                chosen[row.name] = row.unset(values)
            continue
        try:
            chosen[row.name] = row.parse(raw)
        except _Invalid as exc:
            from_file = row.key not in environment and row.key in file.lines
            where = f"{file.path}:{file.lines[row.key]}: " if from_file else ""
            problems.append(f"{where}{row.key} {exc}")
    if problems:
        raise SettingsError("\n".join(problems))
    return Settings(**chosen)


def exposed_mode(path: Path = Path(".env")) -> int | None:
    """The permission bits of `path` when other users may read or change it, else None."""
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    return mode if mode & 0o077 else None


ENV_EXAMPLE_HEADER = """\
# Copy to .env and fill in what you need; every key is optional except DISCORD_TOKEN for Discord.
# Real environment variables win over this file. (Written from bot/settings.py by
# `python3 dev.py settings`.)
"""


def env_example() -> str:
    """The text of .env.example: every key with its one-line description above it."""
    blocks = [ENV_EXAMPLE_HEADER]
    for row in SETTINGS:
        default = f" (default: {row.default_text})" if row.default_text else ""
        blocks.append(f"# {row.description}{default}.\n{row.key}={row.written}\n")
    return "\n".join(blocks)


SETTINGS_PAGE = Path("docs") / "self-hosting.md"  # the page whose table of settings is written
TABLE_START = "<!-- settings table: python3 dev.py settings writes it -->"
TABLE_END = "<!-- end of the settings table -->"


def settings_table() -> str:
    """The settings page's table of settings, between its two markers."""
    rows = ["| key | default | what it sets |", "| --- | --- | --- |"]
    for row in SETTINGS:
        default = row.default_text.replace("|", "\\|") or "(none)"
        rows.append(f"| `{row.key}` | {default} | {row.description.replace('|', '/')} |")
    return "\n".join([TABLE_START, *rows, TABLE_END])


def write_docs(root: Path = Path(".")) -> None:
    """Rewrite .env.example and the settings page's table in `root` from the table."""
    (root / ".env.example").write_text(env_example(), encoding="utf-8")
    page = root / SETTINGS_PAGE
    text = page.read_text(encoding="utf-8")
    start = text.index(TABLE_START)
    end = text.index(TABLE_END) + len(TABLE_END)
    page.write_text(text[:start] + settings_table() + text[end:], encoding="utf-8")
