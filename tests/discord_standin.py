"""A stand-in for the Discord API on 127.0.0.1: REST under /api/v10 and a gateway websocket.

It speaks the real payloads to discord.py's real client: login (`/users/@me`,
`/oauth2/applications/@me`), command sync, interaction callbacks, webhook follow-ups and channel
messages over REST; HELLO, IDENTIFY, heartbeats, READY, GUILD_CREATE, RESUME and any dispatch over
the gateway. Every REST request is recorded (method, path, query, JSON body) for tests to assert on.

Built to be extended for faults:
- `override(method, path_pattern, responder, times=...)` answers chosen routes yourself before the
  default handler; a responder returning None falls through. `reply_with(status, data, delay=...)`
  builds one (a 5xx, a slow answer), `rate_limited(retry_after)` a 429 as Discord sends it.
- `session` is the live gateway connection: `send(op, d)`, `dispatch(event, data)`, `close(code)`;
  `sessions` keeps every connection, `identified` is set by each IDENTIFY or RESUME. Sending op 7
  (RECONNECT) or closing with a resumable code makes the client resume on a new connection; op 9
  (INVALID_SESSION) with `d=False` makes it identify again.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

API_PREFIX = "/api/v10"
HOST = "127.0.0.1"
TIMESTAMP = "2025-01-01T00:00:00.000000+00:00"
EPHEMERAL = 1 << 6
LOADING = 1 << 7
EVERYONE_PERMISSIONS = "2248473465835073"
HEARTBEAT_INTERVAL_MS = 41250

# Interaction types and callback types, as Discord numbers them.
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE = 2, 3, 4
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE = 4, 5
DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = 6, 7, 8

_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


# --- Payloads ---------------------------------------------------------------------------------


def user_payload(user_id: int | str, name: str, *, bot: bool = False) -> dict:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def member_payload(user: dict, *, with_user: bool = True) -> dict:
    member = {
        "roles": [],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "premium_since": None,
        "pending": False,
    }
    if with_user:
        member["user"] = user
    return member


@dataclass(frozen=True)
class Guild:
    id: str
    channel_id: str
    name: str = "Reading group"

    def channel_payload(self) -> dict:
        return {
            "id": self.channel_id,
            "type": 0,
            "guild_id": self.id,
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def payload(self, bot_user: dict) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "owner_id": snowflake(),
            "roles": [
                {
                    "id": self.id,
                    "name": "@everyone",
                    "permissions": EVERYONE_PERMISSIONS,
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "member_count": 2,
            "members": [member_payload(bot_user)],
            "channels": [self.channel_payload()],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "large": False,
            "unavailable": False,
            "joined_at": TIMESTAMP,
            "preferred_locale": "en-US",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "system_channel_flags": 0,
            "nsfw_level": 0,
            "afk_timeout": 300,
            "stage_instances": [],
            "guild_scheduled_events": [],
        }


def message_payload(
    *,
    channel_id: str,
    author: dict,
    content: str = "",
    guild_id: str | None = None,
    mentions: list[dict] = (),  # type: ignore[assignment]
    embeds: list[dict] = (),  # type: ignore[assignment]
    components: list[dict] = (),  # type: ignore[assignment]
    flags: int = 0,
    message_id: str | None = None,
    message_reference: dict | None = None,
    webhook_id: str | None = None,
) -> dict:
    message = {
        "id": message_id or snowflake(),
        "channel_id": channel_id,
        "type": 19 if message_reference else 0,
        "content": content,
        "author": author,
        "attachments": [],
        "embeds": list(embeds),
        "components": list(components),
        "mentions": list(mentions),
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "flags": flags,
    }
    if guild_id is not None:
        message["guild_id"] = guild_id
    if message_reference is not None:
        message["message_reference"] = message_reference
    if webhook_id is not None:
        message["webhook_id"] = webhook_id
    return message


# --- Recording --------------------------------------------------------------------------------


@dataclass
class Recorded:
    """One REST request as the bot sent it."""

    method: str
    path: str  # after /api/v10, e.g. "/channels/123/messages"
    query: dict[str, str]
    json: Any  # the JSON body, or the multipart payload_json part; None when there was no body
    headers: dict[str, str] = field(repr=False, default_factory=dict)

    def matches(self, method: str, pattern: str) -> bool:
        return self.method == method and re.fullmatch(pattern, self.path) is not None


Responder = Callable[[Recorded], Awaitable[web.StreamResponse | None]]


@dataclass
class _Override:
    method: str
    pattern: str
    responder: Responder
    times: int | None  # None: every time


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None):
    """A response the client parses: Content-Type exactly application/json (no charset)."""
    body = b"" if data is None else json.dumps(data).encode()
    if status == 204:
        return web.Response(status=204, headers=headers)
    return web.Response(
        status=status, body=body, headers={"Content-Type": "application/json", **(headers or {})}
    )


def error_response(status: int, message: str, code: int = 0, **extra: Any) -> web.Response:
    return json_response({"message": message, "code": code, **extra}, status=status)


def reply_with(
    status: int, data: Any = None, *, headers: dict[str, str] | None = None, delay: float = 0.0
) -> Responder:
    """A responder for `StandIn.override`: wait `delay` seconds, then answer `status` + `data`."""

    async def responder(record: Recorded) -> web.StreamResponse:
        if delay:
            await asyncio.sleep(delay)
        return json_response(data, status=status, headers=headers)

    return responder


def rate_limited(retry_after: float, *, is_global: bool = False) -> Responder:
    """A 429 as Discord sends it (discord.py takes a 429 without a Via header for Cloudflare)."""
    return reply_with(
        429,
        {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global},
        headers={
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Scope": "global" if is_global else "user",
        },
    )


# --- Gateway ----------------------------------------------------------------------------------


class GatewaySession:
    """One websocket connection from the client."""

    def __init__(self, standin: StandIn, ws: web.WebSocketResponse) -> None:
        self.standin = standin
        self.ws = ws
        self.sequence = 0
        self.session_id = snowflake()
        self.received: list[dict] = []  # every frame the client sent, parsed
        self.identified = asyncio.Event()
        self.closed = asyncio.Event()

    async def send(self, op: int, d: Any = None, t: str | None = None) -> None:
        frame: dict[str, Any] = {"op": op, "d": d, "s": None, "t": t}
        if op == 0:
            self.sequence += 1
            frame["s"] = self.sequence
        # Text frames: the client inflates only binary ones (zlib-stream).
        await self.ws.send_str(json.dumps(frame))

    async def dispatch(self, event: str, data: dict) -> None:
        await self.send(0, data, event)

    async def close(self, code: int = 1000) -> None:
        await self.ws.close(code=code)

    async def _ready(self) -> None:
        standin = self.standin
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": {**standin.bot_user, "verified": True, "mfa_enabled": False, "flags": 0},
                "guilds": [{"id": g.id, "unavailable": True} for g in standin.guilds],
                "session_id": self.session_id,
                "resume_gateway_url": standin.gateway_url,
                "application": {"id": str(standin.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "shard": [0, 1],
            },
        )
        for guild in standin.guilds:
            await self.dispatch("GUILD_CREATE", guild.payload(standin.bot_user))

    async def _handle(self, frame: dict) -> None:
        op = frame.get("op")
        if op == 1:  # heartbeat
            await self.send(11)
        elif op == 2:  # identify
            if frame["d"].get("token") != self.standin.token:
                await self.close(4004)
                return
            self.identified.set()
            await self._ready()
        elif op == 6:  # resume
            self.identified.set()
            await self.dispatch("RESUMED", {})


# --- The stand-in -----------------------------------------------------------------------------


class StandIn:
    def __init__(
        self,
        *,
        token: str,
        application_id: int,
        bot_user_id: int,
        bot_name: str = "paperbot",
        guilds: tuple[Guild, ...] | None = None,
    ) -> None:
        self.token = token
        self.application_id = application_id
        self.bot_user = user_payload(bot_user_id, bot_name, bot=True)
        self.guilds = guilds if guilds is not None else (Guild(snowflake(), snowflake()),)
        self.requests: list[Recorded] = []
        self.commands: dict[str | None, list[dict]] = {}  # None: global, else a guild id
        self.messages: dict[str, dict] = {}  # every message the bot created, by id
        self.originals: dict[str, dict] = {}  # interaction token -> its original response
        self.interactions: dict[str, dict] = {}  # interaction token -> the interaction sent
        self.sessions: list[GatewaySession] = []
        self._overrides: list[_Override] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle --

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for session in self.sessions:
            if not session.ws.closed:
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> StandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        return f"http://{HOST}:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{HOST}:{self.port}/gateway"

    @property
    def session(self) -> GatewaySession:
        """The latest gateway connection."""
        return self.sessions[-1]

    # -- hooks for tests --

    def override(
        self, method: str, pattern: str, responder: Responder, *, times: int | None = None
    ) -> None:
        """Answer `method` requests whose path fully matches `pattern` with `responder` first."""
        self._overrides.append(_Override(method, pattern, responder, times))

    def mark(self) -> int:
        """A position in `requests`: pass it as `since` to wait only for later requests."""
        return len(self.requests)

    def find(self, method: str, pattern: str, since: int = 0) -> list[Recorded]:
        return [r for r in self.requests[since:] if r.matches(method, pattern)]

    async def wait_for_request(
        self,
        method: str,
        pattern: str,
        *,
        since: int = 0,
        where: Callable[[Recorded], bool] = lambda r: True,
        timeout: float = 10.0,
    ) -> Recorded:
        """The first request from `since` on matching `method`, `pattern` and `where`."""

        def first() -> Recorded | None:
            return next((r for r in self.find(method, pattern, since) if where(r)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(first), timeout)
        found = first()
        assert found is not None
        return found

    def message_bodies(self, since: int = 0) -> list[Recorded]:
        """Every request that creates or edits a message with content, embeds or components."""
        routes = (
            ("POST", r"/channels/\d+/messages"),
            ("POST", r"/interactions/\d+/[^/]+/callback"),
            ("PATCH", r"/webhooks/\d+/[^/]+/messages/[^/]+"),
            ("POST", r"/webhooks/\d+/[^/]+"),
        )
        found = []
        for record in self.requests[since:]:
            if not any(record.matches(m, p) for m, p in routes):
                continue
            body = record.json or {}
            if "type" in body and "data" in body:  # an interaction callback
                if body["type"] not in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
                    continue
                body = body.get("data") or {}
            if any(key in body for key in ("content", "embeds", "components")):
                found.append(record)
        return found

    # -- events the tests send through the gateway --

    async def send_message(
        self,
        author: dict,
        content: str,
        *,
        guild: Guild | None = None,
        dm_channel_id: str | None = None,
        mentions: list[dict] = (),  # type: ignore[assignment]
    ) -> dict:
        """A MESSAGE_CREATE in `guild`'s channel, or in a DM channel when `guild` is None."""
        if guild is not None:
            message = message_payload(
                channel_id=guild.channel_id,
                guild_id=guild.id,
                author=author,
                content=content,
                mentions=[{**u, "member": member_payload(u, with_user=False)} for u in mentions],
            )
            message["member"] = member_payload(author, with_user=False)
        else:
            message = message_payload(
                channel_id=dm_channel_id or snowflake(),
                author=author,
                content=content,
                mentions=list(mentions),
            )
        await self.session.dispatch("MESSAGE_CREATE", message)
        return message

    async def interact(
        self,
        user: dict,
        interaction_type: int,
        data: dict,
        *,
        guild: Guild | None = None,
        message: dict | None = None,
    ) -> dict:
        """An INTERACTION_CREATE from `user` in `guild` (or a DM); returns the interaction."""
        token = f"itoken-{snowflake()}"
        interaction: dict[str, Any] = {
            "id": snowflake(),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "data": data,
            "token": token,
            "version": 1,
            "app_permissions": EVERYONE_PERMISSIONS,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        if guild is not None:
            interaction.update(
                guild_id=guild.id,
                guild_locale="en-US",
                channel_id=guild.channel_id,
                channel=guild.channel_payload(),
                member={
                    **member_payload(user),
                    "permissions": EVERYONE_PERMISSIONS,
                },
                authorizing_integration_owners={"0": guild.id},
                context=0,
            )
        else:
            channel_id = snowflake()
            interaction.update(
                channel_id=channel_id,
                channel={"id": channel_id, "type": 1, "recipients": [user]},
                user=user,
                authorizing_integration_owners={"1": user["id"]},
                context=1,
            )
        if message is not None:
            interaction["message"] = message
        self.interactions[token] = interaction
        await self.session.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    def command(self, name: str, command_type: int = 1) -> dict:
        """The registered command `name` (global, or in the first guild that has it)."""
        for scope in [None, *self.commands]:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command["type"] == command_type:
                    return command
        raise KeyError(f"no command {name!r} was registered")

    async def slash(
        self, user: dict, name: str, *, guild: Guild | None = None, **options: Any
    ) -> dict:
        """Run `/name option:value ...` as `user`."""
        command = self.command(name)
        data = {
            "id": command["id"],
            "name": name,
            "type": 1,
            "options": [
                {"name": key, "type": _option_type(command, key), "value": value}
                for key, value in options.items()
            ],
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self.interact(user, APPLICATION_COMMAND, data, guild=guild)

    async def autocomplete(
        self, user: dict, name: str, option: str, typed: str, *, guild: Guild | None = None
    ) -> dict:
        command = self.command(name)
        data = {
            "id": command["id"],
            "name": name,
            "type": 1,
            "options": [
                {"name": option, "type": 3, "value": typed, "focused": True},
            ],
        }
        return await self.interact(user, AUTOCOMPLETE, data, guild=guild)

    async def message_command(
        self, user: dict, name: str, target: dict, *, guild: Guild | None = None
    ) -> dict:
        command = self.command(name, command_type=3)
        data = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}},
        }
        return await self.interact(user, APPLICATION_COMMAND, data, guild=guild)

    async def click(
        self, user: dict, message: dict, custom_id: str, *, guild: Guild | None = None
    ) -> dict:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self.interact(user, MESSAGE_COMPONENT, data, guild=guild, message=message)

    # -- gateway --

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        session = GatewaySession(self, ws)
        self.sessions.append(session)
        await session.send(10, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS})
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                parsed = json.loads(frame.data)
                session.received.append(parsed)
                await session._handle(parsed)
        finally:
            session.closed.set()
        return ws

    # -- REST --

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        record = Recorded(
            method=request.method,
            path="/" + request.match_info["tail"],
            query=dict(request.query),
            json=await _body(request),
            headers=dict(request.headers),
        )
        self.requests.append(record)
        async with self._changed:
            self._changed.notify_all()
        for override in list(self._overrides):
            if not record.matches(override.method, override.pattern):
                continue
            if override.times is not None:
                override.times -= 1
                if override.times <= 0:
                    self._overrides.remove(override)
            response = await override.responder(record)
            if response is not None:
                return response
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("Bot ") and authorization != f"Bot {self.token}":
            return error_response(401, "401: Unauthorized")
        for method, pattern, handler in self._routes():
            if record.method == method and (match := re.fullmatch(pattern, record.path)):
                response = handler(record, *match.groups())
                if response is not None:
                    return response
        return error_response(404, f"404: Not Found ({record.method} {record.path})", 10000)

    def _routes(self) -> list[tuple[str, str, Callable[..., web.StreamResponse | None]]]:
        """The default answers: (method, path pattern, handler(record, *groups))."""
        app = str(self.application_id)
        return [
            ("GET", "/users/@me", lambda r: json_response({**self.bot_user, "flags": 0})),
            ("GET", "/oauth2/applications/@me", lambda r: json_response(self._application())),
            ("GET", "/gateway", lambda r: json_response({"url": f"ws://{HOST}:{self.port}"})),
            ("PUT", rf"/applications/{app}(?:/guilds/(\d+))?/commands", self._put_commands),
            (
                "GET",
                rf"/applications/{app}(?:/guilds/(\d+))?/commands",
                lambda r, scope: json_response(self.commands.get(scope, [])),
            ),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback),
            ("PATCH", rf"/webhooks/{app}/([^/]+)/messages/@original", self._edit_original),
            (
                "GET",
                rf"/webhooks/{app}/([^/]+)/messages/@original",
                lambda r, token: (
                    json_response(self.originals[token]) if token in self.originals else None
                ),
            ),
            ("POST", rf"/webhooks/{app}/([^/]+)", self._followup),
            ("POST", r"/channels/(\d+)/messages", self._channel_message),
            ("POST", r"/channels/(\d+)/typing", lambda r, _: json_response(None, status=204)),
        ]

    def _put_commands(self, record: Recorded, scope: str | None) -> web.Response:
        self.commands[scope] = [self._registered(c, scope) for c in record.json]
        return json_response(self.commands[scope])

    def _edit_original(self, record: Recorded, token: str) -> web.Response | None:
        if token not in self.originals:
            return None
        message = self.originals[token]
        message.update(_message_fields(record.json))
        message["flags"] = message.get("flags", 0) & ~LOADING
        return json_response(message)

    def _followup(self, record: Recorded, token: str) -> web.Response:
        return json_response(self._new_message(token, record.json or {}))

    def _channel_message(self, record: Recorded, channel_id: str) -> web.Response:
        body = record.json or {}
        guild = next((g for g in self.guilds if g.channel_id == channel_id), None)
        message = message_payload(
            channel_id=channel_id,
            guild_id=guild.id if guild else None,
            author=self.bot_user,
            message_reference=body.get("message_reference"),
        )
        message.update(_message_fields(body))
        self.messages[message["id"]] = message
        return json_response(message)

    def _application(self) -> dict:
        return {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": user_payload(snowflake(), "owner"),
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "summary": "",
        }

    def _registered(self, command: dict, scope: str | None) -> dict:
        registered = {
            "id": snowflake(),
            "application_id": str(self.application_id),
            "version": snowflake(),
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            **command,
        }
        if scope is not None:
            registered["guild_id"] = scope
        return registered

    def _callback(self, record: Recorded, interaction_id: str, token: str) -> web.Response:
        body, query = record.json, record.query
        kind = body["type"]
        interaction = self.interactions.get(token, {})
        data = body.get("data") or {}
        message = None
        if kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            flags = data.get("flags", 0) | (LOADING if kind == DEFERRED_CHANNEL_MESSAGE else 0)
            message = self._new_message(token, data, flags=flags, interaction=interaction)
            self.originals[token] = message
        elif kind in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE) and "message" in interaction:
            message = self.messages.get(interaction["message"]["id"], interaction["message"])
            message.update(_message_fields(data))
        if query.get("with_response") not in ("1", "true", "True"):
            return json_response(None, status=204)
        response: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": interaction.get("type", APPLICATION_COMMAND),
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL),
            }
        }
        if message is not None and kind != AUTOCOMPLETE_RESULT:
            response["resource"] = {"type": kind, "message": message}
        return json_response(response)

    def _new_message(
        self, token: str, body: dict, *, flags: int | None = None, interaction: dict | None = None
    ) -> dict:
        interaction = interaction or self.interactions.get(token, {})
        message = message_payload(
            channel_id=interaction.get("channel_id", snowflake()),
            guild_id=interaction.get("guild_id"),
            author=self.bot_user,
            flags=body.get("flags", 0) if flags is None else flags,
            webhook_id=str(self.application_id),
        )
        message.update(_message_fields(body))
        self.messages[message["id"]] = message
        return message


_MESSAGE_KEYS = ("content", "embeds", "components")


def _message_fields(body: dict | None) -> dict:
    return {key: body[key] for key in _MESSAGE_KEYS if body and body.get(key) is not None}


def _option_type(command: dict, name: str) -> int:
    for option in command.get("options", []):
        if option["name"] == name:
            return option["type"]
    raise KeyError(f"/{command['name']} has no option {name!r}")


async def _body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if getattr(part, "name", None) == "payload_json":
                return json.loads(await part.text())  # type: ignore[union-attr]
        return None
    raw = await request.read()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")
