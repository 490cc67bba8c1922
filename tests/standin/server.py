"""A stand-in for the Discord API on 127.0.0.1: REST under /api/v10 and a gateway websocket.

It speaks the real payloads to discord.py's real client: login (`/users/@me`,
`/oauth2/applications/@me`), command sync, interaction callbacks, webhook follow-ups and channel
messages over REST; HELLO, IDENTIFY, heartbeats, READY, GUILD_CREATE, RESUME and any dispatch over
the gateway. Every REST request is recorded (method, path, query, JSON body) for tests to assert on.

It keeps Discord's rules where a client can get them wrong:
- an interaction takes one callback, within `interaction_window` seconds of its dispatch: a second
  gets 400 (code 40060, already acknowledged), a late one 404 (code 10062, unknown interaction);
- a channel message sent with `enforce_nonce` and a nonce already used returns the first message
  instead of creating another (a retried send never doubles a message);
- a gateway session outlives its connection: RESUME with its id replays every event dispatched
  after the client's sequence number, also those dispatched while it was disconnected; an
  invalidated or timed-out session (op 9 with d=false, close code 4009) is refused with op 9.

Built for faults:
- `override(method, path_pattern, responder, times=...)` answers chosen routes yourself before the
  default handler (`method` "*" matches any); a responder returning None falls through.
  `reply_with(status, data, delay=...)` builds one (a 5xx), `delayed(seconds)` a slow Discord that
  still does the work, `rate_limited(retry_after, ...)` a 429 as Discord sends it (per route or
  global), `StandIn.lost_response(status)` a request that Discord carried out but whose answer
  was lost (the client sees only `status`).
- `session` is the live gateway connection: `send(op, d)`, `dispatch(event, data)`,
  `close(code)`, `drop()` (the TCP connection cut, no close frame), `invalidate(resumable)`;
  `sessions` keeps every connection, `identified` is set by each IDENTIFY or RESUME, `heartbeats`
  records when each heartbeat arrived. `wait_for_connection(n)` waits for the n-th connection to
  be identified or resumed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.standin import rules
from tests.standin.payloads import (  # the payload builders are importable from here too
    EVERYONE_PERMISSIONS,
    Guild,
    Json,
    member_payload,
    message_payload,
    snowflake,
    user_payload,
)
from tests.standin.payloads import (
    TIMESTAMP as TIMESTAMP,
)

API_PREFIX = "/api/v10"
HOST = "127.0.0.1"
EPHEMERAL = 1 << 6
LOADING = 1 << 7
HEARTBEAT_INTERVAL_MS = 41250
INTERACTION_WINDOW = 3.0  # seconds Discord waits for an interaction's first response
_BACKLOG = 1000  # dispatched events a session keeps for replay on RESUME
GLOBAL_REQUESTS_PER_SECOND = 50  # Discord's global REST limit for a bot
GATEWAY_EVENTS_PER_MINUTE = 120  # what a client may send over the gateway
GATEWAY_RATE_LIMITED, SHARDING_REQUIRED = 4008, 4011
DAY = 86400.0

# Discord's JSON error codes that a client has to handle.
UNKNOWN_INTERACTION, ALREADY_ACKNOWLEDGED = 10062, 40060

# Interaction types and callback types, as Discord numbers them.
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE = 2, 3, 4
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE = 4, 5
DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = 6, 7, 8

# --- Recording --------------------------------------------------------------------------------


@dataclass
class Recorded:
    """One REST request as the bot sent it."""

    method: str
    path: str  # after /api/v10, e.g. "/channels/123/messages"
    query: dict[str, str]
    json: Any  # the JSON body, or the multipart payload_json part; None when there was no body
    headers: dict[str, str] = field(repr=False, default_factory=dict)
    received_at: float = 0.0  # the event loop's clock when the request arrived
    status: int | None = None  # what the stand-in answered, once it has

    def matches(self, method: str, pattern: str) -> bool:
        return method in ("*", self.method) and re.fullmatch(pattern, self.path) is not None


Responder = Callable[[Recorded], Awaitable[web.StreamResponse | None]]


@dataclass
class _Override:
    method: str
    pattern: str
    responder: Responder
    times: int | None  # None: every time


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A response the client parses: Content-Type exactly application/json (no charset)."""
    body = b"" if data is None else json.dumps(data).encode()
    if status == 204:
        return web.Response(status=204, headers=headers)
    return web.Response(
        status=status, body=body, headers={"Content-Type": "application/json", **(headers or {})}
    )


def error_response(status: int, message: str, code: int = 0, **extra: Any) -> web.Response:
    return json_response({"message": message, "code": code, **extra}, status=status)


def refusal_response(refusal: rules.Refusal) -> web.Response:
    return json_response(refusal.body(), status=refusal.status)


