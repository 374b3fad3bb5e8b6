"""The coach on Telegram, on python-telegram-bot, in the one asyncio loop.

Lifecycle (we drive it; never ``run_polling``, so Telegram runs beside Discord and the
scheduler): ``start`` = getMe → menu, description → queue the replies a previous
process left unsent → long polling (or the webhook listener plus setWebhook). ``stop``
= stop fetching at once → let the steps in hand commit → send what they answered (up
to ``drain_within`` seconds; anything left stays in the outbox for the next start) →
close. ``start`` raises :class:`telegram.error.InvalidToken` for a bad token; if
Telegram can't be reached a :class:`Supervisor` keeps trying in the background instead.

Every update, exactly once: translated to an :class:`Inbound` carrying its update id,
handled by the core, whose step records the id and keeps the replies in the same
transaction (a repeat comes back as ``repeat`` and is dropped). Only then is Telegram
told the update is done: polling moves its offset past an update once its step has
committed (:mod:`bot.adapters.telegram.polling`); the webhook answers 200 then, and
500 if the step failed, so Telegram delivers it again. The replies go out afterwards
in the chat's lane (:class:`~bot.adapters.lanes.Lanes`), in order, each marked in the
outbox as it goes; the chat's next update need not wait for them.

A button press is always answered (with the core's notice, if any), and an accepted
press edits the pressed message to show the choice and drop its buttons; both wait for
the first reply, which is what the runner waits for. Replies go out through a
:class:`Pacer` below Telegram's flood limits, interactive ones ahead of reminders; a
429 waits ``retry_after`` and tries again; a 403 is a :class:`Refused` chat, which the
base reports to the core.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import functools
import hashlib
import html
import json
import logging
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from aiohttp import web
from telegram import (
    BotCommand,
    CallbackQuery,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.adapters.base import PlatformAdapter, Refused
from bot.adapters.lanes import Lanes
from bot.adapters.supervise import Backoff, Supervisor
from bot.adapters.telegram.bot import CoachBot
from bot.adapters.telegram.http import AiohttpRequest
from bot.adapters.telegram.inbound import PLATFORM, is_group, to_inbound, to_removal
from bot.adapters.telegram.polling import Poller
from bot.adapters.telegram.render import (
    HTML,
    MAX_CALLBACK_ANSWER,
    MAX_CAPTION,
    MAX_TEXT,
    fit,
    formatted,
    keyboard_rows,
    split_text,
    utf16_len,
    with_pressed_mark,
)
from bot.adapters.telegram.texts import TelegramTexts
from bot.adapters.telegram.webhook import WebhookListener, webhook_path
from bot.core.counts import CountScreens
from bot.core.messages import (
    Choice,
    Command,
    ConversationKey,
    Document,
    ImageKind,
    ImageRef,
    Inbound,
    Membership,
    Outcome,
    Reply,
)
from bot.core.payloads import Buttons
from bot.core.ports import (
    CommandSpec,
    Exclusive,
    Handler,
    HeldReplies,
    KeyValues,
    OnUnreachable,
    Pictures,
    ReplyOutbox,
    Unreachable,
    UpdateOrder,
)
from bot.core.redaction import REDACTOR
from bot.core.texts import CoreWords
from bot.delivery import limits
from bot.delivery.pacer import PaceLimits, Pacer, SharedLimits
from bot.ops.metrics import LEADER, PACER_QUEUE, RETRIES, THROTTLED

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_API_URL = "https://api.telegram.org/bot"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
MAX_ATTEMPTS = 5
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
MAX_COMMAND_DESCRIPTION = 256
PROFILE_KEY = "telegram.profile"
WEBHOOK_KEY = "telegram.webhook"
# The name under which one worker at a time does the start-up work.
STARTUP = "telegram_startup"
# Uploaded pictures are sent again by the file_id Telegram gave them: one key each.
FILE_KEY_PREFIX = "telegram.file:"
MAX_START_RETRY = 300.0
# With several workers: how often a worker looks for replies a dead one still owed.
ADOPT_EVERY = 5.0


class PollLock(Protocol):
    """Held by the one worker that polls a token (a token lock on PostgreSQL)."""

    lost: asyncio.Event

    async def acquire(self) -> None: ...

    async def release(self) -> None: ...


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: str
    api_url: str = DEFAULT_API_URL
    # Webhook mode when set; long polling otherwise.
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = 8080
    listen: str = "0.0.0.0"  # noqa: S104 - the webhook must be reachable from outside
    poll_timeout: float = 10.0
    pace: PaceLimits = limits.TELEGRAM
    # On stop: seconds to let the steps in hand commit and their replies go out. What
    # is still unsent then stays in the outbox, for the next start.
    drain_within: float = 10.0
    # HTTP connections to the Bot API for sending (see AiohttpRequest).
    connection_pool: int = 8
    # The first wait after a failed start; it doubles up to MAX_START_RETRY.
    retry_start_after: float = 5.0


class _ChatLocks:
    """One lock per chat, kept only while in use: a chat's updates run in arrival order."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int | None) -> AsyncIterator[None]:
        if chat_id is None:
            yield
            return
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


