"""What Discord refuses, as the stand-in checks it: message and embed limits, empty messages,
components, privileged intents, expired interaction tokens.

Each check returns the error Discord would answer with (`Refusal`), or None. The limits and codes
are Discord's documented ones (Create Message, Embed Limits, Component reference, JSON error codes,
Gateway close codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# JSON error codes.
INVALID_FORM_BODY = 50035
EMPTY_MESSAGE = 50006
INVALID_WEBHOOK_TOKEN = 50027
UNKNOWN_MESSAGE = 10008

# Gateway close code for an IDENTIFY asking for a privileged intent the application lacks.
DISALLOWED_INTENTS = 4014

CONTENT_LIMIT = 2000
EMBEDS_LIMIT = 10
EMBED_TOTAL_LIMIT = 6000
FIELDS_LIMIT = 25
# (key path in an embed, its limit); each must be non-empty when present.
EMBED_TEXT_LIMITS = (
    (("title",), 256),
    (("description",), 4096),
    (("footer", "text"), 2048),
    (("author", "name"), 256),
)
FIELD_NAME_LIMIT, FIELD_VALUE_LIMIT = 256, 1024
ACTION_ROWS_LIMIT = 5
ROW_ITEMS_LIMIT = 5
CUSTOM_ID_LIMIT = 100
BUTTON_LABEL_LIMIT = 80
ACTION_ROW, BUTTON = 1, 2
LINK_STYLE = 5

INTERACTION_TOKEN_LIFETIME = 15 * 60.0  # seconds an interaction's token may be used

# Intents that need a switch in the Developer Portal, and the application flags that say which
# are on (the "limited" flag is what an unverified application under 100 servers gets).
GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT = 1 << 1, 1 << 8, 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
_INTENT_FLAGS = {
    GUILD_PRESENCES: 1 << 13,  # GATEWAY_PRESENCE_LIMITED
    GUILD_MEMBERS: 1 << 15,  # GATEWAY_GUILD_MEMBERS_LIMITED
    MESSAGE_CONTENT: 1 << 19,  # GATEWAY_MESSAGE_CONTENT_LIMITED
}


@dataclass(frozen=True)
class Refusal:
    """An HTTP error as Discord sends it."""

    status: int
    code: int
    message: str
    errors: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def application_flags(enabled_intents: int) -> int:
    """The application's `flags` for the privileged intents switched on in the portal."""
    flags = 0
    for intent, flag in _INTENT_FLAGS.items():
        if enabled_intents & intent:
            flags |= flag
    return flags


def refused_intents(requested: int, enabled: int) -> int:
    """The privileged intents an IDENTIFY asks for that the application does not have."""
    return requested & PRIVILEGED_INTENTS & ~enabled