def reply_with(
    status: int, data: Any = None, *, headers: dict[str, str] | None = None, delay: float = 0.0
) -> Responder:
    """A responder for `StandIn.override`: wait `delay` seconds, then answer `status` + `data`."""

    async def responder(record: Recorded) -> web.StreamResponse:
        if delay:
            await asyncio.sleep(delay)
        return json_response(data, status=status, headers=headers)

    return responder


def delayed(seconds: float) -> Responder:
    """A slow Discord: wait `seconds`, then answer as usual (the work is done after the wait)."""

    async def responder(record: Recorded) -> None:
        await asyncio.sleep(seconds)
        return None

    return responder


def rate_limited(
    retry_after: float, *, is_global: bool = False, bucket: str = "abcd1234"
) -> Responder:
    """A 429 as Discord sends it: per route (with its bucket's headers) or global.

    discord.py takes a 429 without a Via header for a Cloudflare ban and does not retry it.
    """

    async def responder(record: Recorded) -> web.StreamResponse:
        headers = {"Via": "1.1 google", "Retry-After": str(max(1, math.ceil(retry_after)))}
        if is_global:
            headers.update({"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"})
        else:
            headers.update(
                {
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": bucket,
                    "X-RateLimit-Scope": "user",
                }
            )
        body = {"message": "You are being rate limited.", "retry_after": retry_after}
        return json_response({**body, "global": is_global}, status=429, headers=headers)

    return responder


# --- Gateway ----------------------------------------------------------------------------------


class _Session:
    """A gateway session as Discord keeps it: it outlives a connection, so a client can RESUME."""

    def __init__(self) -> None:
        self.id = snowflake()
        self.sequence = 0
        self.resumable = True
        self.connection: GatewaySession | None = None
        self.backlog: deque[Json] = deque(maxlen=_BACKLOG)


