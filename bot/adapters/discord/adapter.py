"""The coach on Discord: slash commands and buttons, in DMs and in a server's channels.

Translation only: an interaction becomes an :class:`Inbound` for the core, and the
core's :class:`Outcome` becomes interaction responses.

- Slash commands come from the core's command list (``Coach.commands()``), synced to
  Discord only when that list changes (see :mod:`bot.adapters.discord.commands`).
- A button's custom_id is the core's payload. Presses are routed in ``on_interaction``
  by custom_id alone, so buttons keep working after a restart and no view is kept in
  memory per message.
- Discord wants a first response to every interaction within 3 s. The core gets
  ``answer_within`` seconds; if it needs longer the interaction is deferred first.
- In a server channel, personal replies (``Reply.private``) and notices are ephemeral.
  Messages the bot starts itself (reminders) go by DM; Discord's 50007 ("cannot send
  messages to this user") is a :class:`Refused` DM, which the base reports to the core
  once and raises on to the caller.
- In a DM, typed text reaches the core as :class:`Text`.
- Every interaction and DM carries its snowflake id as the update id, which the core
  records in the step's transaction: an event delivered twice (a gateway RESUME
  replaying it, a second session) is handled once, and the repeat is not answered.
  Replies are not kept for after a crash: an interaction can only be answered while it
  lasts, and the gateway never delivers it again.

Lifecycle: ``start()`` returns at once; the connection runs under a
:class:`~bot.adapters.supervise.Supervisor`, which logs in again with back-off when it
fails. ``stop()`` finishes the interactions in hand (up to ``drain_within`` seconds),
then closes the connection.

With a ``gateway_lock`` (several workers on one database), the adapter logs in and
sends at once (reminders go out over REST from any worker), and opens the gateway for
its shards only once it holds their lock: a second worker given the same shards stands
by, and connects as soon as the first one's lock goes.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import discord
import yarl
from discord import app_commands
from discord.utils import MISSING

from bot.adapters.base import PlatformAdapter, Refused
from bot.adapters.discord.commands import build_commands, sync_if_changed
from bot.adapters.discord.render import Piece, pieces_of, with_choice_shown
from bot.adapters.discord.texts import DiscordTexts
from bot.adapters.supervise import Backoff, Supervisor
from bot.core.counts import CountScreens
from bot.core.messages import (
    Choice,
    ChoiceMade,
    Command,
    ConversationKey,
    Event,
    ImageRef,
    Inbound,
    Membership,
    Outcome,
    Platform,
    Reply,
    Text,
    Tone,
)
from bot.core.ports import CommandSpec, Handler, KeyValues, OnUnreachable, Picture, Pictures
from bot.core.redaction import REDACTOR
from bot.core.texts import CoreWords
from bot.delivery.pacer import PaceLimits, Pacer
from bot.ops.metrics import LEADER, PACER_QUEUE

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
# Discord allows 50 requests/s per bot; stay under it with room for a short burst.
DISCORD_PACE = PaceLimits(overall_per_second=40.0, overall_burst=5)
# Seconds the core gets before the interaction is deferred: Discord's limit is 3 s from
# its side, and the event and the answer each spend some time on the way.
ANSWER_WITHIN = 1.5
DRAIN_WITHIN = 10.0
# Discord error codes meaning "this user can't be reached by DM".
CANNOT_MESSAGE_USER = 50007
UNKNOWN_USER = 10013
_UNREACHABLE_CODES = {CANNOT_MESSAGE_USER, UNKNOWN_USER}
_DM_CACHE_SIZE = 10_000
# A refused upload (too large, a bad file): the piece goes again as text.
_UPLOAD_REFUSED = {400, 413}
EMBED_COLOUR = discord.Colour(0xDE5814)

Interaction = discord.Interaction[discord.Client]


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    token: str
    api_url: str = DEFAULT_API_URL
    gateway_url: str = DEFAULT_GATEWAY_URL
    guild_id: int | None = None
    # Gateway sharding: this worker runs ``shard_ids`` (all, when unset) of ``shard_count``
    # shards. Unset: one connection without sharding.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.shard_ids is not None and self.shard_count is None:
            raise ValueError("shard ids need a shard count")
        if self.shard_count is not None:
            ids = self.shard_ids if self.shard_ids is not None else range(self.shard_count)
            if not ids or any(not 0 <= i < self.shard_count for i in ids):
                raise ValueError(f"shard ids must be between 0 and {self.shard_count - 1}")

    @property
    def runs_start_up(self) -> bool:
        """Exactly one worker syncs the commands: the one running shard 0 (DMs go there)."""
        return self.shard_count is None or 0 in (self.shard_ids or (0,))


class GatewayLock(Protocol):
    """Held by the one worker that runs these gateway shards (a token lock on PostgreSQL)."""

    lost: asyncio.Event

    async def acquire(self) -> None: ...

    async def release(self) -> None: ...


class NotConnected(ConnectionError):
    """The bot is not logged in to Discord right now (it is retrying)."""


def point_discord_at(api_url: str, gateway_url: str) -> None:
    """Aim discord.py at a REST base and gateway (a proxy, or a local stand-in).

    discord.py has no setting for either; these class attributes are the one place.
    """
    discord.http.Route.BASE = api_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class DiscordAdapter(PlatformAdapter):
    def __init__(
        self,
        handler: Handler,
        *,
        config: DiscordConfig,
        commands: Sequence[CommandSpec],
        texts: DiscordTexts,
        words: CoreWords,
        pictures: Pictures | None,
        store: KeyValues,
        on_unreachable: OnUnreachable | None = None,
        pace: PaceLimits = DISCORD_PACE,
        answer_within: float = ANSWER_WITHIN,
        drain_within: float = DRAIN_WITHIN,
        backoff: Backoff | None = None,
        counts: CountScreens | None = None,
        gateway_lock: GatewayLock | None = None,
    ) -> None:
        """``gateway_lock``: the gateway waits for it (see the module docstring)."""
        super().__init__(
            Platform.DISCORD.value, handler, words=words, on_unreachable=on_unreachable
        )
        self._config = config
        self._gateway_lock = gateway_lock
        # Logged in (sending), the gateway left to the worker holding these shards.
        self._standing_by = False
        self._specs = list(commands)
        self._texts = texts
        self._pictures = pictures
        self._store = store
        self._pace = pace
        self._answer_within = answer_within
        self._drain_within = drain_within
        # Told of each paced count's message, which is then edited through the
        # interaction's webhook (its token lasts 15 minutes; a count takes under 2).
        self._counts = counts
        # Fails now, not at login, if the command list or the wording is unusable.
        build_commands(self._specs, self._texts.text_option, self._on_command)
        self._supervisor = Supervisor(self.name, self._connect, backoff)
        self.gone = self._supervisor.gave_up
        self._client: _CoachClient | None = None
        self._pacer: Pacer | None = None
        self._connected = asyncio.Event()
        self._shards_up: set[int] = set()
        self._stopping = False
        self._in_hand: set[asyncio.Task[object]] = set()
        self._dm_channels: OrderedDict[int, int] = OrderedDict()

    # ----- lifecycle -----

    async def start(self) -> None:
        REDACTOR.add(self._config.token)
        point_discord_at(self._config.api_url, self._config.gateway_url)
        self._stopping = False
        self._pacer = Pacer(self._pace)
        pacer = self._pacer
        PACER_QUEUE.labels(self.name).set_function(lambda: float(pacer.waiting))
        self._supervisor.start()

    async def stop(self) -> None:
        self._stopping = True
        in_hand = {t for t in self._in_hand if t is not asyncio.current_task()}
        if in_hand:
            await asyncio.wait(in_hand, timeout=self._drain_within)
        await self._supervisor.stop()
        if self._pacer is not None:
            await self._pacer.close()
            self._pacer = None

    async def wait_connected(self) -> None:
        """Return once the gateway session is up (tests and start-up checks)."""
        await self._connected.wait()

    @property
    def connected(self) -> bool:
        """On the gateway; or, standing by for it, logged in and sending."""
        return self._connected.is_set() or self._standing_by

    async def _connect(self) -> None:
        cfg = self._config
        client: _CoachClient
        if cfg.shard_count is None:
            client = _CoachClient(self)
        else:
            ids = list(cfg.shard_ids or range(cfg.shard_count))
            client = _ShardedCoachClient(self, shard_count=cfg.shard_count, shard_ids=ids)
        self._shards_up.clear()
        self._client = client
        lock = self._gateway_lock
        holding = False
        try:
            async with client:
                if lock is None:
                    await client.start(self._config.token)
                    return
                await client.login(self._config.token)
                self._standing_by = True
                await lock.acquire()  # logs token_standby while another worker has them
                holding = True
                self._standing_by = False
                LEADER.labels("discord_gateway").set(1)
                log.info("discord_gateway_leader shards=%s", self._shard_names())
                await client.connect()
        finally:
            self._standing_by = False
            self._connected.clear()
            if self._client is client:
                self._client = None
            if holding and lock is not None:
                # Only now, with the gateway closed: the successor connects alone.
                LEADER.labels("discord_gateway").set(0)
                await lock.release()

    def _shard_names(self) -> str:
        cfg = self._config
        if cfg.shard_count is None:
            return "all"
        return ",".join(str(i) for i in cfg.shard_ids or range(cfg.shard_count))

    def _shard_up(self, shard_id: int, *, up: bool) -> None:
        """A sharded client is connected while every one of its shards is."""
        if up:
            self._shards_up.add(shard_id)
        else:
            self._shards_up.discard(shard_id)
        cfg = self._config
        wanted = 1 if cfg.shard_count is None else len(cfg.shard_ids or range(cfg.shard_count))
        if len(self._shards_up) >= wanted:
            self._connected.set()
        else:
            self._connected.clear()

    async def _setup(self, client: _CoachClient) -> None:
        """After login, before the gateway: register the commands, sync if they changed
        (on one worker only, when the shards are spread over several)."""
        for command in build_commands(self._specs, self._texts.text_option, self._on_command):
            client.tree.add_command(command)
        client.tree.error(self._on_tree_error)
        if not self._config.runs_start_up:
            return
        app_id = client.application_id
        if app_id is None:
            raise RuntimeError("Discord did not say which application this bot belongs to")
        try:
            await sync_if_changed(
                client.tree, self._store, app_id=app_id, guild_id=self._config.guild_id
            )
        except discord.HTTPException as exc:
            # The commands Discord already has still work; the next start tries again.
            log.error(
                "commands_sync_failed platform=discord status=%s code=%s", exc.status, exc.code
            )

    # ----- inbound -----

    async def _on_command(self, interaction: Interaction, name: str, text: str) -> None:
        await self._serve(interaction, Command(name, text))

    async def _on_tree_error(
        self, interaction: Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CommandNotFound):
            # A command Discord still shows but this version no longer has: the core
            # answers it like any unknown command.
            await self._serve(interaction, Command(error.name, ""))
            return
        log.error("command_failed platform=discord error=%s", type(error).__name__)

    async def _on_interaction(self, interaction: Interaction) -> None:
        if interaction.type is not discord.InteractionType.component:
            return
        await self._serve(interaction, ChoiceMade(_custom_id(interaction) or ""))

    async def _on_message(self, message: discord.Message) -> None:
        if message.author.bot or not isinstance(message.channel, discord.DMChannel):
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        key = ConversationKey(self.name, str(message.channel.id), str(message.author.id))
        task = asyncio.current_task()
        if task is not None:
            self._in_hand.add(task)
        try:
            if self._stopping:
                return
            outcome = await self.handle(
                Inbound(key, Text(message.content), is_private=True, update_id=str(message.id))
            )
            channel = message.channel
            for reply in outcome.replies:
                for piece in pieces_of(reply):
                    await self._paced(f"dm:{message.author.id}", bulk=False)
                    await self._send(piece, functools.partial(_to_channel, channel))
        except discord.HTTPException as exc:
            log.warning("dm_reply_failed platform=discord status=%s code=%s", exc.status, exc.code)
        finally:
            if task is not None:
                self._in_hand.discard(task)

    async def _serve(self, interaction: Interaction, event: Event) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_hand.add(task)
        answer = _Answer(self, interaction, pressed=isinstance(event, ChoiceMade))
        try:
            if self._stopping:
                await answer.send(Piece(self._texts.restarting), ephemeral=True)
                return
            if isinstance(event, ChoiceMade) and _forged(interaction):
                await answer.deliver(self.unshown_press(interaction.id))
                return
            inbound = Inbound(
                _key_of(interaction),
                event,
                is_private=not answer.in_server,
                # The client's language ("en-GB"); its str is the tag itself.
                locale=str(interaction.locale),
                can_whisper=True,  # ephemeral replies: seen by this member alone
                update_id=str(interaction.id),
                member=_membership(interaction),
            )
            outcome = await self._core_in_time(inbound, answer)
            if outcome.repeat:
                return  # answered where it was first handled
            await answer.deliver(outcome)
        except discord.HTTPException as exc:
            log.warning(
                "interaction_answer_failed platform=discord status=%s code=%s",
                exc.status,
                exc.code,
            )
        finally:
            if task is not None:
                self._in_hand.discard(task)

    async def _core_in_time(self, inbound: Inbound, answer: _Answer) -> Outcome:
        work = asyncio.ensure_future(self.handle(inbound))
        done, _ = await asyncio.wait({work}, timeout=self._answer_within)
        if not done:
            await answer.defer()
        return await work

    # ----- outbound -----

    async def deliver(self, key: ConversationKey, reply: Reply, *, bulk: bool) -> None:
        """A message the bot starts itself: always a DM to ``key.user_id``."""
        client = self._client
        if client is None or client.user is None or client.is_closed():
            raise NotConnected("not logged in to Discord")
        if not key.user_id:
            await self._to_server_channel(client, key.chat_id, reply, bulk=bulk)
            return
        user_id = int(key.user_id)
        chat = f"dm:{user_id}"
        try:
            channel = await self._dm_channel(client, user_id, chat, bulk=bulk)
            for piece in pieces_of(reply):
                await self._paced(chat, bulk=bulk)
                await self._send(piece, functools.partial(_to_channel, channel))
        except (discord.Forbidden, discord.NotFound) as exc:
            if exc.code not in _UNREACHABLE_CODES:
                raise
            channel_id = self._dm_channels.pop(user_id, None)
            log.info("user_unreachable platform=discord code=%s", exc.code)
            # The DM refused, wherever the reminder was set. If Discord would not even
            # open one, the user's id stands in for its id (it names no chat).
            dm = ConversationKey(self.name, str(channel_id or user_id), key.user_id)
            reason = f"discord refused the DM (code {exc.code})"
            raise Refused(dm, private=True, reason=reason) from exc

    async def _to_server_channel(
        self, client: discord.Client, channel_id: str, reply: Reply, *, bulk: bool
    ) -> None:
        """A message to a whole server channel (a club run's): gone from the server, or
        no longer allowed to post there, is a refusal of that channel."""
        channel = client.get_partial_messageable(int(channel_id))
        try:
            for piece in pieces_of(reply):
                await self._paced(f"channel:{channel_id}", bulk=bulk)
                await self._send(piece, functools.partial(_to_channel, channel))
        except (discord.Forbidden, discord.NotFound) as exc:
            key = ConversationKey(self.name, channel_id, "")
            raise Refused(key, private=False, reason=f"discord refused (code {exc.code})") from exc

    async def removed_from(self, guild_id: int) -> None:
        """The coach left or was removed from a server: its club runs pause."""
        log.info("discord_removed_from_server")
        key = ConversationKey(self.name, str(guild_id), "")
        await self.report(Refused(key, private=False, reason="removed from the server"))

    async def _dm_channel(
        self, client: discord.Client, user_id: int, chat: str, *, bulk: bool
    ) -> discord.PartialMessageable:
        channel_id = self._dm_channels.get(user_id)
        if channel_id is None:
            await self._paced(chat, bulk=bulk)
            channel_id = (await client.create_dm(discord.Object(id=user_id))).id
            self._dm_channels[user_id] = channel_id
            while len(self._dm_channels) > _DM_CACHE_SIZE:
                self._dm_channels.popitem(last=False)
        self._dm_channels.move_to_end(user_id)
        return client.get_partial_messageable(channel_id, type=discord.ChannelType.private)

    async def _paced(self, chat: str, *, bulk: bool) -> None:
        if self._pacer is not None:
            await self._pacer.acquire(chat, bulk=bulk)

    async def _send(self, piece: Piece, send: Callable[[_Rendered], Awaitable[object]]) -> None:
        """Send one piece; if Discord refuses its upload, the piece again without it."""
        rendered = await self._render(piece)
        try:
            await send(rendered)
        except discord.HTTPException as exc:
            if not rendered.files or exc.status not in _UPLOAD_REFUSED:
                raise
            log.warning(
                "media_refused platform=discord status=%s code=%s bytes=%d",
                exc.status,
                exc.code,
                sum(len(f.fp.getbuffer()) for f in rendered.files if isinstance(f.fp, io.BytesIO)),
            )
            await send(await self._render(replace(piece, attachments=())))

    async def _render(self, piece: Piece) -> _Rendered:
        view = _view_of(piece)
        files, embeds = await self._files_of(piece)
        return _Rendered(
            content=piece.content or None,
            view=view if view is not None else MISSING,
            files=files or MISSING,
            embeds=embeds or MISSING,
        )

    async def _files_of(self, piece: Piece) -> tuple[list[discord.File], list[discord.Embed]]:
        """The uploads, and an embed showing each picture among them."""
        files: list[discord.File] = []
        embeds: list[discord.Embed] = []
        for attachment in piece.attachments:
            data = attachment.data
            if attachment.image is not None:
                picture = await self._picture(attachment.image)
                if picture is None:
                    continue  # the text goes without it
                data = picture.data
                embed = discord.Embed(colour=EMBED_COLOUR)
                embed.set_image(url=f"attachment://{attachment.filename}")
                embeds.append(embed)
            if data is not None:
                files.append(
                    discord.File(
                        io.BytesIO(data),
                        filename=attachment.filename,
                        description=attachment.description,
                    )
                )
        return files, embeds

    async def _picture(self, image: ImageRef) -> Picture | None:
        if self._pictures is None:
            return None
        picture = await self._pictures.picture(image)
        if picture is None:
            log.warning("image_missing platform=discord path=%s", image.path)
        return picture


class _Answer:
    """The responses to one interaction, in the order Discord requires.

    The first response is the interaction callback (a message, an update of the pressed
    message, or a deferral); everything after it is a follow-up.
    """

    def __init__(self, adapter: DiscordAdapter, interaction: Interaction, *, pressed: bool) -> None:
        self._adapter = adapter
        self._interaction = interaction
        self._pressed = pressed
        self._loading = False  # a deferred command shows "thinking" until the first follow-up
        self._last_followup: discord.WebhookMessage | None = None
        self.in_server = not _is_dm(interaction)

    @property
    def acknowledged(self) -> bool:
        return self._interaction.response.is_done()

    async def defer(self) -> None:
        if self.acknowledged:
            return
        if self._pressed:
            await self._interaction.response.defer()
        else:
            # Ephemeral in a server: the reply may be personal, and a deferral fixes the
            # visibility of the first follow-up before the core has said what it is.
            await self._interaction.response.defer(ephemeral=self.in_server, thinking=True)
            self._loading = True

    async def deliver(self, outcome: Outcome) -> None:
        texts = self._adapter._texts
        # Only a message that shows the pressed button is edited.
        if self._pressed and outcome.accepted and _pressed_button(self._interaction) is not None:
            await self._mark_pressed()
        if outcome.notice:
            await self.send(Piece(outcome.notice), ephemeral=True)
        for reply in outcome.replies:
            ephemeral = reply.private and self.in_server
            if reply.count is not None and self._adapter._counts is not None:
                await self._open_count(reply, reply.count, ephemeral=ephemeral)
                continue
            for piece in pieces_of(reply):
                await self.send(piece, ephemeral=ephemeral)
        if not self.acknowledged:
            if self._pressed:
                await self._interaction.response.defer()
            else:
                await self.send(Piece(texts.nothing_to_say), ephemeral=True)
        elif self._loading:
            await self.send(Piece(texts.nothing_to_say), ephemeral=True)

    async def send(self, piece: Piece, *, ephemeral: bool) -> None:
        await self._adapter._send(piece, functools.partial(self._send, ephemeral=ephemeral))

    async def _open_count(self, reply: Reply, count: str, *, ephemeral: bool) -> None:
        """A paced count's message (one piece: a beat is a line or two), then edited in
        place through this interaction's webhook."""
        piece = pieces_of(reply)[-1]
        first = not self.acknowledged
        await self.send(piece, ephemeral=ephemeral)
        counts = self._adapter._counts
        message = self._last_followup
        if counts is None or (not first and message is None):
            return
        screen = _CountMessage(self._adapter, self._interaction, None if first else message)
        counts.opened(count, _key_of(self._interaction), screen)

    async def _send(self, rendered: _Rendered, *, ephemeral: bool) -> None:
        if not self.acknowledged:
            await self._interaction.response.send_message(
                rendered.content,
                view=rendered.view,
                files=rendered.files,
                embeds=rendered.embeds,
                ephemeral=ephemeral,
            )
        else:
            self._last_followup = await self._interaction.followup.send(
                rendered.content if rendered.content is not None else MISSING,
                view=rendered.view,
                files=rendered.files,
                embeds=rendered.embeds,
                ephemeral=ephemeral,
                wait=True,
            )
            self._loading = False

    async def _mark_pressed(self) -> None:
        """Take the buttons off the pressed message, so it can't be pressed twice."""
        message = self._interaction.message
        if message is None:
            return
        label = _pressed_label(self._interaction)
        content = message.content
        if label:
            marker = self._adapter._texts.pressed.format(label=label)
            content = with_choice_shown(content, marker)
        if not self.acknowledged:
            await self._interaction.response.edit_message(content=content, view=None)
        else:
            await self._interaction.edit_original_response(content=content, view=None)


@dataclass(frozen=True, slots=True)
class _CountMessage:
    """The :class:`~bot.core.counts.CountScreen` of a count's message: the interaction's
    own response (``message`` None), or one of its follow-ups."""

    adapter: DiscordAdapter
    interaction: Interaction
    message: discord.WebhookMessage | None

    async def show(self, text: str, choices: tuple[Choice, ...]) -> None:
        piece = pieces_of(Reply(text, choices=choices))[-1]
        view = _view_of(piece)
        chat = f"count:{self.interaction.id}"
        await self.adapter._paced(chat, bulk=False)
        # None takes the buttons away; the end of a count shows the step's own.
        if self.message is None:
            await self.interaction.edit_original_response(content=piece.content, view=view)
        else:
            await self.message.edit(content=piece.content, view=view)


@dataclass(frozen=True, slots=True)
class _Rendered:
    """One piece as discord.py's send methods take it (``MISSING`` where there is none)."""

    content: str | None
    view: discord.ui.View
    files: list[discord.File]
    embeds: list[discord.Embed]


async def _to_channel(channel: discord.abc.Messageable, rendered: _Rendered) -> None:
    await channel.send(
        rendered.content, view=rendered.view, files=rendered.files, embeds=rendered.embeds
    )


class _StaticView(discord.ui.View):
    """Buttons to show, not to listen to: presses are routed by custom_id in
    ``on_interaction``, so discord.py need not keep this view in memory."""

    def is_dispatchable(self) -> bool:
        return False


# Green moves on, red erases; everything else (Stop included) stays grey.
_STYLES = {
    Tone.PLAIN: discord.ButtonStyle.secondary,
    Tone.GO: discord.ButtonStyle.success,
    Tone.STOP: discord.ButtonStyle.secondary,
    Tone.DANGER: discord.ButtonStyle.danger,
}


def _view_of(piece: Piece) -> discord.ui.View | None:
    if not piece.buttons:
        return None
    view = _StaticView(timeout=None)
    for button in piece.buttons:
        view.add_item(
            discord.ui.Button(
                label=button.label,
                custom_id=button.custom_id,
                row=button.row,
                style=_STYLES[button.tone],
            )
        )
    return view


def _is_dm(interaction: Interaction) -> bool:
    channel = interaction.channel
    return interaction.guild_id is None and (
        channel is None or channel.type is discord.ChannelType.private
    )


def _membership(interaction: Interaction) -> Membership | None:
    """In a server: whether the member manages it, and their role ids (they come with
    every interaction; discord.py resolves Role objects only for cached servers)."""
    if interaction.guild_id is None:
        return None
    user = interaction.user
    roles = tuple(str(role) for role in getattr(user, "_roles", ()))
    admin = interaction.permissions.manage_guild
    return Membership(admin=admin, roles=roles, space=str(interaction.guild_id))


def _key_of(interaction: Interaction) -> ConversationKey:
    channel_id = interaction.channel_id or interaction.user.id
    return ConversationKey(Platform.DISCORD.value, str(channel_id), str(interaction.user.id))


def _custom_id(interaction: Interaction) -> str | None:
    data: Mapping[str, object] = interaction.data or {}
    custom_id = data.get("custom_id")
    return custom_id if isinstance(custom_id, str) else None


def _pressed_button(interaction: Interaction) -> object | None:
    """The pressed message's own button with the pressed custom_id, if it has one."""
    message = interaction.message
    custom_id = _custom_id(interaction)
    if message is None or custom_id is None:
        return None
    for row in message.components:
        for child in getattr(row, "children", ()):
            if getattr(child, "custom_id", None) == custom_id:
                found: object = child
                return found
    return None


def _forged(interaction: Interaction) -> bool:
    """A pressed custom_id that is none of the buttons the pressed message shows. (A
    message without buttons can't be told apart from a stale press: the core answers
    it, and it is not edited.)"""
    message = interaction.message
    if message is None or not message.components:
        return False
    return _pressed_button(interaction) is None


def _pressed_label(interaction: Interaction) -> str | None:
    label = getattr(_pressed_button(interaction), "label", None)
    return str(label) if label else None


class _CoachClient(discord.Client):
    """discord.py's hooks, handed to the adapter."""

    def __init__(self, adapter: DiscordAdapter, **sharding: Any) -> None:
        # The coach has no voice; discord.py's warnings about voice libraries are noise.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # server and channel data that interactions refer to
        intents.dm_messages = True  # typed text in DMs
        super().__init__(
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            max_messages=None,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            **sharding,
        )
        self.adapter = adapter
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        await self.adapter._setup(self)

    async def on_connect(self) -> None:
        self.adapter._shard_up(0, up=True)

    async def on_resumed(self) -> None:
        self.adapter._shard_up(0, up=True)

    async def on_disconnect(self) -> None:
        self.adapter._shard_up(0, up=False)

    async def on_interaction(self, interaction: Interaction) -> None:
        await self.adapter._on_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter._on_message(message)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.adapter.removed_from(guild.id)


class _ShardedCoachClient(_CoachClient, discord.AutoShardedClient):
    """The same hooks for a worker running some or all of the bot's gateway shards.
    Discord sends each server's events to shard ``(guild_id >> 22) % shard_count``, and
    DMs to shard 0; the client is connected while every one of its shards is."""

    def __init__(self, adapter: DiscordAdapter, *, shard_count: int, shard_ids: list[int]) -> None:
        super().__init__(adapter, shard_count=shard_count, shard_ids=shard_ids)

    async def on_connect(self) -> None:
        """Each shard reports on its own, below."""

    on_resumed = on_disconnect = on_connect

    async def on_shard_connect(self, shard_id: int) -> None:
        self.adapter._shard_up(shard_id, up=True)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.adapter._shard_up(shard_id, up=True)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.adapter._shard_up(shard_id, up=False)