class TelegramAdapter(PlatformAdapter):
    def __init__(
        self,
        handler: Handler,
        config: TelegramConfig,
        *,
        texts: TelegramTexts,
        words: CoreWords,
        pictures: Pictures | None,
        commands: Sequence[CommandSpec],
        outbox: ReplyOutbox | None,
        on_unreachable: OnUnreachable,
        store: KeyValues | None = None,
        routes: Sequence[web.RouteDef] = (),
        counts: CountScreens | None = None,
        shared_limits: SharedLimits | None = None,
        poll_lock: PollLock | None = None,
        order: UpdateOrder | None = None,
        exclusive: Exclusive | None = None,
    ) -> None:
        """``routes``: more HTTP routes for the webhook listener's port (health checks).
        ``counts``: told of each paced count's message, which it then edits in place.
        ``shared_limits``: the send budget every worker of this bot shares. ``poll_lock``
        (polling mode, several workers): sending starts at once, while polling, with the
        start-up work of the one poller (menu, replies a dead poller left), waits until
        this worker holds the lock. With several webhook workers: ``order`` keeps each
        chat's updates in order across them, and under ``exclusive`` one worker at a time
        does the start-up work (menu, descriptions, ``setWebhook``), which the next finds
        done."""
        if not config.token:
            raise ValueError("a Telegram token is needed")
        if config.webhook_url and not config.webhook_secret:
            raise ValueError("a webhook needs a secret token")
        REDACTOR.add(config.token)  # before the first request is made, let alone logged
        super().__init__(
            PLATFORM, handler, words=words, on_unreachable=on_unreachable, outbox=outbox
        )
        self._config = config
        self._texts = texts
        self._pictures = pictures
        self._commands = list(commands)
        self._admin_commands = frozenset(c.name for c in commands if c.admin)
        self._store = store
        self._routes = routes
        self._counts = counts
        self._pacer = Pacer(config.pace, shared=shared_limits)
        self._poll_lock = poll_lock
        self._leading: asyncio.Task[None] | None = None
        self._order = order
        self._exclusive = exclusive
        PACER_QUEUE.labels(PLATFORM).set_function(lambda: float(self._pacer.waiting))
        self._locks = _ChatLocks()
        self._lanes = Lanes(PLATFORM)
        self._file_ids: dict[str, str] = {}
        self._uploads: dict[str, asyncio.Lock] = {}
        self._listener: WebhookListener | None = None
        self._poller: Poller | None = None
        self._adopter: asyncio.Task[None] | None = None
        self._client: CoachBot | None = None
        self._requests: tuple[AiohttpRequest, ...] = ()
        self._supervisor = Supervisor(
            PLATFORM,
            self._stay_up,
            Backoff(initial=config.retry_start_after, maximum=MAX_START_RETRY, jitter=0.0),
            fatal=lambda exc: not _worth_retrying(exc),
        )
        self.gone = self._supervisor.gave_up
        self._started = False
        self.username = ""

    @property
    def connected(self) -> bool:
        return self._started

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        try:
            await self._come_up()
        except Exception as exc:
            if not _worth_retrying(exc):
                raise  # a bad token or setting: retrying won't help
            log.warning("telegram_unreachable_at_start error=%s; retrying", type(exc).__name__)
            self._supervisor.start(after_failure=True)

    async def stop(self) -> None:
        await self._supervisor.stop()
        await self._tear_down()
        await self._pacer.close()
        await self.close_outbox()
        log.info("telegram_stopped")

    async def _come_up(self) -> None:
        try:
            await self._bring_up()
        except BaseException:
            await self._tear_down()
            raise

    async def _stay_up(self) -> None:
        """The supervisor's attempt after a failed start. Once up, the poller keeps
        polling (or the listener listening) by itself, so this only waits for ``stop``."""
        await self._come_up()
        await asyncio.Event().wait()

    def _build(self) -> CoachBot:
        cfg = self._config
        # Kept to be closed in _tear_down: python-telegram-bot closes them only when its
        # initialize succeeded, and a start that failed at getMe would leak their sessions.
        self._requests = (AiohttpRequest(cfg.connection_pool), AiohttpRequest(1))
        return CoachBot(
            cfg.token,
            base_url=cfg.api_url,
            base_file_url=_file_url(cfg.api_url),
            request=self._requests[0],
            get_updates_request=self._requests[1],
        )

    async def _bring_up(self) -> None:
        bot = self._client = self._build()
        await bot.initialize()
        self.username = bot.username
        cfg = self._config
        if self._poll_lock is not None and not cfg.webhook_url:
            # Reminders and other sends go out from here on; polling waits its turn.
            self._started = True
            self._leading = asyncio.create_task(self._lead_polling(bot), name="telegram-lead")
            log.info("telegram_started bot=%s mode=sending poller=waiting", self.username)
            return
        await self._take_over(bot)

    async def _lead_polling(self, bot: CoachBot) -> None:
        """Wait for the poll lock (standing by), then do the poller's work until stopped."""
        lock = self._poll_lock
        assert lock is not None
        try:
            await lock.acquire()
            LEADER.labels("telegram_polling").set(1)
            log.info("telegram_polling_leader bot=%s", self.username)
            await self._take_over(bot)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("telegram_polling_takeover_failed error=%s: %s", type(exc).__name__, exc)
            lock.lost.set()  # the process stops and its supervisor starts it again

    async def _take_over(self, bot: CoachBot) -> None:
        """The start-up work of the one worker that takes updates, then take them."""
        if self._exclusive is None:
            await self._sync_profile()
        self._started = True
        # First in each chat's lane: what a previous process committed and never sent.
        for held in await self.held_replies():
            self._lanes.add(held.key.chat_id, functools.partial(self._send_held, held))
        cfg = self._config
        if cfg.webhook_url and cfg.webhook_secret:
            self._listener = WebhookListener(
                self._from_webhook,
                secret=cfg.webhook_secret,
                path=webhook_path(cfg.webhook_url),
                host=cfg.listen,
                port=cfg.port,
                routes=self._routes,
            )
            await self._listener.start()
            if self._exclusive is None:
                await self._set_webhook(bot, cfg.webhook_url, cfg.webhook_secret)
            else:
                async with self._exclusive(STARTUP):
                    await self._sync_profile()
                    await self._set_webhook(bot, cfg.webhook_url, cfg.webhook_secret, once=True)
            if self._order is not None:
                self._adopter = asyncio.create_task(self._keep_adopting(), name="telegram-adopt")
            mode = "webhook"
        else:
            if self._exclusive is not None:
                async with self._exclusive(STARTUP):
                    await self._sync_profile()
            if self._store is not None:
                await self._store.put(WEBHOOK_KEY, "")  # the next webhook start sets it again
            await bot.delete_webhook(drop_pending_updates=False)
            self._poller = Poller(
                bot,
                functools.partial(self._take, apologise=True),
                timeout=cfg.poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
            )
            self._poller.start()
            mode = "polling"
        log.info("telegram_started bot=%s mode=%s", self.username, mode)

    async def _tear_down(self) -> None:
        """Stop fetching at once, let the steps in hand commit, send what they answered
        (what is left at the deadline stays in the outbox), close connections."""
        deadline = time.monotonic() + self._config.drain_within
        leading, self._leading = self._leading, None
        if leading is not None:
            leading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await leading
        adopter, self._adopter = self._adopter, None
        if adopter is not None:
            adopter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await adopter
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None
        poller, self._poller = self._poller, None
        if poller is not None:
            await poller.stop(within=self._config.drain_within)
        if not await self._lanes.drain(max(0.0, deadline - time.monotonic())):
            log.warning("telegram_replies_left_for_next_start chats=%d", len(self._lanes))
        await self._lanes.cancel()
        if self._order is not None:
            with contextlib.suppress(Exception):
                await self._order.close()
        if self._poll_lock is not None:
            # Only now, with no getUpdates left in flight: the successor polls alone.
            await self._poll_lock.release()
            LEADER.labels("telegram_polling").set(0)
        self._started = False
        bot, self._client = self._client, None
        if bot is not None:
            with contextlib.suppress(Exception):
                await bot.shutdown()
        requests, self._requests = self._requests, ()
        for request in requests:
            with contextlib.suppress(Exception):
                await request.shutdown()  # a no-op when python-telegram-bot closed it

    async def _adopt_held(self) -> None:
        """Queue the replies that workers no longer running committed and never sent
        (each taken over by one worker only), first in their chats' lanes."""
        for held in await self.held_replies():
            self._lanes.add(held.key.chat_id, functools.partial(self._send_held, held))

    async def _keep_adopting(self) -> None:
        while True:
            await asyncio.sleep(ADOPT_EVERY)
            await self._adopt_held()

    async def _set_webhook(
        self, bot: CoachBot, url: str, secret: str, *, once: bool = False
    ) -> None:
        """``once``: skip it when Telegram already has this webhook, set by another worker
        (the secret is not shown by getWebhookInfo, so its digest is kept)."""
        wanted = hashlib.sha256(json.dumps([url, secret, ALLOWED_UPDATES]).encode()).hexdigest()
        if once and self._store is not None and await self._store.get(WEBHOOK_KEY) == wanted:
            info = await bot.get_webhook_info()
            if info.url == url:
                log.info("telegram_webhook_unchanged")
                return
        await bot.set_webhook(
            url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
        )
        if once and self._store is not None:
            await self._store.put(WEBHOOK_KEY, wanted)

    async def _from_webhook(self, data: dict[str, Any]) -> bool | None:
        """One update posted to the webhook: True once its step has committed. A step
        that failed is not apologised for: Telegram delivers the update again. With
        several workers, it first waits for its chat's earlier updates (``order``)."""
        bot = self._client
        if bot is None or not self._started:
            return None
        update = Update.de_json(data, bot)
        order = self._order
        if order is None:
            return await self._take(update, apologise=False)
        chat = update.effective_chat
        where = str(chat.id) if chat is not None else f"update:{update.update_id}"
        await order.wait_turn(PLATFORM, update.update_id, where)
        lane = str(chat.id) if chat is not None else f"update:{update.update_id}"
        try:
            return await self._take(update, apologise=False)
        finally:
            order.stepped(PLATFORM, update.update_id)
            # After the replies the step queued in the chat's lane.
            self._lanes.add(lane, functools.partial(order.done, PLATFORM, update.update_id))

    async def _sync_profile(self) -> None:
        """The command menu and the bot's descriptions, sent only when they changed."""
        bot = self._client
        assert bot is not None
        texts = self._words.bot
        commands = [
            BotCommand(c.name, fit(" ".join(c.description.split()), MAX_COMMAND_DESCRIPTION))
            for c in self._commands
        ]
        description = fit(texts.description, MAX_DESCRIPTION)
        short = fit(texts.short_description, MAX_SHORT_DESCRIPTION)
        profile = json.dumps(
            [bot.id, [c.to_dict() for c in commands], description, short], sort_keys=True
        )
        digest = hashlib.sha256(profile.encode()).hexdigest()
        if self._store is not None and await self._store.get(PROFILE_KEY) == digest:
            log.info("telegram_profile_unchanged")
            return
        try:
            await bot.set_my_commands(commands)
            await bot.set_my_description(description)
            await bot.set_my_short_description(short)
        except (BadRequest, RetryAfter) as exc:
            # The bot works without a menu; try again on the next start.
            log.warning("telegram_profile_not_set error=%s: %s", type(exc).__name__, exc)
            return
        if self._store is not None:
            await self._store.put(PROFILE_KEY, digest)
        log.info("telegram_profile_set commands=%d", len(commands))

    # ------------------------------------------------------------------ inbound

    async def _take(self, update: Update, *, apologise: bool) -> bool:
        """Handle one update in its chat's order. True once its step has committed (or
        it needed none), its replies queued in the chat's lane; False when the step
        failed (then the apology is queued only if ``apologise``)."""
        chat = update.effective_chat
        chat_id = chat.id if chat is not None else None
        async with self._locks.hold(chat_id):
            return await self._decide(update, chat_id, apologise=apologise)

    async def _decide(self, update: Update, chat_id: int | None, *, apologise: bool) -> bool:
        lane = str(chat_id) if chat_id is not None else f"update:{update.update_id}"
        removal = to_removal(update)
        if removal is not None:
            log.info("telegram_removed_from_chat chat=%s", removal.key.chat_id)
            await self.report(removal)
            return True
        inbound = to_inbound(update, self.username)
        query = update.callback_query
        if inbound is None:
            if query is not None:
                self._lanes.add(lane, functools.partial(self._answer, query, None))
            return True
        if query is not None and _forged(query):
            notice = self.unshown_press(update.update_id).notice
            self._lanes.add(lane, functools.partial(self._answer, query, notice))
            return True
        # Only a message that shows the pressed button is edited (a stale press on a
        # message whose buttons are gone still gets the core's answer).
        editable = query is not None and _shows(query)
        inbound = await self._with_membership(inbound)
        started = time.monotonic()
        outcome = await self.handle(inbound)
        log.debug(
            "telegram_update update_id=%s chat=%s event=%s accepted=%s repeat=%s ms=%.1f",
            update.update_id,
            inbound.key.chat_id,
            type(inbound.event).__name__,
            outcome.accepted,
            outcome.repeat,
            (time.monotonic() - started) * 1000,
        )
        if outcome.repeat and self._order is not None:
            # Redelivered because the worker that took it first died: it may have died
            # owing the replies.
            await self._adopt_held()
        if outcome.repeat or (outcome.failed and not apologise):
            return not outcome.failed
        kept = None if outcome.failed else inbound.update_id
        self._lanes.add(
            lane, functools.partial(self._send_outcome, inbound.key, outcome, query, editable, kept)
        )
        return not outcome.failed

    async def _with_membership(self, inbound: Inbound) -> Inbound:
        """A command only a group's admins may use carries the sender's standing there,
        asked with getChatMember (creator or administrator: an admin). Unanswered, it
        carries none, and the core says it couldn't check."""
        event = inbound.event
        if inbound.is_private or not isinstance(event, Command):
            return inbound
        if event.name not in self._admin_commands:
            return inbound
        chat_id, user_id = int(inbound.key.chat_id), int(inbound.key.user_id)
        try:
            member = await self._bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            log.warning("telegram_member_check_failed chat=%s error=%s", chat_id, exc.message)
            return inbound
        admin = member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR)
        return replace(inbound, member=Membership(admin=admin, space=inbound.key.chat_id))

    async def _send_outcome(
        self,
        key: ConversationKey,
        outcome: Outcome,
        query: CallbackQuery | None,
        editable: bool,
        update_id: str | None,
    ) -> None:
        """The replies, then (once the first is out) the press's answer and mark; in the
        chat's lane. The answer to a press is no chat message, and the edit only tidies
        the old message: neither holds up the replies."""
        followups: list[asyncio.Task[None]] = []
        replies = outcome.replies
        in_place = False

        def follow_up() -> None:
            if query is None or followups:
                return
            followups.append(asyncio.create_task(self._answer(query, outcome.notice)))
            if outcome.accepted and editable and not in_place:
                followups.append(asyncio.create_task(self._mark_pressed(query)))

        try:
            if query is not None and editable and outcome.accepted and replies:
                in_place = await self._edit_in_place(key, query, replies[0])
            if in_place:
                follow_up()
                if update_id is not None:
                    await self.sent(update_id, 1, finished=len(replies) == 1)
            refused = await self._send_replies(
                key, replies, update_id, already_sent=int(in_place), after_each=follow_up
            )
            follow_up()
            for result in await asyncio.gather(*followups, return_exceptions=True):
                if isinstance(result, Forbidden):
                    refused = refused or self._refusal(key, result)
                elif isinstance(result, Exception):
                    log.error(
                        "telegram_press_followup_failed chat=%s error=%r", key.chat_id, result
                    )
        except asyncio.CancelledError:
            for task in followups:
                task.cancel()
            raise
        if refused is not None:
            await self.report(refused)  # once, however many of the sends were refused

    async def _edit_in_place(
        self, key: ConversationKey, query: CallbackQuery, reply: Reply
    ) -> bool:
        """Show ``reply`` in the pressed message itself (a multi-select's tap): only its
        keyboard changes when its text is the same. False when it must be sent instead
        (it is not such a reply, it has a picture or file, it belongs in a private chat,
        it is too long for one message, or Telegram won't edit the message)."""
        message = query.message
        if (
            not reply.in_place
            or not isinstance(message, Message)
            or message.text is None
            or reply.image is not None
            or reply.document is not None
            or (reply.private and is_group(int(key.chat_id)))
            or utf16_len(reply.text) > MAX_TEXT
            or not reply.text.strip()
        ):
            return False
        chat_id = message.chat.id
        where = {"chat_id": chat_id, "message_id": message.message_id}
        markup = _keyboard(reply.choices)
        if message.text == reply.text:
            edit = functools.partial(
                self._bot.write, "editMessageReplyMarkup", **where, reply_markup=markup
            )
        else:
            text, parse_mode = formatted(reply.text, reply.bold)
            edit = functools.partial(
                self._bot.write,
                "editMessageText",
                **where,
                text=text,
                parse_mode=parse_mode,
                reply_markup=markup,
            )
        try:
            await self._paced(chat_id, edit, bulk=False)
        except BadRequest as exc:
            if "not modified" in exc.message:
                return True  # it shows the reply already (a double tap)
            log.info("telegram_edit_in_place_failed chat=%s error=%s", chat_id, exc.message)
            return False
        except TelegramError as exc:
            # Sent as a new message instead, which meets the same refusal or outage
            # and reports it as any reply does.
            log.info("telegram_edit_in_place_failed chat=%s error=%s", chat_id, exc.message)
            return False
        return True

    async def _send_held(self, held: HeldReplies) -> None:
        """Replies a step committed before the last stop or crash, from the first unsent."""
        refused = await self._send_replies(
            held.key, held.replies, held.update_id, already_sent=held.sent
        )
        if refused is not None:
            await self.report(refused)

    async def _send_replies(
        self,
        key: ConversationKey,
        replies: Sequence[Reply],
        update_id: str | None,
        *,
        already_sent: int = 0,
        after_each: Callable[[], None] | None = None,
    ) -> Refused | None:
        """Send ``replies`` in order from ``already_sent`` on, marking each in the outbox
        (``update_id``: the step kept them). A chat that refuses, or a send that fails,
        gives the rest up; cancelled, the rest stays held for the next start."""
        count = already_sent
        refused: Refused | None = None
        try:
            for reply in replies[already_sent:]:
                await self._reply(key, reply, bulk=False)
                count += 1
                if after_each is not None:
                    after_each()
                if update_id is not None:
                    await self.sent(update_id, count, finished=count == len(replies))
            return None
        except Refused as exc:
            refused = exc
        except TelegramError as exc:
            log.error(
                "telegram_reply_failed update_id=%s chat=%s error=%s: %s",
                update_id,
                key.chat_id,
                type(exc).__name__,
                exc.message,
            )
        except Exception:
            log.exception("telegram_reply_failed update_id=%s chat=%s", update_id, key.chat_id)
        if update_id is not None:
            await self.sent(update_id, count, finished=True)
        return refused

    def _refusal(self, key: ConversationKey, exc: Forbidden) -> Refused:
        log.info("telegram_chat_unreachable chat=%s reason=%s", key.chat_id, exc.message)
        return Refused(key, private=not is_group(key.chat_id), reason=exc.message)

    async def _answer(self, query: CallbackQuery, notice: str | None) -> None:
        """Every press is answered, or the user's client keeps spinning."""
        text = fit(notice, MAX_CALLBACK_ANSWER) if notice else None
        try:
            await query.answer(text=text)
        except TelegramError as exc:
            # Typically a press older than Telegram's answer window (after downtime).
            log.info("telegram_answer_failed error=%s: %s", type(exc).__name__, exc)

    async def _mark_pressed(self, query: CallbackQuery) -> None:
        """Show the choice under the pressed message and take its buttons away."""
        message = query.message
        if not isinstance(message, Message):
            return
        label = _label_for(message, query.data)
        chat_id = message.chat.id
        marked = None
        parse_mode = None
        if label is not None and message.text is not None:
            mark = self._texts.pressed.format(label=label)
            marked = with_pressed_mark(message.text, mark)
            if marked is not None and message.entities:
                # Its bold stays bold: the text as HTML, the mark escaped below it.
                marked = f"{message.text_html}\n\n{html.escape(mark, quote=False)}"
                parse_mode = HTML
        try:
            # Leaving out reply_markup takes the buttons away.
            where = {"chat_id": chat_id, "message_id": message.message_id}
            if marked is not None:
                edit = functools.partial(
                    self._bot.write, "editMessageText", **where, text=marked, parse_mode=parse_mode
                )
                await self._paced(chat_id, edit, bulk=False)
            elif message.reply_markup is not None:
                strip = functools.partial(self._bot.write, "editMessageReplyMarkup", **where)
                await self._paced(chat_id, strip, bulk=False)
        except BadRequest as exc:
            # Already edited (a double press racing), or too old to edit: nothing to fix.
            log.info("telegram_mark_failed chat=%s error=%s", chat_id, exc.message)

    # ------------------------------------------------------------------ outbound

    async def deliver(self, key: ConversationKey, reply: Reply, *, bulk: bool) -> None:
        if not self._started:
            raise NetworkError("Telegram is not connected")
        await self._reply(key, reply, bulk=bulk)

    async def _reply(self, key: ConversationKey, reply: Reply, *, bulk: bool) -> None:
        try:
            await self._render(key, reply, bulk=bulk)
        except Forbidden as exc:
            raise self._refusal(key, exc) from exc

    async def _render(self, key: ConversationKey, reply: Reply, *, bulk: bool) -> None:
        chat_id = int(key.chat_id)
        if (
            reply.count is not None
            and self._counts is not None
            and not (is_group(chat_id) and reply.private)
        ):
            await self._open_count(key, chat_id, reply.count, reply, bulk=bulk)
        elif is_group(chat_id) and (reply.private or reply.document is not None):
            await self._privately(key, reply, bulk=bulk)
        else:
            await self._render_in(chat_id, reply, bulk=bulk)

    async def _render_in(self, chat_id: int, reply: Reply, *, bulk: bool) -> None:
        if reply.document is not None:
            await self._send_document(chat_id, reply, reply.document, bulk=bulk)
        elif reply.image is not None:
            await self._send_image(chat_id, reply, reply.image, bulk=bulk)
        else:
            link = self._start_link(reply.private_start)
            await self._send_text(
                chat_id, reply.text, reply.choices, bulk=bulk, link=link, bold=reply.bold
            )

    async def _open_count(
        self, key: ConversationKey, chat_id: int, count: str, reply: Reply, *, bulk: bool
    ) -> None:
        """A paced count's message: sent once, then edited in place beat by beat."""
        text = fit(reply.text, MAX_TEXT)
        send = functools.partial(
            self._bot.write_message,
            "sendMessage",
            chat_id=chat_id,
            text=text,
            reply_markup=_keyboard(reply.choices),
        )
        message_id = await self._paced(chat_id, send, bulk=bulk)
        if message_id is not None and self._counts is not None:
            self._counts.opened(count, key, _CountMessage(self, chat_id, message_id))

    async def edit_count(
        self, chat_id: int, message_id: int, text: str, choices: Sequence[Choice]
    ) -> None:
        """One beat of a count: the message edited in place, under the chat's pace."""
        edit = functools.partial(
            self._bot.write,
            "editMessageText",
            chat_id=chat_id,
            message_id=message_id,
            text=fit(text, MAX_TEXT),
            reply_markup=_keyboard(choices),
        )
        try:
            await self._paced(chat_id, edit, bulk=False)
        except Forbidden as exc:
            raise Unreachable(exc.message) from exc

    def _start_link(self, command: str | None) -> InlineKeyboardButton | None:
        """A button opening a private chat with the coach that runs ``command`` there
        (a deep link: Telegram sends "/start <command>" when the runner taps Start)."""
        if command is None:
            return None
        url = f"https://t.me/{self.username}" + (f"?start={command}" if command else "")
        return InlineKeyboardButton(self._words.common.go_private_button, url=url)

    async def _send_text(
        self,
        chat_id: int,
        text: str,
        choices: Sequence[Choice],
        *,
        bulk: bool,
        link: InlineKeyboardButton | None = None,
        bold: Sequence[str] = (),
    ) -> None:
        parts = split_text(text)
        if not parts:
            # Telegram refuses an empty message; buttons can't travel alone.
            log.warning("telegram_empty_reply_dropped chat=%s buttons=%d", chat_id, len(choices))
            return
        for number, part in enumerate(parts, start=1):
            last = number == len(parts)
            markup = (
                (InlineKeyboardMarkup([[link]]) if link else _keyboard(choices)) if last else None
            )
            shown, parse_mode = formatted(part, bold)
            send = functools.partial(
                self._bot.write,
                "sendMessage",
                chat_id=chat_id,
                text=shown,
                parse_mode=parse_mode,
                reply_markup=markup,
            )
            await self._paced(chat_id, send, bulk=bulk)

    async def _send_image(self, chat_id: int, reply: Reply, image: ImageRef, *, bulk: bool) -> None:
        """The picture with its caption (the image's own, else the whole text if it fits),
        then whatever text is left, carrying the buttons. A picture that can't be had,
        or that Telegram refuses, leaves the text version of the reply."""
        lead = image.caption if image.caption is not None else reply.text
        caption_fits = utf16_len(lead) <= MAX_CAPTION
        caption = lead if caption_fits and lead.strip() else None
        if image.caption is not None:
            below = reply.below_caption() if caption_fits else reply.text
        else:
            below = "" if caption_fits else reply.text
        markup = _keyboard(reply.choices) if not below else None
        if not await self._send_picture(chat_id, image, caption, markup, reply.bold, bulk=bulk):
            await self._send_text(chat_id, reply.text, reply.choices, bulk=bulk, bold=reply.bold)
            return
        if below:
            await self._send_text(chat_id, below, reply.choices, bulk=bulk, bold=reply.bold)

    async def _send_picture(
        self,
        chat_id: int,
        image: ImageRef,
        caption: str | None,
        markup: InlineKeyboardMarkup | None,
        bold: Sequence[str] = (),
        *,
        bulk: bool,
    ) -> bool:
        """Send the picture (by file_id when Telegram has it); False when it can't go."""
        pictures = self._pictures
        if pictures is None:
            return False
        parse_mode = None
        if caption is not None:
            caption, parse_mode = formatted(caption, bold)
        animated = image.kind is ImageKind.ANIMATION
        method = self._bot.send_animation if animated else self._bot.send_photo

        async def by_file_id(file_id: str) -> bool:
            send = functools.partial(
                method,
                chat_id,
                file_id,
                caption=caption,
                parse_mode=parse_mode,
                reply_markup=markup,
            )
            try:
                await self._paced(chat_id, send, bulk=bulk)
            except BadRequest as exc:
                # The file_id is another bot's, or Telegram forgot it: upload again.
                log.info("telegram_file_id_refused chat=%s error=%s", chat_id, exc.message)
                await self._forget_file(reuse or "")
                return False
            return True

        reuse = pictures.reuse_name(image)
        if reuse is None:
            return await self._upload(chat_id, image, method, caption, parse_mode, markup, bulk)
        known = await self._known_file(reuse)
        if known is not None and await by_file_id(known):
            return True
        # One upload per file: chats that want it meanwhile wait for its file_id.
        async with self._uploads.setdefault(reuse, asyncio.Lock()):
            known = await self._known_file(reuse)
            if known is not None and await by_file_id(known):
                return True
            return await self._upload(chat_id, image, method, caption, parse_mode, markup, bulk)

    async def _upload(
        self,
        chat_id: int,
        image: ImageRef,
        method: Callable[..., Awaitable[Message]],
        caption: str | None,
        parse_mode: str | None,
        markup: InlineKeyboardMarkup | None,
        bulk: bool,
    ) -> bool:
        """Upload the picture's bytes, and keep the file_id Telegram gives it."""
        pictures = self._pictures
        picture = await pictures.picture(image) if pictures is not None else None
        if picture is None:
            return False
        upload = InputFile(picture.data, filename=picture.filename)
        send = functools.partial(
            method, chat_id, upload, caption=caption, parse_mode=parse_mode, reply_markup=markup
        )
        try:
            sent = await self._paced(chat_id, send, bulk=bulk)
        except BadRequest as exc:
            log.warning(
                "telegram_media_refused chat=%s kind=%s bytes=%d error=%s",
                chat_id,
                image.kind.value,
                len(picture.data),
                exc.message,
            )
            return False
        file_id = _file_id(sent)
        if file_id is not None and picture.reuse is not None:
            await self._remember_file(picture.reuse, file_id)
        return True

    def _file_key(self, reuse: str) -> str:
        # A file_id works for the bot that uploaded it only.
        bot_id = self._client.id if self._client is not None else 0
        digest = hashlib.sha256(f"{bot_id}:{reuse}".encode()).hexdigest()[:40]
        return FILE_KEY_PREFIX + digest

    async def _known_file(self, reuse: str) -> str | None:
        key = self._file_key(reuse)
        found = self._file_ids.get(key)
        if found is None and self._store is not None:
            found = await self._store.get(key) or None  # "" once forgotten
            if found is not None:
                self._file_ids[key] = found
        return found

    async def _remember_file(self, reuse: str, file_id: str) -> None:
        key = self._file_key(reuse)
        self._file_ids[key] = file_id  # later sends skip the upload, after restarts too
        if self._store is not None:
            await self._store.put(key, file_id)

    async def _forget_file(self, reuse: str) -> None:
        key = self._file_key(reuse)
        self._file_ids.pop(key, None)
        if self._store is not None:
            await self._store.put(key, "")

    async def _send_document(
        self, chat_id: int, reply: Reply, document: Document, *, bulk: bool
    ) -> None:
        caption_fits = utf16_len(reply.text) <= MAX_CAPTION
        caption, parse_mode = formatted(reply.text, reply.bold)
        markup = _keyboard(reply.choices) if caption_fits else None
        upload = InputFile(document.data, filename=document.filename)
        send = functools.partial(
            self._bot.send_document,
            chat_id,
            upload,
            caption=caption if caption_fits and reply.text.strip() else None,
            parse_mode=parse_mode if caption_fits else None,
            reply_markup=markup,
        )
        await self._paced(chat_id, send, bulk=bulk)
        if not caption_fits:
            await self._send_text(chat_id, reply.text, reply.choices, bulk=bulk, bold=reply.bold)

    async def _privately(self, key: ConversationKey, reply: Reply, *, bulk: bool) -> None:
        """Personal words and files go to the user's private chat, never into the group;
        the group sees one neutral line. (Their buttons belong to the group's
        conversation, so they stay behind.)"""
        texts = self._texts
        group = int(key.chat_id)
        # Buttons valid at any time (a Start button) work in the private chat too.
        kept = tuple(c for c in reply.choices if _valid_anywhere(c.payload))
        try:
            mine = replace(reply, choices=kept, private_start=None)
            await self._render_in(int(key.user_id), mine, bulk=bulk)
        except (Forbidden, BadRequest) as exc:
            # They never opened a private chat with the coach (or blocked it): Telegram
            # lets a bot write only to users who started it, so a deep link it is.
            log.info("telegram_private_send_refused chat=%s error=%s", key.user_id, exc.message)
            note = texts.dm_first.format(bot=self.username)
            link = self._start_link(reply.private_start or "")
            await self._send_text(group, note, (), bulk=bulk, link=link)
        else:
            if not reply.quiet:
                await self._send_text(group, texts.sent_privately, (), bulk=bulk)

    async def _paced(self, chat_id: int, call: Callable[[], Awaitable[T]], *, bulk: bool) -> T:
        """One chat write under the pacer; a 429 waits ``retry_after`` and tries again."""
        chat = str(chat_id)
        delay = 0.5
        for attempt in range(1, MAX_ATTEMPTS + 1):
            await self._pacer.acquire(chat, group=is_group(chat_id), bulk=bulk)
            try:
                return await call()
            except RetryAfter as exc:
                wait = _retry_after_seconds(exc)
                log.warning(
                    "telegram_flood_wait chat=%s seconds=%.0f attempt=%d", chat, wait, attempt
                )
                THROTTLED.labels(PLATFORM).inc()
                RETRIES.labels(PLATFORM).inc()
                self._pacer.defer(chat, wait)
            except (BadRequest, TimedOut):
                # A bad request won't get better; a timed-out one may have arrived already.
                raise
            except NetworkError as exc:
                if attempt == MAX_ATTEMPTS:
                    raise
                log.warning("telegram_network_error chat=%s error=%s", chat, exc.message)
                RETRIES.labels(PLATFORM).inc()
                await asyncio.sleep(delay)
                delay *= 2
        raise NetworkError(f"gave up after {MAX_ATTEMPTS} attempts")

    @property
    def _bot(self) -> CoachBot:
        bot = self._client
        if bot is None:
            raise NetworkError("Telegram is not connected")
        return bot