class GatewaySession:
    """One websocket connection from the client (attached to a session by IDENTIFY or RESUME)."""

    def __init__(self, standin: StandIn, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.standin = standin
        self.ws = ws
        self._request = request
        self.state: _Session | None = None
        self.received: list[Json] = []  # every frame the client sent, parsed
        self.heartbeats: list[float] = []  # the loop's clock at each heartbeat received
        self.identified = asyncio.Event()  # set by IDENTIFY or a successful RESUME
        self.intents = 0  # what IDENTIFY asked for
        self.resumed = False
        self.closed = asyncio.Event()
        self.closed_with: int | None = None  # the close code the stand-in sent, if it closed
        self.sent_at: deque[float] = deque()  # when each frame of the last minute came
        self.shard = [0, 1]  # [shard id, shard count] from IDENTIFY

    @property
    def session_id(self) -> str | None:
        return self.state.id if self.state else None

    @property
    def sequence(self) -> int:
        return self.state.sequence if self.state else 0

    async def send(self, op: int, d: Any = None, t: str | None = None) -> None:
        if op == 0:
            await self.dispatch(t or "", d)
            return
        await self._send_frame({"op": op, "d": d, "s": None, "t": t})

    async def dispatch(self, event: str, data: Json) -> None:
        """Send an event in this connection's session: to whichever connection holds it now, or,
        while the client is disconnected, into the backlog that a RESUME replays."""
        state = self.state
        if state is None:
            raise RuntimeError("dispatch before IDENTIFY")
        state.sequence += 1
        frame = {"op": 0, "d": data, "s": state.sequence, "t": event}
        state.backlog.append(frame)
        live = state.connection
        if self.standin.latency:
            await asyncio.sleep(self.standin.latency)
        if live is not None and not live.ws.closed:
            # A connection that is going: the frame waits in the backlog for a RESUME.
            with contextlib.suppress(ConnectionResetError):
                await live._send_frame(frame)

    async def close(self, code: int = 1000) -> None:
        if code in (4007, 4009) and self.state is not None:
            self.state.resumable = False  # invalid sequence, session timed out: identify again
        self.closed_with = code
        await self.ws.close(code=code)

    def drop(self) -> None:
        """Cut the TCP connection: no close frame, as when a network path dies."""
        transport = self._request.transport
        if transport is not None:
            transport.abort()

    async def invalidate(self, resumable: bool) -> None:
        """Op 9 INVALID_SESSION: with d=true the client may resume, with d=false it must not."""
        if not resumable and self.state is not None:
            self.state.resumable = False
        await self.send(9, resumable)

    async def _send_frame(self, frame: Json) -> None:
        # Text frames: the client inflates only binary ones (zlib-stream).
        await self.ws.send_str(json.dumps(frame))

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
                "application": {
                    "id": str(standin.application_id),
                    "flags": rules.application_flags(standin.privileged_intents),
                },
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "shard": self.shard,
            },
        )
        for guild in standin.guilds:
            await self.dispatch("GUILD_CREATE", standin.guild_payload(guild))

    async def _handle(self, frame: Json) -> None:
        op = frame.get("op")
        now = asyncio.get_running_loop().time()
        self.sent_at.append(now)
        while self.sent_at and now - self.sent_at[0] >= 60.0:
            self.sent_at.popleft()
        if len(self.sent_at) > GATEWAY_EVENTS_PER_MINUTE:
            await self.close(GATEWAY_RATE_LIMITED)
            return
        if op == 1:  # heartbeat
            self.heartbeats.append(asyncio.get_running_loop().time())
            await self.send(11)
        elif op == 2:  # identify
            if frame["d"].get("token") != self.standin.token:
                await self.close(4004)
                return
            self.intents = int(frame["d"].get("intents") or 0)
            shard = frame["d"].get("shard") or [0, 1]
            if shard[1] < self.standin.shards_required:
                await self.close(SHARDING_REQUIRED)
                return
            self.shard = list(shard)
            if rules.refused_intents(self.intents, self.standin.privileged_intents):
                await self.close(rules.DISALLOWED_INTENTS)
                return
            self.state = _Session()
            self.state.connection = self
            self.standin._gateway_sessions[self.state.id] = self.state
            self.identified.set()
            await self._ready()
        elif op == 6:  # resume
            d = frame["d"] or {}
            if d.get("token") != self.standin.token:
                await self.close(4004)
                return
            state = self.standin._gateway_sessions.get(str(d.get("session_id")))
            if state is None or not state.resumable:
                await self.send(9, False)
                return
            self.state, state.connection, self.resumed = state, self, True
            seen = d.get("seq") or 0
            for missed in [f for f in state.backlog if f["s"] > seen]:
                await self._send_frame(missed)
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
        heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS,
        interaction_window: float = INTERACTION_WINDOW,
        privileged_intents: int = 0,
        requests_per_second: int | None = GLOBAL_REQUESTS_PER_SECOND,
        shards_required: int = 1,
        latency: float = 0.0,
    ) -> None:
        self.token = token
        # A network between the bot and Discord: each REST request reaches the stand-in, and
        # each gateway event reaches the bot, this many seconds after it was sent.
        self.latency = latency
        # Discord's global limit on a bot's REST requests (interaction routes are exempt).
        self.requests_per_second = requests_per_second
        # Shards Discord requires (more than one past 2,500 servers): fewer is closed with 4011.
        self.shards_required = shards_required
        self.bot_permissions = int(EVERYONE_PERMISSIONS)  # the bot's in every server
        self.overwrites: dict[str, list[dict[str, Any]]] = {}  # channel id -> its overwrites
        self.user_messages: dict[str, dict[str, Any]] = {}  # what people wrote, by id
        self.dm_channels: dict[str, dict[str, Any]] = {}  # user id -> the bot's DM with them
        self.deleted_messages: set[str] = set()  # ids of people's messages deleted since
        # scope -> when each command created there was created (200 a day per scope).
        self.command_creates: dict[str | None, list[float]] = {}
        self._recent_requests: deque[float] = deque()
        # Whether a mention of the bot's managed role carries the message's text to a bot
        # without the Message Content intent, as a mention of the bot does.
        self.role_mentions_deliver_content = True
        # The privileged intents switched on in the Developer Portal (rules.GUILD_MEMBERS, ...).
        self.privileged_intents = privileged_intents
        self.clock_offset = 0.0  # seconds `advance` moved the stand-in's clock forward
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_window = interaction_window
        self.application_id = application_id
        self.bot_user = user_payload(bot_user_id, bot_name, bot=True)
        self.owner = user_payload(snowflake(), "owner")  # the application's owner
        self.guilds = guilds if guilds is not None else (Guild(snowflake(), snowflake()),)
        self.requests: list[Recorded] = []
        self.commands: dict[str | None, list[Json]] = {}  # None: global, else a guild id
        self.messages: dict[str, Json] = {}  # every message the bot created, by id
        self.threads: dict[str, Json] = {}  # every thread the bot opened, by id
        self.originals: dict[str, Json] = {}  # interaction token -> its original response
        self.interactions: dict[str, Json] = {}  # interaction token -> the interaction sent
        self.followups: dict[str, list[Json]] = {}  # interaction token -> follow-ups created
        self.sessions: list[GatewaySession] = []
        self.dispatched_at: dict[str, float] = {}  # interaction token -> when it was sent
        self.deleted: set[str] = set()  # interaction tokens whose original response was deleted
        self.acknowledged: dict[str, float] = {}  # interaction token -> when its callback came
        self._gateway_sessions: dict[str, _Session] = {}
        self._nonces: dict[tuple[str, str], Json] = {}  # (channel, nonce) -> the message
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

    def now(self) -> float:
        """The stand-in's clock: the event loop's, plus what `advance` added."""
        return asyncio.get_running_loop().time() + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Move the stand-in's clock forward: interaction windows and tokens expire as if
        `seconds` had passed, without waiting."""
        self.clock_offset += seconds

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

    def lost_response(self, status: int = 500) -> Responder:
        """A responder: Discord carries the request out, but the client only sees `status`."""

        async def responder(record: Recorded) -> web.StreamResponse:
            await self._answer(record)
            return error_response(status, f"{status}: the response was lost")

        return responder

    async def wait_for_connection(self, number: int, timeout: float = 10.0) -> GatewaySession:
        """The `number`-th gateway connection (1 is the first), once identified or resumed."""

        async def connected() -> GatewaySession:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.sessions) >= number)
            await self.sessions[number - 1].identified.wait()
            return self.sessions[number - 1]

        return await asyncio.wait_for(connected(), timeout)

    def forget(self) -> None:
        """Drop what was recorded so far (for long runs); live sessions and commands stay."""
        self.requests.clear()
        self.messages.clear()
        self.originals.clear()
        self.interactions.clear()
        self.followups.clear()
        self.dispatched_at.clear()
        self.acknowledged.clear()
        self.deleted.clear()
        self._nonces.clear()

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

    async def wait_for_requests(
        self,
        method: str,
        pattern: str,
        count: int,
        *,
        since: int = 0,
        where: Callable[[Recorded], bool] = lambda r: True,
        timeout: float = 10.0,
    ) -> list[Recorded]:
        """The first `count` requests from `since` on matching `method`, `pattern` and `where`,
        once they have all arrived."""

        def found() -> list[Recorded]:
            return [r for r in self.find(method, pattern, since) if where(r)]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(found()) >= count), timeout)
        return found()[:count]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `condition` about the stand-in's state holds, looking again whenever a
        request arrives or has been answered (the only times that state changes)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(condition), timeout)

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

    async def mention_bot(
        self, author: Json, text: str, *, guild: Guild | None = None, **options: Any
    ) -> Json:
        """`author` writes "@bot text" in `guild`'s channel (default: the first guild)."""
        return await self.send_message(
            author,
            f"<@{self.bot_user['id']}> {text}",
            guild=guild or self.guilds[0],
            mentions=[self.bot_user],
            **options,
        )

    async def mention_bot_role(
        self, author: Json, text: str, *, guild: Guild | None = None, **options: Any
    ) -> Json:
        """`author` writes "@paperbot text", having picked the bot's role in the mention list."""
        guild = guild or self.guilds[0]
        return await self.send_message(
            author,
            f"<@&{guild.bot_role_id}> {text}",
            guild=guild,
            mention_roles=[guild.bot_role_id],
            **options,
        )

    async def reply_to(
        self,
        author: Json,
        replied: Json,
        text: str,
        *,
        guild: Guild | None = None,
        ping: bool = True,
    ) -> Json:
        """`author` replies to the bot's message `replied` in `guild` (default: the first),
        pinging the bot unless `ping` is off; the text arrives as Discord delivers it."""
        return await self.send_message(
            author, text, guild=guild or self.guilds[0], reply_to=replied, ping=ping
        )

    async def send_message(
        self,
        author: Json,
        content: str,
        *,
        guild: Guild | None = None,
        dm_channel_id: str | None = None,
        mentions: Sequence[Json] = (),
        mention_roles: list[str] = (),  # type: ignore[assignment]
        via: GatewaySession | None = None,
        reply_to: Json | None = None,
        ping: bool = True,
        thread_id: str | None = None,
    ) -> Json:
        """A MESSAGE_CREATE in `guild`'s channel (or its thread `thread_id`), or in a DM channel
        when `guild` is None.

        `reply_to`: the message this one replies to, pinging its author unless `ping` is off.
        The text is delivered as Discord delivers it: without the Message Content intent, a
        server message arrives with empty content unless it mentions the bot in its text or
        replies to one of the bot's messages with the ping on (an interaction's response too,
        since discord-api-docs#5395 was fixed in January 2023). A mention of the bot's role
        counts when `role_mentions_deliver_content` is on. `via` sends it in that connection's
        session
        (default: the latest connection). Returns the message as written."""
        mentions = list(mentions)
        if reply_to is not None and ping and reply_to["author"] not in mentions:
            mentions.append(reply_to["author"])
        if guild is not None:
            message = message_payload(
                channel_id=thread_id or guild.channel_id,
                guild_id=guild.id,
                author=author,
                content=content,
                mentions=[{**u, "member": member_payload(u, with_user=False)} for u in mentions],
                mention_roles=mention_roles,
                message_reference=_reference(reply_to),
            )
            message["member"] = member_payload(author, with_user=False)
        else:
            message = message_payload(
                channel_id=dm_channel_id or snowflake(),
                author=author,
                content=content,
                mentions=mentions,
                message_reference=_reference(reply_to),
            )
        if reply_to is not None:
            message["referenced_message"] = reply_to
        session = via or self.session
        delivered = message
        if guild is not None and not session.intents & rules.MESSAGE_CONTENT:
            # A mention written in the text counts, and so does a reply's ping of any of the
            # bot's messages (its interactions' responses included).
            bot_id = self.bot_user["id"]
            pinged = reply_to is not None and ping and reply_to["author"]["id"] == bot_id
            named = f"<@{bot_id}>" in content or f"<@!{bot_id}>" in content
            by_role = self.role_mentions_deliver_content and guild.bot_role_id in mention_roles
            if not (named or pinged or by_role):
                delivered = {**message, "content": ""}
        self.user_messages[message["id"]] = message
        await session.dispatch("MESSAGE_CREATE", delivered)
        return message

    def replies_to(self, message: Json) -> list[Json]:
        """The messages created as replies to `message`."""
        return [
            m
            for m in self.messages.values()
            if str((m.get("message_reference") or {}).get("message_id")) == message["id"]
        ]

    def shown_for(self, interaction: Json) -> list[Json]:
        """What the user sees for `interaction`: its original response once it is no longer
        "thinking…", and every follow-up Discord accepted."""
        token = interaction["token"]
        original = self.originals.get(token)
        visible = token not in self.deleted and not (original or {}).get("flags", 0) & LOADING
        shown = [original] if original is not None and visible else []
        return shown + self.followups.get(token, [])

    async def interact(
        self,
        user: Json,
        interaction_type: int,
        data: Json,
        *,
        guild: Guild | None = None,
        message: Json | None = None,
        permissions: str = EVERYONE_PERMISSIONS,
    ) -> Json:
        """An INTERACTION_CREATE from `user` in `guild` (or a DM); returns the interaction.

        `permissions` are the member's permissions in the channel (a guild only), as Discord
        computes them into `member.permissions`."""
        token = f"itoken-{snowflake()}"
        interaction: dict[str, Any] = {
            "id": snowflake(),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "data": data,
            "token": token,
            "version": 1,
            "app_permissions": str(
                self.app_permissions(guild.channel_id) if guild else self.bot_permissions
            ),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        if guild is not None:
            interaction.update(
                guild_id=guild.id,
                guild_locale="en-US",
                channel_id=guild.channel_id,
                channel={
                    **guild.channel_payload(),
                    "permission_overwrites": self.overwrites.get(guild.channel_id, []),
                },
                member={
                    **member_payload(user),
                    "permissions": permissions,
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
        self.dispatched_at[token] = self.now()
        await self.session.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    def command(self, name: str, command_type: int = 1) -> Json:
        """The registered command `name` (global, or in the first guild that has it)."""
        for scope in [None, *self.commands]:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command["type"] == command_type:
                    return command
        raise KeyError(f"no command {name!r} was registered")

    async def slash(
        self,
        user: Json,
        name: str,
        *,
        guild: Guild | None = None,
        permissions: str = EVERYONE_PERMISSIONS,
        **options: Any,
    ) -> Json:
        """Run `/name option:value ...` as `user` (with `permissions` in a guild)."""
        command = self.command(name)
        data = _slash_data(
            command,
            [
                {"name": key, "type": _option_type(command, key), "value": value}
                for key, value in options.items()
            ],
        )
        return await self.interact(
            user, APPLICATION_COMMAND, data, guild=guild, permissions=permissions
        )

    async def autocomplete(
        self, user: Json, name: str, option: str, typed: str, *, guild: Guild | None = None
    ) -> Json:
        data = _slash_data(
            self.command(name), [{"name": option, "type": 3, "value": typed, "focused": True}]
        )
        return await self.interact(user, AUTOCOMPLETE, data, guild=guild)

    async def message_command(
        self, user: Json, name: str, target: Json, *, guild: Guild | None = None
    ) -> Json:
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
        self, user: Json, message: Json, custom_id: str, *, guild: Guild | None = None
    ) -> Json:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self.interact(user, MESSAGE_COMPONENT, data, guild=guild, message=message)

    # -- gateway --

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        session = GatewaySession(self, ws, request)
        self.sessions.append(session)
        async with self._changed:
            self._changed.notify_all()
        await session.send(10, {"heartbeat_interval": self.heartbeat_interval_ms})
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                parsed = json.loads(frame.data)
                session.received.append(parsed)
                await session._handle(parsed)
                async with self._changed:  # a heartbeat, a session: look again
                    self._changed.notify_all()
        except ConnectionResetError:
            pass  # dropped on purpose
        finally:
            session.closed.set()
        return ws

    # -- REST --

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        if self.latency:
            await asyncio.sleep(self.latency)
        record = Recorded(
            method=request.method,
            path="/" + request.match_info["tail"],
            query=dict(request.query),
            json=await _body(request),
            headers=dict(request.headers),
            received_at=self.now(),
        )
        self.requests.append(record)
        async with self._changed:
            self._changed.notify_all()
        response = await self._respond(record)
        record.status = response.status
        async with self._changed:  # what the request changed is in place: look again
            self._changed.notify_all()
        return response

    async def _respond(self, record: Recorded) -> web.StreamResponse:
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
        return await self._answer(record)

    async def _answer(self, record: Recorded) -> web.StreamResponse:
        """What Discord answers `record` with, faults aside."""
        authorization = record.headers.get("Authorization", "")
        if authorization.startswith("Bot ") and authorization != f"Bot {self.token}":
            return error_response(401, "401: Unauthorized")
        if limited := self._over_global_limit(record):
            return limited
        for method, pattern, handler in self._routes():
            if method in ("*", record.method) and (match := re.fullmatch(pattern, record.path)):
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
            ("GET", "/applications/@me", lambda r: json_response(self._current_application())),
            ("GET", "/gateway", lambda r: json_response({"url": f"ws://{HOST}:{self.port}"})),
            ("GET", "/gateway/bot", lambda r: json_response(self._bot_gateway())),
            ("POST", "/users/@me/channels", self._open_dm),
            ("PUT", rf"/applications/{app}(?:/guilds/(\d+))?/commands", self._put_commands),
            (
                "GET",
                rf"/applications/{app}(?:/guilds/(\d+))?/commands",
                lambda r, scope: json_response(self.commands.get(scope, [])),
            ),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback),
            ("*", rf"/webhooks/{app}/([^/]+)(?:/.*)?", self._expired),
            ("PATCH", rf"/webhooks/{app}/([^/]+)/messages/@original", self._edit_original),
            (
                "GET",
                rf"/webhooks/{app}/([^/]+)/messages/@original",
                lambda r, token: (
                    json_response(self.originals[token]) if token in self.originals else None
                ),
            ),
            ("DELETE", rf"/webhooks/{app}/([^/]+)/messages/@original", self._delete_original),
            ("POST", rf"/webhooks/{app}/([^/]+)", self._followup),
            ("POST", r"/channels/(\d+)/messages", self._channel_message),
            ("POST", r"/channels/(\d+)/messages/(\d+)/threads", self._start_thread),
            ("POST", r"/channels/(\d+)/typing", lambda r, _: json_response(None, status=204)),
        ]

    def _put_commands(self, record: Recorded, scope: str | None) -> web.Response:
        if refusal := rules.refuse_commands(record.json, scope_is_global=scope is None):
            return refusal_response(refusal)
        before = {(c["type"], c["name"]): c for c in self.commands.get(scope, [])}
        created = [c for c in record.json if (c.get("type", 1), c["name"]) not in before]
        now = self.now()
        recent = [t for t in self.command_creates.get(scope, []) if now - t < DAY]
        if len(recent) + len(created) > rules.DAILY_COMMAND_CREATES:
            retry_after = DAY - (now - min(recent)) if recent else DAY
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(math.ceil(retry_after)),
                "X-RateLimit-Scope": "shared",
            }
            return json_response(
                rules.daily_creates_reached(retry_after), status=429, headers=headers
            )
        self.command_creates[scope] = recent + [now] * len(created)
        registered = []
        for command in record.json:
            kept = before.get((command.get("type", 1), command["name"]))
            fresh = self._registered(command, scope)
            if kept is not None:  # an overwrite keeps a command's id
                fresh["id"] = kept["id"]
            registered.append(fresh)
        self.commands[scope] = registered
        return json_response(self.commands[scope])

    def _open_dm(self, record: Recorded) -> web.Response:
        """The DM channel with a person (the same one each time)."""
        recipient = str((record.json or {}).get("recipient_id"))
        channel = self.dm_channels.setdefault(recipient, {"id": snowflake(), "type": 1})
        user = user_payload(recipient, f"user{recipient[-4:]}")
        return json_response({**channel, "recipients": [user], "last_message_id": None})

    def _bot_gateway(self) -> dict[str, Any]:
        return {
            "url": self.gateway_url,
            "shards": self.shards_required,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14400000,
                "max_concurrency": 1,
            },
        }

    # -- permissions and the server's state --

    def guild_payload(self, guild: Guild) -> dict[str, Any]:
        """GUILD_CREATE for `guild`, with the bot's permissions and the channels' overwrites."""
        payload = guild.payload(self.bot_user)
        payload["roles"][0]["permissions"] = str(self.bot_permissions)
        for channel in payload["channels"]:
            channel["permission_overwrites"] = self.overwrites.get(channel["id"], [])
        return payload

    def app_permissions(self, channel_id: str) -> int:
        """The bot's permissions in a channel (a thread: its parent's), as Discord computes them."""
        thread = self.threads.get(channel_id)
        channel_id = thread["parent_id"] if thread else channel_id
        guild = next((g for g in self.guilds if g.channel_id == channel_id), None)
        if guild is None:
            return self.bot_permissions
        return rules.apply_overwrites(
            self.bot_permissions,
            self.overwrites.get(channel_id, []),
            guild_id=guild.id,
            role_ids={guild.bot_role_id},
            member_id=self.bot_user["id"],
        )

    async def set_overwrites(self, channel_id: str, overwrites: list[dict[str, Any]]) -> None:
        """Set a channel's permission overwrites, as a server's admin does (CHANNEL_UPDATE)."""
        self.overwrites[channel_id] = overwrites
        guild = next((g for g in self.guilds if g.channel_id == channel_id), None)
        if guild is not None and self.sessions and self.session.state is not None:
            channel = {**guild.channel_payload(), "permission_overwrites": overwrites}
            await self.session.dispatch("CHANNEL_UPDATE", channel)

    async def delete_message(self, message: dict[str, Any]) -> None:
        """Its author deletes `message` (MESSAGE_DELETE): a reply to it is refused from now on."""
        self.deleted_messages.add(message["id"])
        data = {"id": message["id"], "channel_id": message["channel_id"]}
        if message.get("guild_id"):
            data["guild_id"] = message["guild_id"]
        await self.session.dispatch("MESSAGE_DELETE", data)

    def _over_global_limit(self, record: Recorded) -> web.Response | None:
        """Discord's global limit: a 429 past `requests_per_second` (interactions exempt)."""
        limit = self.requests_per_second
        if limit is None or record.path.startswith(("/interactions/", "/webhooks/")):
            return None
        now = record.received_at
        recent = self._recent_requests
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        if len(recent) >= limit:
            retry_after = max(0.001, 1.0 - (now - recent[0]))
            headers = {
                "Via": "1.1 google",
                "Retry-After": "1",
                "X-RateLimit-Global": "true",
                "X-RateLimit-Scope": "global",
            }
            body = {
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": True,
            }
            return json_response(body, status=429, headers=headers)
        recent.append(now)
        return None

    def _expired(self, record: Recorded, token: str) -> web.Response | None:
        """Refuses every webhook request with an interaction token older than 15 minutes."""
        sent = self.dispatched_at.get(token)
        if sent is not None and record.received_at - sent > rules.INTERACTION_TOKEN_LIFETIME:
            return refusal_response(rules.expired_token())
        return None

    def _edit_original(self, record: Recorded, token: str) -> web.Response | None:
        if token not in self.originals:
            return None
        message = self.originals[token]
        body = record.json or {}
        edited = {**message, **_message_fields(body)}
        if refusal := rules.refuse_message(body, edited):
            return refusal_response(refusal)
        message.update(edited)
        message["flags"] = message.get("flags", 0) & ~LOADING
        return json_response(message)

    def _delete_original(self, record: Recorded, token: str) -> web.Response | None:
        if token not in self.originals:
            return None
        if token in self.deleted:
            return refusal_response(rules.unknown_message())
        self.deleted.add(token)
        self.messages.pop(self.originals[token]["id"], None)
        return json_response(None, status=204)

    def _followup(self, record: Recorded, token: str) -> web.Response | None:
        if token not in self.acknowledged:
            return None  # no webhook before the first response: 404
        body = record.json or {}
        original = self.originals.get(token)
        if (
            original is not None
            and token not in self.deleted
            and original.get("flags", 0) & LOADING
        ):
            # The first response after a deferral: Discord edits the "thinking" message, which
            # keeps its own visibility (the follow-up's ephemeral flag is ignored).
            return self._edit_original(record, token)
        if refusal := rules.refuse_message(body, _message_fields(body)):
            return refusal_response(refusal)
        message = self._new_message(token, body)
        self.followups.setdefault(token, []).append(message)
        return json_response(message)

    def _channel_message(self, record: Recorded, channel_id: str) -> web.Response:
        body = record.json or {}
        reference = body.get("message_reference")
        needed = rules.VIEW_CHANNEL | (
            rules.SEND_MESSAGES_IN_THREADS if channel_id in self.threads else rules.SEND_MESSAGES
        )
        if reference:
            needed |= rules.READ_MESSAGE_HISTORY
        if self.app_permissions(channel_id) & needed != needed:
            return refusal_response(rules.missing_permissions())
        if refusal := rules.refuse_message(body, _message_fields(body)):
            return refusal_response(refusal)
        if reference and str(reference.get("message_id")) in self.deleted_messages:
            if reference.get("fail_if_not_exists", True):
                return refusal_response(rules.unknown_reference())
            body = {**body, "message_reference": None}  # sent as a plain message
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce") and (channel_id, nonce) in self._nonces:
            return json_response(self._nonces[(channel_id, nonce)])
        guild = next((g for g in self.guilds if g.channel_id == channel_id), None)
        thread = self.threads.get(channel_id)
        message = message_payload(
            channel_id=channel_id,
            guild_id=guild.id if guild else (thread["guild_id"] if thread else None),
            author=self.bot_user,
            message_reference=body.get("message_reference"),
        )
        message.update(_message_fields(body))
        self.messages[message["id"]] = message
        if nonce is not None:
            message["nonce"] = nonce
            self._nonces[(channel_id, nonce)] = message
        return json_response(message)

    def _start_thread(self, record: Recorded, channel_id: str, message_id: str) -> web.Response:
        """A public thread on a message, as Discord starts one (its id is the message's)."""
        guild = next((g for g in self.guilds if g.channel_id == channel_id), None)
        if guild is None or message_id not in self.messages or message_id in self.threads:
            return error_response(400, "400: cannot start a thread here", 160004)
        needed = rules.VIEW_CHANNEL | rules.CREATE_PUBLIC_THREADS
        if self.app_permissions(channel_id) & needed != needed:
            return refusal_response(rules.missing_permissions())
        body = record.json or {}
        if errors := rules.thread_errors(body):
            return refusal_response(
                rules.Refusal(400, rules.INVALID_FORM_BODY, "Invalid Form Body", errors)
            )
        self.threads[message_id] = thread = {
            "id": message_id,
            "type": 11,
            "guild_id": guild.id,
            "parent_id": channel_id,
            "owner_id": self.bot_user["id"],
            "name": body.get("name", ""),
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": TIMESTAMP,
                "locked": False,
            },
        }
        return json_response(thread, status=201)

    def _application(self) -> Json:
        return {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.owner,
            "verify_key": "0" * 64,
            "flags": rules.application_flags(self.privileged_intents),
            "team": None,
            "summary": "",
        }

    def _current_application(self) -> Json:
        """Get Current Application: the application with the bot's rough server count."""
        return {
            **self._application(),
            "bot": self.bot_user,
            "approximate_guild_count": len(self.guilds),
        }

    def _registered(self, command: Json, scope: str | None) -> Json:
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
        if token in self.acknowledged:
            return error_response(
                400, "Interaction has already been acknowledged.", ALREADY_ACKNOWLEDGED
            )
        sent = self.dispatched_at.get(token)
        if sent is not None and record.received_at - sent > self.interaction_window:
            return error_response(404, "Unknown interaction", UNKNOWN_INTERACTION)
        body, query = record.json, record.query
        kind = body["type"]
        interaction = self.interactions.get(token, {})
        data = body.get("data") or {}
        if kind == CHANNEL_MESSAGE and (
            refusal := rules.refuse_message(data, _message_fields(data), inside="data")
        ):
            return refusal_response(refusal)
        if kind == AUTOCOMPLETE_RESULT and (errors := rules.autocomplete_errors(data)):
            return refusal_response(
                rules.Refusal(400, rules.INVALID_FORM_BODY, "Invalid Form Body", {"data": errors})
            )
        if kind == UPDATE_MESSAGE and "message" in interaction:
            shown = self.messages.get(interaction["message"]["id"], interaction["message"])
            updated = {**_message_fields(shown), **_message_fields(data)}
            if refusal := rules.refuse_message(data, updated, inside="data"):
                return refusal_response(refusal)
        self.acknowledged[token] = record.received_at
        message = None
        if kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            flags = data.get("flags", 0) | (LOADING if kind == DEFERRED_CHANNEL_MESSAGE else 0)
            message = self._new_message(token, data, flags=flags, interaction=interaction)
            self.originals[token] = message
        elif kind in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE) and "message" in interaction:
            message = self.messages.get(interaction["message"]["id"]) or interaction["message"]
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
        self, token: str, body: Json, *, flags: int | None = None, interaction: Json | None = None
    ) -> Json:
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


def _reference(message: Json | None) -> Json | None:
    """A message_reference to `message` (a reply), or None."""
    if message is None:
        return None
    reference = {"message_id": message["id"], "channel_id": message["channel_id"]}
    if message.get("guild_id"):
        reference["guild_id"] = message["guild_id"]
    return reference


def _message_fields(body: Json | None) -> Json:
    return {key: body[key] for key in _MESSAGE_KEYS if body and body.get(key) is not None}


def _slash_data(command: Json, options: list[Json]) -> Json:
    """An interaction's `data` for a registered slash command (guild commands name their guild)."""
    data = {"id": command["id"], "name": command["name"], "type": 1, "options": options}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    return data


def _option_type(command: Json, name: str) -> int:
    for option in command.get("options", []):
        if option["name"] == name:
            return int(option["type"])
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
