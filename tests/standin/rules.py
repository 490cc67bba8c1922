"""What Discord refuses, as the stand-in checks it: message and embed limits, empty messages,
components, privileged intents, expired interaction tokens.

Each check returns the error Discord would answer with (`Refusal`), or None. The limits and codes
are Discord's documented ones (Create Message, Embed Limits, Component reference, JSON error codes,
Gateway close codes).
"""

from __future__ import annotations

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
