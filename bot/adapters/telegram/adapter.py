"""The coach on Telegram, on python-telegram-bot, in the one asyncio loop.

Lifecycle (we drive it; never ``run_polling``, so Telegram runs beside Discord and the
scheduler): ``start`` = initialize (getMe) → menu, description → start → long polling
(or the webhook listener plus setWebhook). ``stop`` = stop fetching → let the updates
in hand finish → shut down. ``start`` raises :class:`telegram.error.InvalidToken` for a
bad token; if Telegram can't be reached a :class:`Supervisor` keeps trying in the
background instead.

Every update: claimed once (a repeat is dropped, by the base), translated to an
:class:`Inbound`, handled by the core, then rendered. A button press is always answered
(with the core's notice, if any), and an accepted press edits the pressed message to
show the choice and drop its buttons; both wait for the first reply, which is what the
runner waits for. Replies go out through a :class:`Pacer` below Telegram's flood
limits, interactive ones ahead of reminders; a 429 waits ``retry_after`` and tries
again; a 403 is a :class:`Refused` chat, which the base reports to the core.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import functools
import hashlib
import json
import logging
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from telegram import (
    BotCommand,
    CallbackQuery,
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
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.adapters.base import PlatformAdapter, Refused
from bot.adapters.supervise import Backoff, Supervisor
from bot.adapters.telegram.bot import CoachBot
from bot.adapters.telegram.http import AiohttpRequest
from bot.adapters.telegram.inbound import PLATFORM, is_group, to_inbound, to_removal
from bot.adapters.telegram.render import (
    MAX_CALLBACK_ANSWER,
    MAX_CAPTION,
    fit,
    keyboard_rows,
    split_text,
    utf16_len,
    with_pressed_mark,
)
from bot.adapters.telegram.texts import TelegramTexts
from bot.adapters.telegram.webhook import WebhookListener, webhook_path
from bot.core.messages import Choice, ConversationKey, Document, ImageRef, Reply
from bot.core.ports import CommandSpec, Handler, KeyValues, OnUnreachable, UpdateClaims
from bot.core.redaction import REDACTOR
from bot.core.texts import CoreWords
from bot.delivery import limits
from bot.delivery.pacer import PaceLimits, Pacer

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_API_URL = "https://api.telegram.org/bot"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
MAX_ATTEMPTS = 5
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
MAX_COMMAND_DESCRIPTION = 256
PROFILE_KEY = "telegram.profile"
ANIMATION_SUFFIXES = (".gif", ".mp4")
MAX_START_RETRY = 300.0


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
    # Updates handled at once (different chats; one chat is always one at a time).
    concurrent_updates: int = 256
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
        media: Path,
        commands: Sequence[CommandSpec],
        claims: UpdateClaims,
        on_unreachable: OnUnreachable,
        store: KeyValues | None = None,
    ) -> None:
        if not config.token:
            raise ValueError("a Telegram token is needed")
        if config.webhook_url and not config.webhook_secret:
            raise ValueError("a webhook needs a secret token")
        REDACTOR.add(config.token)  # before the first request is made, let alone logged
        super().__init__(
            PLATFORM, handler, words=words, on_unreachable=on_unreachable, claims=claims
        )
        self._config = config
        self._texts = texts
        self._media = media
        self._commands = list(commands)
        self._store = store
        self._pacer = Pacer(config.pace)
        self._locks = _ChatLocks()
        self._file_ids: dict[str, str] = {}
        self._listener: WebhookListener | None = None
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._requests: tuple[AiohttpRequest, ...] = ()
        self._supervisor = Supervisor(
            PLATFORM,
            self._stay_up,
            Backoff(initial=config.retry_start_after, maximum=MAX_START_RETRY, jitter=0.0),
            fatal=lambda exc: not _worth_retrying(exc),
        )
        self._started = False
        self.username = ""

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
        await self.close_claims()
        log.info("telegram_stopped")

    async def _come_up(self) -> None:
        try:
            await self._bring_up()
        except BaseException:
            await self._tear_down()
            raise

    async def _stay_up(self) -> None:
        """The supervisor's attempt after a failed start. Once up, python-telegram-bot
        keeps polling (or the listener listening) by itself, so this only waits for
        ``stop``."""
        await self._come_up()
        await asyncio.Event().wait()

    def _build(self) -> Application[Any, Any, Any, Any, Any, Any]:
        cfg = self._config
        # Kept to be closed in _tear_down: python-telegram-bot closes them only when its
        # initialize succeeded, and a start that failed at getMe would leak their sessions.
        self._requests = (AiohttpRequest(cfg.connection_pool), AiohttpRequest(1))
        bot = CoachBot(
            cfg.token,
            base_url=cfg.api_url,
            base_file_url=_file_url(cfg.api_url),
            request=self._requests[0],
            get_updates_request=self._requests[1],
        )
        builder = (
            Application.builder()
            .bot(bot)
            .job_queue(None)  # timing belongs to our scheduler
            .concurrent_updates(cfg.concurrent_updates)
        )
        if cfg.webhook_url:
            builder = builder.updater(None)
        app = builder.build()
        app.add_handler(TypeHandler(Update, self._on_update))
        return app

    async def _bring_up(self) -> None:
        app = self._app = self._build()
        await app.initialize()
        self.username = app.bot.username
        await self._sync_profile()
        await app.start()
        self._started = True
        cfg = self._config
        if cfg.webhook_url and cfg.webhook_secret:
            self._listener = WebhookListener(
                self._from_webhook,
                secret=cfg.webhook_secret,
                path=webhook_path(cfg.webhook_url),
                host=cfg.listen,
                port=cfg.port,
            )
            await self._listener.start()
            await app.bot.set_webhook(
                cfg.webhook_url,
                secret_token=cfg.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
            mode = "webhook"
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=dtm.timedelta(seconds=cfg.poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                error_callback=self._polling_error,
            )
            mode = "polling"
        log.info("telegram_started bot=%s mode=%s", self.username, mode)

    async def _tear_down(self) -> None:
        """Stop fetching, finish the updates in hand, close connections."""
        app = self._app
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None
        if app is None:
            return
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()  # waits for the updates in hand, which still send replies
        self._started = False
        self._app = None
        with contextlib.suppress(Exception):
            await app.shutdown()
        requests, self._requests = self._requests, ()
        for request in requests:
            with contextlib.suppress(Exception):
                await request.shutdown()  # a no-op when python-telegram-bot closed it

    def _polling_error(self, exc: TelegramError) -> None:
        # python-telegram-bot keeps polling with back-off; say what happened, once a line.
        log.warning("telegram_polling_error error=%s: %s", type(exc).__name__, exc)

    async def _from_webhook(self, data: dict[str, Any]) -> None:
        app = self._app
        if app is None or not app.running:
            raise RuntimeError("not running")
        await app.update_queue.put(Update.de_json(data, app.bot))

    async def _sync_profile(self) -> None:
        """The command menu and the bot's descriptions, sent only when they changed."""
        app = self._app
        assert app is not None
        texts = self._words.bot
        commands = [
            BotCommand(c.name, fit(" ".join(c.description.split()), MAX_COMMAND_DESCRIPTION))
            for c in self._commands
        ]
        description = fit(texts.description, MAX_DESCRIPTION)
        short = fit(texts.short_description, MAX_SHORT_DESCRIPTION)
        profile = json.dumps(
            [app.bot.id, [c.to_dict() for c in commands], description, short], sort_keys=True
        )
        digest = hashlib.sha256(profile.encode()).hexdigest()
        if self._store is not None and await self._store.get(PROFILE_KEY) == digest:
            log.info("telegram_profile_unchanged")
            return
        try:
            await app.bot.set_my_commands(commands)
            await app.bot.set_my_description(description)
            await app.bot.set_my_short_description(short)
        except (BadRequest, RetryAfter) as exc:
            # The bot works without a menu; try again on the next start.
            log.warning("telegram_profile_not_set error=%s: %s", type(exc).__name__, exc)
            return
        if self._store is not None:
            await self._store.put(PROFILE_KEY, digest)
        log.info("telegram_profile_set commands=%d", len(commands))

    # ------------------------------------------------------------------ inbound

    async def _on_update(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        async with self._locks.hold(chat.id if chat is not None else None):
            if not await self.first_time(str(update.update_id)):
                return
            try:
                await self._handle(update)
            except Exception:
                log.exception(
                    "telegram_update_failed update_id=%s chat=%s",
                    update.update_id,
                    chat.id if chat is not None else None,
                )

    async def _handle(self, update: Update) -> None:
        removal = to_removal(update)
        if removal is not None:
            log.info("telegram_removed_from_chat chat=%s", removal.key.chat_id)
            await self.report(removal)
            return
        inbound = to_inbound(update, self.username)
        query = update.callback_query
        if inbound is None:
            if query is not None:
                await self._answer(query, None)
            return
        if query is not None and _forged(query):
            await self._answer(query, self.unshown_press(update.update_id).notice)
            return
        # Only a message that shows the pressed button is edited (a stale press on a
        # message whose buttons are gone still gets the core's answer).
        editable = query is not None and _shows(query)
        started = time.monotonic()
        outcome = await self.handle(inbound, update_id=update.update_id)
        log.debug(
            "telegram_update update_id=%s chat=%s event=%s accepted=%s ms=%.1f",
            update.update_id,
            inbound.key.chat_id,
            type(inbound.event).__name__,
            outcome.accepted,
            (time.monotonic() - started) * 1000,
        )
        # The answer to a press is no chat message, and the edit only tidies the old
        # message: both wait until the first reply is out, and don't hold up the rest.
        followups: list[asyncio.Task[None]] = []

        def follow_up() -> None:
            if query is None or followups:
                return
            followups.append(asyncio.create_task(self._answer(query, outcome.notice)))
            if outcome.accepted and editable:
                followups.append(asyncio.create_task(self._mark_pressed(query)))

        refused: Refused | None = None
        try:
            for reply in outcome.replies:
                await self._reply(inbound.key, reply, bulk=False)
                follow_up()
        except Refused as exc:
            refused = exc
        finally:
            follow_up()
            for result in await asyncio.gather(*followups, return_exceptions=True):
                if isinstance(result, Forbidden):
                    refused = refused or self._refusal(inbound.key, result)
                elif isinstance(result, Exception):
                    log.error(
                        "telegram_press_followup_failed chat=%s error=%r",
                        inbound.key.chat_id,
                        result,
                    )
        if refused is not None:
            await self.report(refused)  # once, however many of the sends were refused

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
        if label is not None and message.text is not None:
            marked = with_pressed_mark(message.text, self._texts.pressed.format(label=label))
        try:
            # Leaving out reply_markup takes the buttons away.
            where = {"chat_id": chat_id, "message_id": message.message_id}
            if marked is not None:
                edit = functools.partial(self._bot.write, "editMessageText", **where, text=marked)
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
        if reply.document is not None:
            if is_group(chat_id):
                await self._document_from_group(key, reply, reply.document, bulk=bulk)
            else:
                await self._send_document(chat_id, reply, reply.document, bulk=bulk)
        elif reply.image is not None:
            await self._send_image(chat_id, reply, reply.image, bulk=bulk)
        else:
            await self._send_text(chat_id, reply.text, reply.choices, bulk=bulk)

    async def _send_text(
        self, chat_id: int, text: str, choices: Sequence[Choice], *, bulk: bool
    ) -> None:
        parts = split_text(text)
        if not parts:
            # Telegram refuses an empty message; buttons can't travel alone.
            log.warning("telegram_empty_reply_dropped chat=%s buttons=%d", chat_id, len(choices))
            return
        for number, part in enumerate(parts, start=1):
            markup = _keyboard(choices) if number == len(parts) else None
            send = functools.partial(
                self._bot.write, "sendMessage", chat_id=chat_id, text=part, reply_markup=markup
            )
            await self._paced(chat_id, send, bulk=bulk)

    async def _send_image(self, chat_id: int, reply: Reply, image: ImageRef, *, bulk: bool) -> None:
        caption_fits = utf16_len(reply.text) <= MAX_CAPTION
        caption = reply.text if caption_fits and reply.text.strip() else None
        markup = _keyboard(reply.choices) if caption_fits else None
        path = self._media / image.path
        media: str | InputFile
        if image.path in self._file_ids:
            media = self._file_ids[image.path]
        else:
            try:
                media = InputFile(await asyncio.to_thread(path.read_bytes), filename=path.name)
            except OSError:
                log.error("telegram_image_missing path=%s", image.path)
                await self._send_text(chat_id, reply.text, reply.choices, bulk=bulk)
                return
        animated = path.suffix.lower() in ANIMATION_SUFFIXES
        method = self._bot.send_animation if animated else self._bot.send_photo
        send = functools.partial(method, chat_id, media, caption=caption, reply_markup=markup)
        sent = await self._paced(chat_id, send, bulk=bulk)
        file_id = _file_id(sent)
        if file_id is not None:
            self._file_ids[image.path] = file_id  # later sends skip the upload
        if not caption_fits:
            await self._send_text(chat_id, reply.text, reply.choices, bulk=bulk)

    async def _send_document(
        self, chat_id: int, reply: Reply, document: Document, *, bulk: bool
    ) -> None:
        caption_fits = utf16_len(reply.text) <= MAX_CAPTION
        caption = reply.text if caption_fits and reply.text.strip() else None
        markup = _keyboard(reply.choices) if caption_fits else None
        upload = InputFile(document.data, filename=document.filename)
        send = functools.partial(
            self._bot.send_document, chat_id, upload, caption=caption, reply_markup=markup
        )
        await self._paced(chat_id, send, bulk=bulk)
        if not caption_fits:
            await self._send_text(chat_id, reply.text, reply.choices, bulk=bulk)

    async def _document_from_group(
        self, key: ConversationKey, reply: Reply, document: Document, *, bulk: bool
    ) -> None:
        """Personal files go to the user's private chat, never into the group."""
        texts = self._texts
        group = int(key.chat_id)
        try:
            await self._send_document(int(key.user_id), reply, document, bulk=bulk)
        except (Forbidden, BadRequest) as exc:
            # They never opened a private chat with the coach (or blocked it).
            log.info("telegram_private_send_refused chat=%s error=%s", key.user_id, exc.message)
            note = texts.dm_first.format(bot=self.username)
        else:
            note = texts.sent_privately
        await self._send_text(group, note, (), bulk=bulk)

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
                self._pacer.defer(chat, wait)
            except (BadRequest, TimedOut):
                # A bad request won't get better; a timed-out one may have arrived already.
                raise
            except NetworkError as exc:
                if attempt == MAX_ATTEMPTS:
                    raise
                log.warning("telegram_network_error chat=%s error=%s", chat, exc.message)
                await asyncio.sleep(delay)
                delay *= 2
        raise NetworkError(f"gave up after {MAX_ATTEMPTS} attempts")

    @property
    def _bot(self) -> CoachBot:
        app = self._app
        if app is None:
            raise NetworkError("Telegram is not connected")
        bot: CoachBot = app.bot
        return bot


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