def _error(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


def _too_long(limit: int) -> dict[str, Any]:
    return _error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _required() -> dict[str, Any]:
    return _error("BASE_TYPE_REQUIRED", "This field is required")


def _nest(path: tuple[str, ...], leaf: dict[str, Any]) -> dict[str, Any]:
    for key in reversed(path):
        leaf = {key: leaf}
    return leaf


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _embed_errors(embed: dict[str, Any]) -> dict[str, Any] | None:
    for path, limit in EMBED_TEXT_LIMITS:
        holder: Any = embed
        for key in path[:-1]:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or path[-1] not in holder:
            continue
        text = _text(holder[path[-1]])
        if not text.strip() and path != ("title",) and path != ("description",):
            return _nest(path, _required())
        if len(text) > limit:
            return _nest(path, _too_long(limit))
    fields = embed.get("fields") or []
    if len(fields) > FIELDS_LIMIT:
        return {"fields": _too_long(FIELDS_LIMIT)}
    for number, item in enumerate(fields):
        for key, limit in (("name", FIELD_NAME_LIMIT), ("value", FIELD_VALUE_LIMIT)):
            text = _text(item.get(key))
            if not text.strip():
                return {"fields": {str(number): {key: _required()}}}
            if len(text) > limit:
                return {"fields": {str(number): {key: _too_long(limit)}}}
    return None


def _embed_total(embed: dict[str, Any]) -> int:
    parts = [
        embed.get("title"),
        embed.get("description"),
        (embed.get("footer") or {}).get("text"),
        (embed.get("author") or {}).get("name"),
    ]
    for item in embed.get("fields") or []:
        parts += [item.get("name"), item.get("value")]
    return sum(len(_text(part)) for part in parts)


def _component_errors(rows: list[Any]) -> dict[str, Any] | None:
    if len(rows) > ACTION_ROWS_LIMIT:
        return _too_long(ACTION_ROWS_LIMIT)
    for number, row in enumerate(rows):
        where = str(number)
        if not isinstance(row, dict) or row.get("type") != ACTION_ROW:
            return {where: {"type": _error("UNION_TYPE_CHOICES", "Value must be an action row")}}
        items = row.get("components") or []
        if not items:
            return {where: {"components": _error("BASE_TYPE_MIN_LENGTH", "Must be 1 or more.")}}
        if len(items) > ROW_ITEMS_LIMIT:
            return {where: {"components": _too_long(ROW_ITEMS_LIMIT)}}
        for position, item in enumerate(items):
            if item.get("type") != BUTTON:
                continue
            slot: dict[str, Any] = {}
            inner = {where: {"components": {str(position): slot}}}
            if len(_text(item.get("label"))) > BUTTON_LABEL_LIMIT:
                slot["label"] = _too_long(BUTTON_LABEL_LIMIT)
                return inner
            if not item.get("label") and not item.get("emoji"):
                slot["label"] = _required()
                return inner
            if item.get("style") != LINK_STYLE:
                custom_id = _text(item.get("custom_id"))
                if not custom_id:
                    slot["custom_id"] = _required()
                    return inner
                if len(custom_id) > CUSTOM_ID_LIMIT:
                    slot["custom_id"] = _too_long(CUSTOM_ID_LIMIT)
                    return inner
    return None


def form_errors(body: dict[str, Any]) -> dict[str, Any] | None:
    """The `errors` object of Discord's 50035 for a message body's fields, or None."""
    content = body.get("content")
    if content is not None and len(_text(content)) > CONTENT_LIMIT:
        return {"content": _too_long(CONTENT_LIMIT)}
    embeds = body.get("embeds")
    if embeds is not None:
        if len(embeds) > EMBEDS_LIMIT:
            return {"embeds": _too_long(EMBEDS_LIMIT)}
        for number, embed in enumerate(embeds):
            if found := _embed_errors(embed):
                return {"embeds": {str(number): found}}
        if sum(_embed_total(e) for e in embeds) > EMBED_TOTAL_LIMIT:
            return {"embeds": _error("MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size")}
    components = body.get("components")
    if components is not None and (found := _component_errors(components)):
        return {"components": found}
    return None


def is_empty(message: dict[str, Any]) -> bool:
    """A message with nothing to show (Discord refuses to create one or edit one into it)."""
    return not (
        _text(message.get("content")).strip()
        or message.get("embeds")
        or message.get("components")
        or message.get("attachments")
        or message.get("sticker_ids")
        or message.get("poll")
    )


def refuse_message(
    body: dict[str, Any], result: dict[str, Any], *, inside: str | None = None
) -> Refusal | None:
    """Discord's refusal of a request that creates or edits a message into `result`.

    `body` is what was sent (its fields are checked), `result` the message it would leave;
    `inside` names the key the message fields sit under (an interaction callback's "data")."""
    if errors := form_errors(body):
        return Refusal(
            400, INVALID_FORM_BODY, "Invalid Form Body", {inside: errors} if inside else errors
        )
    if is_empty(result):
        return Refusal(400, EMPTY_MESSAGE, "Cannot send an empty message")
    return None


def expired_token() -> Refusal:
    return Refusal(401, INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")


def unknown_message() -> Refusal:
    return Refusal(404, UNKNOWN_MESSAGE, "Unknown Message")


# --- Application commands (Application Commands reference: naming, limits, daily creates) -------

MISSING_PERMISSIONS = 50013
MESSAGE_REFERENCE_UNKNOWN = "MESSAGE_REFERENCE_UNKNOWN_MESSAGE"
DAILY_COMMAND_CREATES = 200  # new commands per day and scope (global, or one server)
DAILY_CREATES_REACHED = 30034
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
COMMAND_NAME_LIMIT = 32
DESCRIPTION_LIMIT = 100
OPTIONS_LIMIT = 25
CHOICES_LIMIT = 25  # also what an autocomplete may answer with
CHOICE_NAME_LIMIT = 100
GLOBAL_CHAT_INPUT_LIMIT = 100
# A slash command's or option's name: lower case letters (any script), digits, - and _.
_CHAT_INPUT_NAME = re.compile(r"[-_\w]{1,32}")


def _invalid_name(name: Any, chat_input: bool) -> bool:
    if not isinstance(name, str) or not 1 <= len(name) <= COMMAND_NAME_LIMIT:
        return True
    return chat_input and (not _CHAT_INPUT_NAME.fullmatch(name) or name != name.lower())


def _option_errors(options: list[Any]) -> dict[str, Any] | None:
    if len(options) > OPTIONS_LIMIT:
        return _too_long(OPTIONS_LIMIT)
    seen_optional = False
    for number, option in enumerate(options):
        where = str(number)
        if _invalid_name(option.get("name"), chat_input=True):
            return {where: {"name": _error("APPLICATION_COMMAND_INVALID_NAME", "Invalid name")}}
        description = _text(option.get("description"))
        if not 1 <= len(description) <= DESCRIPTION_LIMIT:
            return {where: {"description": _too_long(DESCRIPTION_LIMIT)}}
        if len(option.get("choices") or []) > CHOICES_LIMIT:
            return {where: {"choices": _too_long(CHOICES_LIMIT)}}
        if option.get("required"):
            if seen_optional:
                return {
                    where: {
                        "required": _error(
                            "APPLICATION_COMMAND_OPTIONS_ORDER_INVALID",
                            "Required options must be placed before non-required options",
                        )
                    }
                }
        else:
            seen_optional = True
        if inner := _option_errors(option.get("options") or []):
            return {where: {"options": inner}}
    return None


def command_errors(commands: list[Any], *, scope_is_global: bool) -> dict[str, Any] | None:
    """The `errors` of Discord's 50035 for a bulk overwrite of application commands, or None."""
    chat_inputs = [c for c in commands if c.get("type", CHAT_INPUT) == CHAT_INPUT]
    if scope_is_global and len(chat_inputs) > GLOBAL_CHAT_INPUT_LIMIT:
        return _too_long(GLOBAL_CHAT_INPUT_LIMIT)
    names: set[tuple[int, str]] = set()
    for number, command in enumerate(commands):
        where = str(number)
        kind = command.get("type", CHAT_INPUT)
        name = command.get("name")
        if _invalid_name(name, chat_input=kind == CHAT_INPUT):
            return {where: {"name": _error("APPLICATION_COMMAND_INVALID_NAME", "Invalid name")}}
        if (kind, name) in names:
            return {
                where: {
                    "name": _error(
                        "APPLICATION_COMMANDS_DUPLICATE_NAME",
                        "Application command names must be unique",
                    )
                }
            }
        names.add((kind, name))
        description = _text(command.get("description"))
        if kind == CHAT_INPUT and not 1 <= len(description) <= DESCRIPTION_LIMIT:
            return {where: {"description": _too_long(DESCRIPTION_LIMIT)}}
        if kind != CHAT_INPUT and description:
            return {
                where: {
                    "description": _error(
                        "APPLICATION_COMMAND_INVALID_DESCRIPTION",
                        "Context menu commands have no description",
                    )
                }
            }
        if inner := _option_errors(command.get("options") or []):
            return {where: {"options": inner}}
    return None


def refuse_commands(commands: Any, *, scope_is_global: bool) -> Refusal | None:
    if not isinstance(commands, list):
        return Refusal(
            400,
            INVALID_FORM_BODY,
            "Invalid Form Body",
            _error("LIST_TYPE_CONVERT", "Must be an array"),
        )
    if errors := command_errors(commands, scope_is_global=scope_is_global):
        return Refusal(400, INVALID_FORM_BODY, "Invalid Form Body", errors)
    return None


def autocomplete_errors(data: dict[str, Any]) -> dict[str, Any] | None:
    """An autocomplete result's errors (inside the callback's `data`): at most 25 choices, each
    name 1 to 100 characters."""
    choices = data.get("choices")
    if not isinstance(choices, list):
        return {"choices": _required()}
    if len(choices) > CHOICES_LIMIT:
        return {"choices": _too_long(CHOICES_LIMIT)}
    for number, choice in enumerate(choices):
        name = _text(choice.get("name"))
        if not 1 <= len(name) <= CHOICE_NAME_LIMIT:
            return {"choices": {str(number): {"name": _too_long(CHOICE_NAME_LIMIT)}}}
        value = choice.get("value")
        if isinstance(value, str) and len(value) > CHOICE_NAME_LIMIT:
            return {"choices": {str(number): {"value": _too_long(CHOICE_NAME_LIMIT)}}}
    return None


# --- Threads (Start Thread from Message) -------------------------------------------------------

THREAD_NAME_LIMIT = 100
ARCHIVE_DURATIONS = frozenset({60, 1440, 4320, 10080})  # minutes


def thread_errors(body: dict[str, Any]) -> dict[str, Any] | None:
    name = _text(body.get("name"))
    if not name.strip():
        return {"name": _required()}
    if len(name) > THREAD_NAME_LIMIT:
        return {"name": _too_long(THREAD_NAME_LIMIT)}
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in ARCHIVE_DURATIONS:
        return {
            "auto_archive_duration": _error(
                "BASE_TYPE_CHOICES", f"Value must be one of {sorted(ARCHIVE_DURATIONS)}."
            )
        }
    return None


# --- Permissions (Permissions: overwrites, and what each request needs) ------------------------

ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38


def apply_overwrites(
    base: int,
    overwrites: list[dict[str, Any]],
    *,
    guild_id: str,
    role_ids: set[str],
    member_id: str,
) -> int:
    """A member's permissions in a channel: the server's `base`, then the channel's overwrites
    for @everyone, for the member's roles together, then for the member (Discord's order)."""
    if base & ADMINISTRATOR:
        return base
    permissions = base

    def layer(chosen: list[dict[str, Any]]) -> None:
        nonlocal permissions
        allow = deny = 0
        for overwrite in chosen:
            allow |= int(overwrite.get("allow", 0))
            deny |= int(overwrite.get("deny", 0))
        permissions = (permissions & ~deny) | allow

    roles = [o for o in overwrites if o.get("type") == 0]
    layer([o for o in roles if o["id"] == guild_id])
    layer([o for o in roles if o["id"] in role_ids and o["id"] != guild_id])
    layer([o for o in overwrites if o.get("type") == 1 and o["id"] == member_id])
    return permissions


def missing_permissions() -> Refusal:
    return Refusal(403, MISSING_PERMISSIONS, "Missing Permissions")


def unknown_reference() -> Refusal:
    """A reply to a message that is gone (and `fail_if_not_exists` left on)."""
    return Refusal(
        400,
        INVALID_FORM_BODY,
        "Invalid Form Body",
        {"message_reference": _error(MESSAGE_REFERENCE_UNKNOWN, "Unknown message")},
    )


def daily_creates_reached(retry_after: float) -> dict[str, Any]:
    return {
        "message": "Max number of daily application command creates has been reached (200)",
        "code": DAILY_CREATES_REACHED,
        "retry_after": retry_after,
        "global": False,
    }