@dataclass(frozen=True, slots=True)
class _CountMessage:
    """The :class:`~bot.core.counts.CountScreen` of one count's message in one chat."""

    adapter: TelegramAdapter
    chat_id: int
    message_id: int

    async def show(self, text: str, choices: tuple[Choice, ...]) -> None:
        await self.adapter.edit_count(self.chat_id, self.message_id, text, choices)


def _worth_retrying(exc: Exception) -> bool:
    """Telegram out of reach (network, timeouts, its own hiccups), not a refusal."""
    if isinstance(exc, InvalidToken | BadRequest | Forbidden):
        return False
    return isinstance(exc, NetworkError | OSError)


def _keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    if not choices:
        return None
    rows = keyboard_rows([c.label for c in choices])
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(choices[i].label, callback_data=choices[i].payload) for i in row]
            for row in rows
        ]
    )


def _shows(query: CallbackQuery) -> bool:
    """Whether the pressed data is one of the pressed message's own buttons."""
    message = query.message
    return isinstance(message, Message) and _label_for(message, query.data) is not None


def _forged(query: CallbackQuery) -> bool:
    """Pressed data that is none of the buttons the pressed message shows. (A message
    without buttons, or one Telegram no longer shows the bot, can't be told apart from
    a stale press: the core answers it, and it is not edited.)"""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return False
    return bool(message.reply_markup.inline_keyboard) and not _shows(query)


def _label_for(message: Message, data: str | None) -> str | None:
    markup = message.reply_markup
    if markup is None or data is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _file_id(message: Message) -> str | None:
    if message.photo:
        return message.photo[-1].file_id
    if message.animation is not None:
        return message.animation.file_id
    return None


def _retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the int-or-timedelta deprecation notice
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def _file_url(api_url: str) -> str:
    """Telegram serves files under ``/file/bot<token>`` beside ``/bot<token>``."""
    if api_url.endswith("/bot"):
        return api_url[: -len("bot")] + "file/bot"
    return api_url.rstrip("/") + "/file/bot"


def _valid_anywhere(payload: str) -> bool:
    decoded = Buttons.decode(payload)
    return decoded is not None and decoded.is_global
