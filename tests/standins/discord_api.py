"""A local stand-in for Discord's REST API and gateway, for the real discord.py to talk to.

It listens on 127.0.0.1 (a free port). The gateway speaks JSON text frames without
compression: HELLO, IDENTIFY, READY (with a local ``resume_gateway_url``), heartbeat
ACK, RESUME, GUILD_CREATE. The REST side serves what the coach uses: the bot user, the
application, global and guild commands, interaction callbacks, follow-up webhooks, DM
channels and channel messages. Every request is recorded and checked against Discord's
documented limits and, when the OpenAPI spec is beside the repository, its request
schemas (see :mod:`tests.standins.discord_rules`); a broken rule is recorded as a
violation and answered 400, as Discord would.

Tests play the users: they run slash commands and press buttons, in a DM or the guild's
channel, and can make the server answer 429 on a route, refuse DMs to a user (50007),
refuse logins or drop the gateway connection. Each interaction's time from dispatch to
its first callback is measured; a callback later than Discord's 3 s is a violation and
answered 404 "Unknown interaction", as Discord would.

Point discord.py at it with ``discord.http.Route.BASE = api.api_url`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(api.gateway_url)``.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from tests.standins.discord_objects import (
    ALL_PERMISSIONS,
    DM,
    EPHEMERAL,
    GUILD_TEXT,
    LOADING,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    Attachment,
    DcChannel,
    DcUser,
    Snowflakes,
    StoredMessage,
    application_json,
    guild_json,
    member_json,
)
from tests.standins.discord_rules import (
    SpecChecker,
    check_autocomplete,
    check_commands,
    check_message,
    spec_checker,
)

DEFAULT_TOKEN = "MTA0NTk0Njg2.standin.discord-secret-token-value_0123456789"
API_PREFIX = "/api/v10"
INTERACTION_DEADLINE = 3.0
# An interaction's token works for 15 minutes: follow-ups and edits of its messages after
# that are refused (401, "Invalid Webhook Token").
TOKEN_LIFETIME = 15 * 60.0
# Discord publishes no fixed numbers for message edits, only the bucket headers; the
# stand-in holds the bot to 5 edits in 5 s per interaction, the size of the edit bucket
# those headers report, and answers 429 beyond it.
WEBHOOK_EDITS = (5, 5.0)
HEARTBEAT_INTERVAL_MS = 41_250

# Interaction and callback types.
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
AUTOCOMPLETE_RESULT = 8  # the callback type answering an autocomplete interaction
MAX_CHOICES = 25
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7

_BODY: web.RequestKey[Any] = web.RequestKey("body", object)
_FILES: web.RequestKey[list[Attachment]] = web.RequestKey("files", list)

# Routes answered without the bot token: they carry an interaction token instead.
_TOKEN_IN_URL = ("/interactions/", "/webhooks/")


@dataclass(slots=True)
class Recorded:
    """One REST request as the server saw it."""

    method: str
    route: str  # the route template, as in the OpenAPI spec
    path: str
    body: Any
    files: list[Attachment]
    status: int = 0
    at: float = field(default_factory=time.monotonic)


@dataclass(slots=True)
class InteractionRecord:
    """One interaction dispatched to the bot and what the bot did with it."""

    id: int
    token: str
    type: int
    user: DcUser
    channel: DcChannel
    name: str  # command name or custom_id
    dispatched_at: float
    pressed_message_id: int | None = None
    first_response_at: float | None = None
    issued_at: float = 0.0  # by the stand-in's token clock
    response_types: list[int] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None  # an autocomplete's answer
    original_message_id: int | None = None
    message_ids: list[int] = field(default_factory=list)  # messages created or edited
    # The gateway shard whose session it was dispatched to (None: an unsharded session).
    shard: int | None = None

    @property
    def answered(self) -> bool:
        return self.first_response_at is not None

    @property
    def latency(self) -> float | None:
        if self.first_response_at is None:
            return None
        return self.first_response_at - self.dispatched_at


@dataclass(slots=True)
class _RateLimitRule:
    method: str
    route: str
    times: int
    retry_after: float
    is_global: bool


@dataclass(slots=True)
class _FailureRule:
    method: str
    route: str
    times: int
    status: int
    code: int
    message: str


@dataclass(slots=True)
class _Session:
    ws: web.WebSocketResponse
    session_id: str = ""
    seq: int = 0
    intents: int | None = None
    resumed: bool = False
    # [shard_id, num_shards] from IDENTIFY; None: one unsharded session gets every event.
    shard: tuple[int, int] | None = None

    def serves(self, guild_id: int | None) -> bool:
        """Discord's routing: a server's events go to shard (guild_id >> 22) % num_shards,
        DMs to shard 0."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return shard_id == (0 if guild_id is None else (guild_id >> 22) % count)


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class DiscordStandIn:
    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        spec: SpecChecker | bool | None = True,
        heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS,
        shard_count: int = 1,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """``clock`` (seconds) times interaction tokens' 15 minutes and the edit rate, so
        a test on an injected clock is judged by its own time. By default, real time."""
        self.token = token
        self.clock = clock or time.monotonic
        # Accepted edits of interaction messages, by interaction token: when each came.
        self.webhook_edits: dict[str, list[float]] = {}
        # What GET /gateway/bot recommends, and how many shards must be up to be connected.
        self.shard_count = shard_count
        # How long wait_until waits before failing the test.
        self.patience = 5.0
        # Discord's limit for an interaction's first response.
        self.deadline = INTERACTION_DEADLINE
        self._spec = spec_checker() if spec is True else (spec or None)
        self._heartbeat_ms = heartbeat_interval_ms
        self._ids = Snowflakes()
        self.app_id = self._ids.next()
        self.bot = DcUser(self._ids.next(), "Hip Coach", bot=True)
        self.owner = DcUser(self._ids.next(), "club-owner")
        self.guild_id = self._guild_id(shard=0)
        self.channel = DcChannel(self._ids.next(), GUILD_TEXT, self.guild_id, name="running")
        self.guild_channels: dict[int, DcChannel] = {self.guild_id: self.channel}  # by guild
        self.users: dict[int, DcUser] = {self.owner.id: self.owner}
        self.dm_channels: dict[int, DcChannel] = {}  # by user id
        self.messages: dict[int, StoredMessage] = {}
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.interactions: list[InteractionRecord] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # by guild id; None: global
        self.command_syncs: list[int | None] = []
        self.rate_limited: list[str] = []
        self.unreachable: set[int] = set()
        # Each member's (permissions, role ids) in the servers; see set_member.
        self.standing: dict[int, tuple[str, tuple[int, ...]]] = {}
        self.removed_guilds: set[int] = set()
        self.refuse_logins = 0
        # While set, RESUMEs wait unanswered (a gateway slow to take the bot back).
        self.hold_resumes = False
        self._held_resumes: list[tuple[_Session, dict[str, Any]]] = []
        # Answer this many of the next requests that carry files "413 Request entity too
        # large", as Discord does for an upload over the limit.
        self.refuse_uploads = 0
        self.identifies = 0
        self.resumes = 0
        self.gateway_frames: list[dict[str, Any]] = []  # everything the bot sent on the gateway
        self._command_ids: dict[tuple[int | None, str], int] = {}
        self._rate_limits: list[_RateLimitRule] = []
        self._failures: list[_FailureRule] = []
        self._sessions: dict[str, _Session] = {}
        self._live: list[_Session] = []  # identified or resumed, not yet closed
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ----- lifecycle -----

    async def start(self, port: int = 0) -> None:
        app = web.Application(middlewares=[self._middleware], client_max_size=30 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/resume", self._gateway)
        self._add_rest_routes(app)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for session in list(self._sessions.values()):
            if not session.ws.closed:
                await session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ----- the test's side: people and what they do -----

    def user(self, name: str = "runner", *, locale: str = "en-US") -> DcUser:
        user = DcUser(self._ids.next(), name, locale=locale)
        self.users[user.id] = user
        return user

    def set_member(
        self, user: DcUser, *, manage_server: bool = False, roles: tuple[int, ...] = ()
    ) -> None:
        """``user``'s standing in every server: the Manage Server permission or not, and
        their role ids. Until set, a member's interactions carry every permission."""
        bits = int(MEMBER_PERMISSIONS) | (MANAGE_GUILD if manage_server else 0)
        self.standing[user.id] = (str(bits), roles)

    async def remove_from_guild(self, guild_id: int) -> None:
        """The bot is kicked from a server: GUILD_DELETE without ``unavailable`` (which
        would mean an outage), and from then on its channels refuse the bot."""
        self.removed_guilds.add(guild_id)
        session = self._session_for(guild_id)
        assert session is not None, "no gateway session serves that server"
        await self._send_dispatch(session, "GUILD_DELETE", {"id": str(guild_id)})

    def add_guild(self, name: str = "club", *, shard: int | None = None) -> DcChannel:
        """Another server the bot is in (one that ``shard`` serves, if given); its text
        channel. Servers added before the bot connects are announced at IDENTIFY, on the
        shard that serves them."""
        guild_id = self._guild_id(shard)
        channel = DcChannel(self._ids.next(), GUILD_TEXT, guild_id, name=name)
        self.guild_channels[guild_id] = channel
        return channel

    def _guild_id(self, shard: int | None) -> int:
        guild_id = self._ids.next()
        if shard is None:
            return guild_id
        # Move the id's timestamp part on to the next millisecond that lands on ``shard``.
        ms = (guild_id >> 22) + (shard - (guild_id >> 22)) % self.shard_count
        return (ms << 22) | (guild_id & 0x3FFFFF)

    def shard_of(self, channel: DcChannel) -> int:
        return 0 if channel.guild_id is None else (channel.guild_id >> 22) % self.shard_count

    def dm_channel(self, user: DcUser) -> DcChannel:
        if user.id not in self.dm_channels:
            self.dm_channels[user.id] = DcChannel(self._ids.next(), DM, recipient=user)
        return self.dm_channels[user.id]

    async def command(
        self,
        user: DcUser,
        name: str,
        text: str | None = None,
        *,
        in_guild: bool = False,
        channel: DcChannel | None = None,
        options: dict[str, str] | None = None,
    ) -> InteractionRecord:
        """Run ``/name`` as Discord would dispatch it: with the free-text option when
        ``text`` is given, or the named ``options``; in the user's DM, in the first server
        (``in_guild``), or in ``channel``."""
        channel = channel or (self.channel if in_guild else self.dm_channel(user))
        data = self._command_data(name, channel)
        if text is not None:
            # The box for free words: the first text option without choices to pick from.
            string_options = [
                o
                for o in self._options_of(data)
                if o.get("type") == 3 and not o.get("choices") and not o.get("autocomplete")
            ]
            if not string_options:
                raise AssertionError(f"/{name} takes no text")
            options = {string_options[0]["name"]: text}
        if options:
            data["options"] = self._filled(data, options)
        return await self._interact(APPLICATION_COMMAND, user, channel, name, data)

    async def autocomplete(
        self,
        user: DcUser,
        name: str,
        option: str,
        typed: str,
        *,
        channel: DcChannel | None = None,
    ) -> list[dict[str, Any]]:
        """The runner types ``typed`` into ``option`` of ``/name``: the choices the bot
        offers (Discord asks with every keystroke; the bot has 3 s to answer)."""
        channel = channel or self.dm_channel(user)
        data = self._command_data(name, channel)
        declared = {o["name"]: o for o in self._options_of(data)}
        if not declared.get(option, {}).get("autocomplete"):
            raise AssertionError(f"/{name} {option} has no autocomplete")
        data["options"] = [{"name": option, "type": 3, "value": typed, "focused": True}]
        record = await self._interact(APPLICATION_COMMAND_AUTOCOMPLETE, user, channel, name, data)
        await self.wait_answered(record)
        assert record.choices is not None
        return record.choices

    def _command_data(self, name: str, channel: DcChannel) -> dict[str, Any]:
        registered = self.registered_command(name, guild_id=channel.guild_id)
        if registered is None:
            raise AssertionError(f"/{name} is not registered; synced: {self.command_syncs}")
        data: dict[str, Any] = {"id": str(registered["id"]), "name": name, "type": 1}
        if registered.get("guild_id"):
            data["guild_id"] = registered["guild_id"]
        return data

    def _options_of(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        command = self.registered_command(data["name"], guild_id=_int_or_none(data.get("guild_id")))
        assert command is not None
        options: list[dict[str, Any]] = command.get("options", [])
        return options

    def _filled(self, data: dict[str, Any], values: dict[str, str]) -> list[dict[str, Any]]:
        """The options as Discord sends them; only declared options, and a value from the
        choices where an option has them (the client offers nothing else)."""
        declared = {o["name"]: o for o in self._options_of(data)}
        filled = []
        for key, value in values.items():
            option = declared.get(key)
            if option is None:
                raise AssertionError(f"/{data['name']} has no option {key!r}")
            choices = [c["value"] for c in option.get("choices", [])]
            if choices and value not in choices:
                raise AssertionError(f"{value!r} is none of {key}'s choices {choices}")
            filled.append({"name": key, "type": option["type"], "value": value})
        return filled

    async def press(
        self,
        user: DcUser,
        message: StoredMessage,
        label: str | None = None,
        *,
        custom_id: str | None = None,
        forge: bool = False,
    ) -> InteractionRecord:
        """Press a button on a message, by label, or by custom_id (``forge`` allows any)."""
        if custom_id is None:
            if label is None:
                raise ValueError("give a label or a custom_id")
            custom_id = message.custom_id(label)
        elif not forge and custom_id not in [b.get("custom_id") for b in message.buttons()]:
            raise AssertionError(f"{custom_id!r} is not on the message")
        if message.visible_to is not None and message.visible_to != user.id:
            raise AssertionError("that ephemeral message is not visible to this user")
        channel = self._channel(message.channel_id)
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(
            MESSAGE_COMPONENT, user, channel, custom_id, data, message=message
        )

    async def send_dm(self, user: DcUser, text: str) -> StoredMessage:
        """The user types a message to the bot in their DM."""
        channel = self.dm_channel(user)
        message = self._store(channel, user, content=text)
        await self.dispatch("MESSAGE_CREATE", self._message_json(message))
        return message

    def registered_command(
        self, name: str, *, in_guild: bool = False, guild_id: int | None = None
    ) -> dict[str, Any] | None:
        if in_guild:
            guild_id = self.guild_id
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command
        return None

    def rate_limit(
        self,
        method: str,
        route: str,
        *,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``times`` requests to ``route`` (a spec template) with 429."""
        self._rate_limits.append(_RateLimitRule(method, route, times, retry_after, is_global))

    def fail_next(
        self,
        method: str,
        route: str,
        *,
        status: int = 403,
        code: int = 50001,
        message: str = "Missing Access",
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests to ``route`` with a Discord error."""
        self._failures.append(_FailureRule(method, route, times, status, code, message))

    async def drop_gateway(self, code: int = 4000, *, shard: int = 0) -> None:
        """Close the bot's gateway connection (the one serving ``shard``), as Discord does
        now and then."""
        session = self._session_for(None if shard == 0 else self._guild_on_shard(shard))
        if session is None:
            raise AssertionError("no gateway connection to drop")
        self._live.remove(session)
        await session.ws.close(code=code)

    # ----- observing -----

    def in_channel(
        self, channel: DcChannel, *, seen_by: DcUser | None = None
    ) -> list[StoredMessage]:
        """Messages in a channel, oldest first, as ``seen_by`` would see them."""
        return [
            m
            for m in self.messages.values()
            if m.channel_id == channel.id
            and not m.deleted
            and (m.visible_to is None or (seen_by is not None and m.visible_to == seen_by.id))
        ]

    def from_bot(self, channel: DcChannel, *, seen_by: DcUser | None = None) -> list[StoredMessage]:
        return [m for m in self.in_channel(channel, seen_by=seen_by) if m.author.id == self.bot.id]

    def replies(self, record: InteractionRecord) -> list[StoredMessage]:
        """Messages created or changed in answer to an interaction, in order."""
        seen: list[StoredMessage] = []
        for message_id in record.message_ids:
            message = self.messages[message_id]
            if message not in seen and not message.deleted:
                seen.append(message)
        return seen

    def calls(self, method: str | None = None, route: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (route is None or r.route == route)
        ]

    def late_interactions(self) -> list[InteractionRecord]:
        return [i for i in self.interactions if i.latency is None or i.latency >= self.deadline]

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Wait until ``condition()`` holds, checked at every change; fail after ``patience``."""
        async with asyncio.timeout(self.patience), self._changed:
            await self._changed.wait_for(condition)

    async def wait_connected(self) -> None:
        await self.wait_until(lambda: self.connected)

    async def wait_answered(self, record: InteractionRecord) -> None:
        await self.wait_until(lambda: record.answered)

    @property
    def connected(self) -> bool:
        """Every shard is served by a live session (one unsharded session serves all)."""
        if any(session.shard is None for session in self._live):
            return True
        up = {session.shard[0] for session in self._live if session.shard is not None}
        return up >= set(range(self.shard_count))

    @property
    def shard_sessions(self) -> dict[int, int]:
        """Shard id -> how many live sessions serve it (more than 1 is a misconfiguration)."""
        counts: dict[int, int] = {}
        for session in self._live:
            for shard_id in range(self.shard_count):
                if session.shard is None or session.shard[0] == shard_id:
                    counts[shard_id] = counts.get(shard_id, 0) + 1
        return counts

    def _session_for(self, guild_id: int | None) -> _Session | None:
        return next((s for s in reversed(self._live) if s.serves(guild_id)), None)

    def _guild_on_shard(self, shard: int) -> int:
        for guild_id in self.guild_channels:
            if (guild_id >> 22) % self.shard_count == shard:
                return guild_id
        raise AssertionError(f"no server on shard {shard}")

    # ----- gateway -----

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        await self.wait_connected()
        guild = data.get("guild_id")
        session = self._session_for(int(guild) if guild else None)
        assert session is not None
        await self._send_dispatch(session, event, data)

    async def _send_dispatch(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        await session.ws.send_str(json.dumps({"op": 0, "t": event, "s": session.seq, "d": data}))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        if request.query.get("v") != "10" or request.query.get("encoding") != "json":
            self._violation(f"gateway opened with {dict(request.query)}")
        session = _Session(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": self._heartbeat_ms}}))
        async for frame in ws:
            if frame.type == WSMsgType.TEXT:
                await self._on_gateway_frame(session, json.loads(frame.data))
            elif frame.type == WSMsgType.BINARY:
                self._violation("the bot sent a binary gateway frame")
        if session in self._live:
            self._live.remove(session)
            await self._notify()
        return ws

    async def _on_gateway_frame(self, session: _Session, payload: dict[str, Any]) -> None:
        self.gateway_frames.append(payload)
        op = payload.get("op")
        data = payload.get("d") or {}
        if op == 1:
            await session.ws.send_str(json.dumps({"op": 11}))
        elif op == 2:
            await self._identify(session, data)
        elif op == 6:
            await self._resume(session, data)
        elif op not in (3, 4, 8):
            self._violation(f"unexpected gateway op {op}")

    async def _identify(self, session: _Session, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = data.get("shard")
        if shard is not None:
            valid = (
                isinstance(shard, list)
                and len(shard) == 2
                and all(isinstance(n, int) for n in shard)
                and 0 <= shard[0] < shard[1]
            )
            if not valid:
                self._violation(f"IDENTIFY with shard {shard!r}: must be [shard_id, num_shards]")
                await session.ws.close(code=4010, message=b"Invalid shard.")
                return
            if shard[1] != self.shard_count:
                # Discord closes with 4011 when the bot needs more shards; a count that
                # differs from another live session's would route servers twice.
                self._violation(f"IDENTIFY with {shard[1]} shards; the bot has {self.shard_count}")
            session.shard = (shard[0], shard[1])
        self.identifies += 1
        session.session_id = secrets.token_hex(16)
        session.intents = data.get("intents")
        self._sessions[session.session_id] = session
        clash = [
            live
            for live in self._live
            if live.shard is None or session.shard is None or live.shard[0] == session.shard[0]
        ]
        if clash:
            # Discord would deliver each event to one of them only: a shard runs once.
            named = "every shard" if session.shard is None else f"shard {session.shard[0]}"
            self._violation(f"a second live gateway session IDENTIFYs for {named}")
        served = [g for g in self.guild_channels if session.serves(g)]
        ready = {
            "v": 10,
            "user": self.bot.to_json(),
            "guilds": [{"id": str(g), "unavailable": True} for g in served],
            "session_id": session.session_id,
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/resume",
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        if session.shard is not None:
            ready["shard"] = list(session.shard)
        await self._send_dispatch(session, "READY", ready)
        members = list(self.users.values())
        for guild_id in served:
            guild = guild_json(guild_id, self.guild_channels[guild_id], self.bot, members)
            await self._send_dispatch(session, "GUILD_CREATE", guild)
        self._live.append(session)
        await self._notify()

    @property
    def held_resumes(self) -> int:
        return len(self._held_resumes)

    async def release_resumes(self) -> None:
        self.hold_resumes = False
        held, self._held_resumes = self._held_resumes, []
        for session, data in held:
            await self._resume(session, data)

    async def _resume(self, session: _Session, data: dict[str, Any]) -> None:
        if self.hold_resumes:
            self._held_resumes.append((session, data))
            await self._notify()
            return
        old = self._sessions.get(data.get("session_id", ""))
        if data.get("token") != self.token or old is None:
            await session.ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        self.resumes += 1
        session.session_id = old.session_id
        session.seq = old.seq
        session.shard = old.shard
        session.resumed = True
        self._sessions[session.session_id] = session
        if old in self._live:
            self._live.remove(old)
        await self._send_dispatch(session, "RESUMED", {})
        self._live.append(session)
        await self._notify()

    # ----- interactions -----

    async def _interact(
        self,
        kind: int,
        user: DcUser,
        channel: DcChannel,
        name: str,
        data: dict[str, Any],
        *,
        message: StoredMessage | None = None,
    ) -> InteractionRecord:
        self.users.setdefault(user.id, user)
        record = InteractionRecord(
            id=self._ids.next(),
            token=f"aW50ZXJhY3Rpb24{secrets.token_urlsafe(48)}",
            type=kind,
            user=user,
            channel=channel,
            name=name,
            dispatched_at=0.0,
            pressed_message_id=message.id if message else None,
            issued_at=self.clock(),
        )
        payload: dict[str, Any] = {
            "id": str(record.id),
            "application_id": str(self.app_id),
            "type": kind,
            "data": data,
            "token": record.token,
            "version": 1,
            "channel_id": str(channel.id),
            "channel": channel.to_json(),
            "locale": user.locale,
            "app_permissions": ALL_PERMISSIONS,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if channel.is_dm:
            payload["user"] = user.to_json()
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": str(user.id)}
        else:
            payload["guild_id"] = str(channel.guild_id)
            payload["guild_locale"] = "en-US"
            permissions, roles = self.standing.get(user.id, (ALL_PERMISSIONS, ()))
            payload["member"] = {**member_json(user, roles), "permissions": permissions}
            payload["context"] = 0
            payload["authorizing_integration_owners"] = {"0": str(channel.guild_id)}
        if message is not None:
            payload["message"] = self._message_json(message)
        self.interactions.append(record)
        await self.wait_connected()
        session = self._session_for(channel.guild_id)
        assert session is not None
        record.dispatched_at = time.monotonic()
        record.shard = None if session.shard is None else session.shard[0]
        await self._send_dispatch(session, "INTERACTION_CREATE", payload)
        return record

    def _checked_choices(self, choices: object) -> list[dict[str, Any]]:
        """Discord's rules for an autocomplete answer (:func:`check_autocomplete`)."""
        problems = check_autocomplete(choices)
        for problem in problems:
            self._violation(problem)
        if problems or not isinstance(choices, list):
            raise ApiError(400, 50035, "Invalid Form Body: choices")
        return choices

    def _interaction(self, interaction_id: str | None, token: str) -> InteractionRecord:
        for record in self.interactions:
            if record.token == token and (
                interaction_id is None or str(record.id) == interaction_id
            ):
                return record
        raise ApiError(404, 10062 if interaction_id else 10015, "Unknown interaction")

    # ----- REST -----

    def _add_rest_routes(self, app: web.Application) -> None:
        p = API_PREFIX
        r = app.router
        r.add_get(f"{p}/gateway", self._get_gateway)
        r.add_get(f"{p}/gateway/bot", self._get_gateway_bot)
        r.add_get(f"{p}/users/{{user_id}}", self._get_user)
        r.add_post(f"{p}/users/@me/channels", self._create_dm)
        r.add_get(f"{p}/oauth2/applications/@me", self._get_application)
        for route in (
            "/applications/{application_id}/commands",
            "/applications/{application_id}/guilds/{guild_id}/commands",
        ):
            r.add_get(p + route, self._get_commands)
            r.add_put(p + route, self._put_commands)
        r.add_post(
            f"{p}/interactions/{{interaction_id}}/{{interaction_token}}/callback", self._callback
        )
        r.add_post(f"{p}/webhooks/{{webhook_id}}/{{webhook_token}}", self._followup)
        wh_message = f"{p}/webhooks/{{webhook_id}}/{{webhook_token}}/messages/{{message_id}}"
        r.add_get(wh_message, self._get_webhook_message)
        r.add_patch(wh_message, self._edit_webhook_message)
        r.add_delete(wh_message, self._delete_webhook_message)
        r.add_get(f"{p}/channels/{{channel_id}}", self._get_channel)
        r.add_post(f"{p}/channels/{{channel_id}}/messages", self._create_message)
        r.add_patch(f"{p}/channels/{{channel_id}}/messages/{{message_id}}", self._edit_message)

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            response: web.StreamResponse = await handler(request)
            return response
        route = self._route_of(request)
        body, files = await self._read_body(request)
        recorded = Recorded(request.method, route, request.path, body, files)
        self.requests.append(recorded)
        try:
            self._check_auth(request)
            limited = self._take_rate_limit(request.method, route)
            if limited is not None:
                recorded.status = 429
                return limited
            self._take_failure(request.method, route)
            if files and self.refuse_uploads > 0:
                self.refuse_uploads -= 1
                raise ApiError(413, 40005, "Request entity too large")
            problems = self._check_body(request.method, route, body, files)
            if problems:
                for problem in problems:
                    self._violation(f"{request.method} {route}: {problem}")
                raise ApiError(400, 50035, "Invalid Form Body: " + "; ".join(problems))
            request[_BODY] = body
            request[_FILES] = files
            response = await handler(request)
        except ApiError as exc:
            response = _json({"message": exc.message, "code": exc.code}, exc.status)
        recorded.status = response.status
        await self._notify()
        return response

    def _route_of(self, request: web.Request) -> str:
        info = request.match_info.route.resource
        template = info.canonical if info is not None else request.path
        template = template.removeprefix(API_PREFIX)
        if template.startswith("/users/{user_id}") and request.match_info.get("user_id") == "@me":
            template = "/users/@me"
        if (
            template.startswith("/webhooks/")
            and request.match_info.get("message_id") == "@original"
        ):
            template = template.replace("{message_id}", "@original")
        return template

    def _check_auth(self, request: web.Request) -> None:
        path = request.path.removeprefix(API_PREFIX)
        if path.startswith(_TOKEN_IN_URL):
            return
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise ApiError(401, 0, "401: Unauthorized")

    def _take_failure(self, method: str, route: str) -> None:
        for rule in self._failures:
            if rule.method == method and rule.route == route and rule.times > 0:
                rule.times -= 1
                raise ApiError(rule.status, rule.code, rule.message)

    def _take_rate_limit(self, method: str, route: str) -> web.Response | None:
        for rule in self._rate_limits:
            if rule.method == method and rule.route == route and rule.times > 0:
                rule.times -= 1
                self.rate_limited.append(f"{method} {route}")
                return _rate_limited(route, rule.retry_after, is_global=rule.is_global)
        return None

    async def _read_body(self, request: web.Request) -> tuple[Any, list[Attachment]]:
        if request.method in ("GET", "DELETE") or not request.can_read_body:
            return None, []
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            body: Any = None
            files: list[Attachment] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    self._violation("nested multipart body")
                    continue
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    index = re.fullmatch(r"files\[(\d+)\]", part.name or "")
                    if index is None:
                        self._violation(f"unexpected multipart field {part.name!r}")
                        continue
                    files.append(
                        Attachment(
                            id=int(index.group(1)),
                            filename=part.filename or "file",
                            data=bytes(await part.read()),
                            content_type=part.headers.get("Content-Type"),
                        )
                    )
            return body, files
        if content_type != "application/json":
            self._violation(f"{request.method} {request.path}: Content-Type {content_type!r}")
            raise ApiError(400, 50109, "The request body contains invalid JSON.")
        try:
            return json.loads(await request.text()), []
        except json.JSONDecodeError as exc:
            raise ApiError(400, 50109, "The request body contains invalid JSON.") from exc

    def _check_body(self, method: str, route: str, body: Any, files: list[Attachment]) -> list[str]:
        if body is None:
            return []
        problems: list[str] = []
        if route.endswith("/commands") and method == "PUT":
            problems.extend(check_commands(body))
        message = self._message_body(method, route, body)
        if message is not None:
            creating = method == "POST"
            problems.extend(check_message({**message, "__files__": files}, creating=creating))
        if self._spec is not None:
            problems.extend(self._spec.problems(method, route, body))
        return problems

    @staticmethod
    def _message_body(method: str, route: str, body: Any) -> dict[str, Any] | None:
        if not isinstance(body, dict):
            return None
        if route.endswith("/callback"):
            data = body.get("data")
            if body.get("type") in (CHANNEL_MESSAGE, UPDATE_MESSAGE) and isinstance(data, dict):
                return data
            return None
        if route == "/webhooks/{webhook_id}/{webhook_token}" or "/messages" in route:
            return body
        return None

    # --- handlers ---

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_user(self, request: web.Request) -> web.Response:
        user_id = request.match_info["user_id"]
        if user_id == "@me":
            if self.refuse_logins > 0:
                self.refuse_logins -= 1
                raise ApiError(401, 0, "401: Unauthorized")
            return _json(self.bot.to_json())
        user = self.users.get(int(user_id)) if user_id.isdigit() else None
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return _json(user.to_json())

    async def _get_application(self, request: web.Request) -> web.Response:
        return _json(application_json(self.app_id, self.owner))

    async def _create_dm(self, request: web.Request) -> web.Response:
        body = request[_BODY] or {}
        recipient = str(body.get("recipient_id", ""))
        user = self.users.get(int(recipient)) if recipient.isdigit() else None
        if user is None:
            raise ApiError(400, 50035, "Invalid Form Body: unknown recipient")
        return _json(self.dm_channel(user).to_json())

    def _scope(self, request: web.Request) -> int | None:
        if request.match_info["application_id"] != str(self.app_id):
            raise ApiError(403, 50001, "Missing Access")
        guild = request.match_info.get("guild_id")
        if guild is None:
            return None
        if not guild.isdigit() or int(guild) not in self.guild_channels:
            raise ApiError(403, 50001, "Missing Access")
        return int(guild)

    async def _get_commands(self, request: web.Request) -> web.Response:
        return _json(self.commands.get(self._scope(request), []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        stored = []
        for command in request[_BODY] or []:
            key = (scope, command["name"])
            if key not in self._command_ids:
                self._command_ids[key] = self._ids.next()
            item = {
                "id": str(self._command_ids[key]),
                "application_id": str(self.app_id),
                "version": str(self._ids.next()),
                "type": command.get("type", 1),
                "name": command["name"],
                "description": command.get("description", ""),
                "options": command.get("options", []),
                "default_member_permissions": command.get("default_member_permissions"),
                "nsfw": command.get("nsfw", False),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types", [0]),
            }
            if scope is not None:
                item["guild_id"] = str(scope)
            stored.append(item)
        self.commands[scope] = stored
        self.command_syncs.append(scope)
        return _json(stored)

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        record = self._interaction(
            request.match_info["interaction_id"], request.match_info["interaction_token"]
        )
        now = time.monotonic()
        if record.answered:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if now - record.dispatched_at >= self.deadline:
            record.first_response_at = now
            self._violation(
                f"interaction {record.name!r} answered after {now - record.dispatched_at:.2f} s"
            )
            raise ApiError(404, 10062, "Unknown interaction")
        body = request[_BODY]
        kind = body.get("type")
        data = body.get("data") or {}
        if (kind == AUTOCOMPLETE_RESULT) != (record.type == APPLICATION_COMMAND_AUTOCOMPLETE):
            self._violation(f"callback type {kind} for an interaction of type {record.type}")
            raise ApiError(400, 50035, "Invalid Form Body: interaction type")
        if kind == AUTOCOMPLETE_RESULT:
            record.first_response_at = now
            record.response_types.append(kind)
            record.choices = self._checked_choices(data.get("choices"))
            await self._notify()
            return web.Response(status=204)
        if kind in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE) and record.type != MESSAGE_COMPONENT:
            self._violation(f"callback type {kind} for a command")
            raise ApiError(400, 50035, "Invalid Form Body: interaction type")
        if kind not in (
            CHANNEL_MESSAGE,
            DEFERRED_CHANNEL_MESSAGE,
            DEFERRED_UPDATE_MESSAGE,
            UPDATE_MESSAGE,
        ):
            self._violation(f"unexpected callback type {kind}")
            raise ApiError(400, 50035, "Invalid Form Body: type")
        record.first_response_at = now
        record.response_types.append(kind)
        message: StoredMessage | None
        if kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            flags = int(data.get("flags") or 0) & EPHEMERAL
            if kind == DEFERRED_CHANNEL_MESSAGE:
                flags |= LOADING
            message = self._store(
                record.channel,
                self.bot,
                interaction=record,
                flags=flags,
                content=data.get("content") or "",
                components=data.get("components") or [],
                attachments=self._attachments(data, request[_FILES]),
                embeds=data.get("embeds") or [],
            )
            record.original_message_id = message.id
        else:
            assert record.pressed_message_id is not None
            message = self.messages[record.pressed_message_id]
            record.original_message_id = message.id
            if kind == UPDATE_MESSAGE:
                self._edit(message, data, request[_FILES])
                record.message_ids.append(message.id)
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        interaction = {
            "id": str(record.id),
            "type": record.type,
            "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
            "response_message_ephemeral": bool(message and message.ephemeral),
        }
        resource: dict[str, Any] = {"type": kind}
        if kind != DEFERRED_UPDATE_MESSAGE:
            interaction["response_message_id"] = str(message.id)
            resource["message"] = self._message_json(message)
        return _json({"interaction": interaction, "resource": resource})

    async def _followup(self, request: web.Request) -> web.Response:
        record = self._webhook_interaction(request)
        if not record.answered:
            self._violation(f"follow-up before the interaction {record.name!r} was answered")
            raise ApiError(404, 10015, "Unknown Webhook")
        body = request[_BODY] or {}
        files: list[Attachment] = request[_FILES]
        original = (
            self.messages.get(record.original_message_id) if record.original_message_id else None
        )
        if original is not None and original.loading:
            # Discord turns the first follow-up after a deferred reply into that reply.
            original.flags &= ~LOADING
            self._edit(original, body, files)
            message = original
            record.message_ids.append(message.id)
        else:
            message = self._store(
                record.channel,
                self.bot,
                interaction=record,
                flags=int(body.get("flags") or 0) & EPHEMERAL,
                content=body.get("content") or "",
                components=body.get("components") or [],
                attachments=self._attachments(body, files),
                embeds=body.get("embeds") or [],
            )
        if request.query.get("wait") not in ("1", "true", "True"):
            return web.Response(status=204)
        return _json(self._message_json(message))

    def _webhook_interaction(self, request: web.Request) -> InteractionRecord:
        if request.match_info["webhook_id"] != str(self.app_id):
            raise ApiError(404, 10015, "Unknown Webhook")
        record = self._interaction(None, request.match_info["webhook_token"])
        if self.clock() - record.issued_at > TOKEN_LIFETIME:
            self._violation(f"interaction {record.name!r} used after its token's 15 minutes")
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return record

    def _webhook_message(self, request: web.Request) -> tuple[InteractionRecord, StoredMessage]:
        record = self._webhook_interaction(request)
        message_id = request.match_info["message_id"]
        if message_id == "@original":
            if record.original_message_id is None:
                raise ApiError(404, 10008, "Unknown Message")
            return record, self.messages[record.original_message_id]
        message = self.messages.get(int(message_id)) if message_id.isdigit() else None
        if message is None or message.channel_id != record.channel.id:
            raise ApiError(404, 10008, "Unknown Message")
        return record, message

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        _, message = self._webhook_message(request)
        return _json(self._message_json(message))

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        record, message = self._webhook_message(request)
        limit, window = WEBHOOK_EDITS
        now = self.clock()
        edits = self.webhook_edits.setdefault(record.token, [])
        recent = [at for at in edits if at > now - window]
        if len(recent) >= limit:
            retry_after = recent[0] + window - now
            self.rate_limited.append(f"PATCH {self._route_of(request)}")
            return _rate_limited(self._route_of(request), retry_after, is_global=False)
        edits.append(now)
        message.flags &= ~LOADING
        self._edit(message, request[_BODY] or {}, request[_FILES])
        record.message_ids.append(message.id)
        return _json(self._message_json(message))

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        _, message = self._webhook_message(request)
        message.deleted = True
        return web.Response(status=204)

    def _channel(self, channel_id: int) -> DcChannel:
        for channel in [*self.guild_channels.values(), *self.dm_channels.values()]:
            if channel.id == channel_id:
                return channel
        raise ApiError(404, 10003, "Unknown Channel")

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(_int(request.match_info["channel_id"]))
        return _json(channel.to_json())

    async def _create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(_int(request.match_info["channel_id"]))
        if channel.guild_id in self.removed_guilds:
            raise ApiError(403, 50001, "Missing Access")
        if (
            channel.is_dm
            and channel.recipient is not None
            and channel.recipient.id in self.unreachable
        ):
            raise ApiError(403, 50007, "Cannot send messages to this user")
        body = request[_BODY] or {}
        if int(body.get("flags") or 0) & EPHEMERAL:
            self._violation("ephemeral flag on a channel message")
        message = self._store(
            channel,
            self.bot,
            content=body.get("content") or "",
            components=body.get("components") or [],
            attachments=self._attachments(body, request[_FILES]),
            embeds=body.get("embeds") or [],
        )
        return _json(self._message_json(message))

    async def _edit_message(self, request: web.Request) -> web.Response:
        channel = self._channel(_int(request.match_info["channel_id"]))
        message = self.messages.get(_int(request.match_info["message_id"]))
        if message is None or message.channel_id != channel.id or message.ephemeral:
            raise ApiError(404, 10008, "Unknown Message")
        if message.author.id != self.bot.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        self._edit(message, request[_BODY] or {}, request[_FILES])
        return _json(self._message_json(message))

    # ----- storage -----

    def _store(
        self,
        channel: DcChannel,
        author: DcUser,
        *,
        interaction: InteractionRecord | None = None,
        flags: int = 0,
        content: str = "",
        components: list[dict[str, Any]] | None = None,
        attachments: list[Attachment] | None = None,
        embeds: list[dict[str, Any]] | None = None,
    ) -> StoredMessage:
        message = StoredMessage(
            id=self._ids.next(),
            channel_id=channel.id,
            author=author,
            content=content,
            components=components or [],
            flags=flags,
            attachments=attachments or [],
            embeds=embeds or [],
            interaction_id=interaction.id if interaction else None,
            visible_to=interaction.user.id if interaction and flags & EPHEMERAL else None,
        )
        self.messages[message.id] = message
        if interaction is not None:
            interaction.message_ids.append(message.id)
        return message

    def _edit(self, message: StoredMessage, body: dict[str, Any], files: list[Attachment]) -> None:
        if "content" in body:
            message.content = body["content"] or ""
        if "components" in body:
            message.components = body["components"] or []
        if "embeds" in body:
            message.embeds = body["embeds"] or []
        if "attachments" in body or files:
            kept = {str(a.get("id")) for a in body.get("attachments") or []}
            message.attachments = [a for a in message.attachments if str(a.id) in kept]
            message.attachments.extend(self._attachments(body, files))
        message.edits += 1

    def _attachments(self, body: dict[str, Any], files: list[Attachment]) -> list[Attachment]:
        described = {
            str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)
        }
        result = []
        for file in files:
            meta = described.get(str(file.id), {})
            result.append(
                Attachment(
                    id=self._ids.next(),
                    filename=meta.get("filename") or file.filename,
                    data=file.data,
                    content_type=file.content_type,
                    description=meta.get("description"),
                )
            )
        return result

    def _message_json(self, message: StoredMessage) -> dict[str, Any]:
        channel = self._channel(message.channel_id)
        return message.to_json(self.base_url, channel.guild_id)

    def _violation(self, text: str) -> None:
        self.violations.append(text)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py only parses JSON when the header says so
    # verbatim, and aiohttp's json_response would add "; charset=utf-8".
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def _int(value: str) -> int:
    if not value.isdigit():
        raise ApiError(404, 10003, "Unknown Channel")
    return int(value)


def _int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, str | int) and str(value).isdigit() else None


def _rate_limited(route: str, retry_after: float, *, is_global: bool) -> web.Response:
    """A 429 as Discord sends it (the ``Via`` header tells discord.py it is no Cloudflare
    ban)."""
    body = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": is_global,
    }
    return _json(
        body,
        429,
        headers={
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(retry_after),
            "X-RateLimit-Bucket": "standin-" + route.replace("/", "-"),
            "X-RateLimit-Scope": "global" if is_global else "user",
        },
    )
