"""A local stand-in for the Telegram Bot API, for the real python-telegram-bot to talk to.

It listens on 127.0.0.1 (a free port), serves the methods the coach uses, records every
request, and checks each one against Telegram's documented rules (see
:mod:`tests.standins.telegram_rules`); a rule broken is recorded as a violation and
answered 400, as Telegram would. Tests play the users: they inject messages, commands,
button presses and membership changes, and can make the server answer 429 or 403 or
enforce Telegram's flood limits.

Point python-telegram-bot at it with ``Application.builder().base_url(api.base_url)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.standins.telegram_rules import (
    REQUIRED,
    Rejected,
    Spec,
    Upload,
    check_request,
    parse_bool,
    parse_html,
    parse_int,
    parse_json,
)

DEFAULT_TOKEN = "123456789:AAE-standin-secret-token-value_0123456789"
BOT_ID = 123456789
MAX_REQUEST_BYTES = 60 * 1024 * 1024

# Methods that put something into a chat; the flood limits count these.
CHAT_WRITES = {
    "sendMessage",
    "sendPhoto",
    "sendAnimation",
    "sendDocument",
    "editMessageText",
    "editMessageReplyMarkup",
}
DEFAULT_ALLOWED_UPDATES = {"message", "callback_query", "my_chat_member"}


@dataclass(frozen=True, slots=True)
class TgUser:
    id: int
    first_name: str
    username: str | None = None
    is_bot: bool = False
    # The IETF language tag of the user's app ("en-GB"), which Telegram sends when it has one.
    language_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass(frozen=True, slots=True)
class TgChat:
    id: int
    type: str  # private | group | supergroup
    title: str | None = None
    first_name: str | None = None

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.first_name:
            data["first_name"] = self.first_name
        return data


@dataclass(slots=True)
class StoredMessage:
    """A message as the stand-in keeps it; edits change it in place."""

    message_id: int
    chat: TgChat
    sender: TgUser
    date: int
    text: str | None = None
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    # Formatting (bold ...) parsed from the text or caption, as Telegram returns it.
    entities: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, Any] = field(default_factory=dict)
    edits: int = 0

    @property
    def buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard", [])
        return [button for row in rows for button in row]

    @property
    def button_rows(self) -> list[list[str]]:
        if not self.reply_markup:
            return []
        return [[b["text"] for b in row] for row in self.reply_markup.get("inline_keyboard", [])]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender.to_json(),
            "chat": self.chat.to_json(),
            "date": self.date,
        }
        if self.edits:
            data["edit_date"] = self.date + self.edits
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.caption is not None:
            data["caption"] = self.caption
            if self.entities:
                data["caption_entities"] = self.entities
        if self.reply_markup and self.reply_markup.get("inline_keyboard"):
            data["reply_markup"] = self.reply_markup
        data.update(self.media)
        return data


@dataclass(slots=True)
class Call:
    """One request the bot made, with what the stand-in answered."""

    method: str
    params: dict[str, str]
    uploads: dict[str, Upload]
    at: float
    chat_id: int | None
    status: int = 200
    description: str | None = None
    result: Any = None
    request: web.Request | None = field(default=None, repr=False, compare=False)

    def json(self, name: str) -> Any:
        return json.loads(self.params[name])

    @property
    def text(self) -> str | None:
        """The text or caption as the user sees it (formatting markup parsed away)."""
        raw = self.params.get("text") or self.params.get("caption")
        if raw is None or self.params.get("parse_mode") != "HTML":
            return raw
        return parse_html(raw)[0]

    def bold(self) -> list[str]:
        """The parts of the text or caption shown in bold."""
        raw = self.params.get("text") or self.params.get("caption") or ""
        if self.params.get("parse_mode") != "HTML":
            return []
        shown, entities = parse_html(raw)
        units = shown.encode("utf-16-le")
        return [
            units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in entities
            if e["type"] == "bold"
        ]

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True, slots=True)
class Violation:
    method: str
    description: str
    params: dict[str, str]


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Telegram's flood limits as the stand-in enforces them (429 when exceeded).

    ``tolerance`` forgives arrivals that are early by less than that many seconds, since
    the client paces send times and the server sees arrival times.
    """

    overall_per_second: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20
    tolerance: float = 0.05


@dataclass(slots=True)
class _Failure:
    method: str
    status: int
    description: str
    retry_after: int | None
    chat_id: int | None
    times: int


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class _FloodControl:
    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._overall: deque[float] = deque()
        self._chats: dict[int, _Bucket] = {}
        self._groups: dict[int, deque[float]] = {}

    def wait_needed(self, chat: TgChat, now: float) -> float:
        """Seconds until this write would be allowed; 0 records it as sent."""
        lim = self.limits
        window = 1.0 - lim.tolerance
        while self._overall and self._overall[0] <= now - window:
            self._overall.popleft()
        waits = [0.0]
        if len(self._overall) >= lim.overall_per_second:
            waits.append(self._overall[0] + window - now)
        bucket = self._chats.setdefault(chat.id, _Bucket(float(lim.per_chat_burst), now))
        bucket.tokens = min(
            float(lim.per_chat_burst),
            bucket.tokens + (now - bucket.updated) * lim.per_chat_per_second,
        )
        bucket.updated = now
        missing = 1.0 - bucket.tokens
        if missing > lim.tolerance * lim.per_chat_per_second:
            waits.append(missing / lim.per_chat_per_second)
        group = self._groups.setdefault(chat.id, deque()) if chat.is_group else None
        if group is not None:
            group_window = 60.0 - lim.tolerance
            while group and group[0] <= now - group_window:
                group.popleft()
            if len(group) >= lim.per_group_per_minute:
                waits.append(group[0] + group_window - now)
        wait = max(waits)
        if wait <= 0:
            self._overall.append(now)
            bucket.tokens -= 1.0
            if group is not None:
                group.append(now)
        return wait


class TelegramStandIn:
    """The Bot API for one bot, on 127.0.0.1. Use as an async context manager."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        username: str = "HipCoachBot",
        rate_limits: RateLimits | None = None,
        spec: Spec | None = None,
        use_spec: bool = True,
        port: int = 0,
        clock: Callable[[], float] | None = None,
        push_webhook: bool = True,
    ) -> None:
        """``clock`` (seconds) times the flood limits: a test on an injected clock passes
        it, so a paced count is judged by the time it was paced in, not by how fast the
        test runs. By default, real time. ``push_webhook=False``: setWebhook is recorded,
        but the test posts the updates itself (:meth:`take_updates`), to a load balancer
        in front of several workers."""
        self.token = token
        self.clock = clock or time.monotonic
        self.push_webhook = push_webhook
        self.me = TgUser(BOT_ID, "Hip Coach", username, is_bot=True)
        self.rate_limits = rate_limits
        self.spec = spec if spec is not None else (Spec.load() if use_spec else None)
        self.calls: list[Call] = []
        self.wait_seconds = 10.0  # how long the wait_* helpers wait before failing the test
        self.violations: list[Violation] = []
        self.throttled: list[Call] = []
        # Every file_id handed out, with the kind of file it is (photo, animation, ...).
        self.files: dict[str, str] = {}
        self.commands: list[dict[str, str]] = []
        self.description = ""
        self.short_description = ""
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status)
        self._flood = _FloodControl(rate_limits) if rate_limits else None
        self._failures: list[_Failure] = []
        self._blocked: set[int] = set()
        # Each group's creator and administrators (everyone else is a plain member).
        self._standing: dict[int, dict[int, str]] = {}
        self._chats: dict[int, TgChat] = {}
        self._users: set[int] = set()
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._message_ids: dict[int, Iterator[int]] = {}
        self._updates: list[dict[str, Any]] = []
        self._redeliver: list[dict[str, Any]] = []
        self._delivered_history: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._user_ids = itertools.count(5001)
        self._group_ids = itertools.count(1)
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._answers: dict[str, Call] = {}
        self._allowed_updates = set(DEFAULT_ALLOWED_UPDATES)
        self._poller: web.Request | None = None
        self._delivered_ids: set[int] = set()
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = port
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_wakeup = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._observers: list[Callable[[Call], None]] = []
        self._hold_next: dict[int, asyncio.Event] = {}  # chat -> released
        self.holding: list[Call] = []  # writes kept from arriving, not in ``calls`` yet

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # Cancel a handler when its client goes away, as a long poll's client does on stop.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.base_events.Server)
        self._port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> TelegramStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The Bot API base to which the token is appended (python-telegram-bot's base_url)."""
        return f"http://127.0.0.1:{self._port}/bot"

    # ------------------------------------------------------------------ playing users

    def user(
        self,
        first_name: str = "Runner",
        username: str | None = None,
        *,
        language_code: str | None = None,
    ) -> TgUser:
        user = TgUser(next(self._user_ids), first_name, username, language_code=language_code)
        self._users.add(user.id)
        return user

    def private_chat(self, user: TgUser) -> TgChat:
        return self._register(TgChat(user.id, "private", first_name=user.first_name))

    def group_chat(self, title: str = "Running club", *, supergroup: bool = True) -> TgChat:
        number = next(self._group_ids)
        if supergroup:
            return self._register(TgChat(-1001000000000 - number, "supergroup", title=title))
        return self._register(TgChat(-4000000000 - number, "group", title=title))

    def send_text(self, chat: TgChat, user: TgUser, text: str) -> int:
        """A user types ``text``; returns the update id."""
        message = self._store(chat, user, text=text)
        payload = message.to_json()
        if text.startswith("/"):
            command = text.split()[0]
            payload["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
        return self._push({"message": payload})

    def send_command(
        self, chat: TgChat, user: TgUser, name: str, args: str = "", *, mention: bool = False
    ) -> int:
        """``/name[@bot] args`` as typed; groups often add the bot's name."""
        text = f"/{name}@{self.me.username}" if mention else f"/{name}"
        return self.send_text(chat, user, f"{text} {args}".strip())

    def press(self, chat: TgChat, user: TgUser, message_id: int, data: str) -> tuple[int, str]:
        """Press a button with any data, as a (possibly tampered) client can.

        Returns the update id and the callback query id.
        """
        message = self._messages[chat.id][message_id]
        query_id = str(secrets.randbits(63))
        query = {
            "id": query_id,
            "from": user.to_json(),
            "message": message.to_json(),
            "chat_instance": str(abs(chat.id) * 7 + 3),
            "data": data,
        }
        self._callbacks[query_id] = query
        return self._push({"callback_query": query}), query_id

    def old_bot_message(
        self, chat: TgChat, text: str, buttons: list[tuple[str, str]]
    ) -> StoredMessage:
        """A bot message from before this run (another version's buttons, say)."""
        markup = {"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in buttons]]}
        return self._store(chat, self.me, text=text, reply_markup=markup)

    def press_button(
        self, chat: TgChat, user: TgUser, label: str, message_id: int | None = None
    ) -> tuple[int, str]:
        """Press the button labelled ``label`` on the newest bot message that has one."""
        message = self.find_button(chat, label, message_id)
        data = next(b["callback_data"] for b in message.buttons if b["text"] == label)
        return self.press(chat, user, message.message_id, data)

    def find_button(self, chat: TgChat, label: str, message_id: int | None = None) -> StoredMessage:
        """The newest bot message in ``chat`` with a button labelled ``label``."""
        candidates = (
            [self._messages[chat.id][message_id]]
            if message_id is not None
            else reversed(self.bot_messages(chat))
        )
        for message in candidates:
            if any(button["text"] == label for button in message.buttons):
                return message
        raise LookupError(f"no button {label!r} in chat {chat.id}")

    def remove_bot(self, chat: TgChat, by: TgUser, status: str = "kicked") -> int:
        """The user blocks the bot (private) or removes it from the group."""
        new: dict[str, Any] = {"status": status, "user": self.me.to_json()}
        if status == "kicked":
            new["until_date"] = 0
        update = {
            "my_chat_member": {
                "chat": chat.to_json(),
                "from": by.to_json(),
                "date": int(time.time()),
                "old_chat_member": {"status": "member", "user": self.me.to_json()},
                "new_chat_member": new,
            }
        }
        self._blocked.add(chat.id)
        return self._push(update)

    def make_admin(self, chat: TgChat, user: TgUser, status: str = "administrator") -> None:
        """``user`` administers the group (``creator`` or ``administrator``), as
        getChatMember then reports."""
        self._standing.setdefault(chat.id, {})[user.id] = status

    def block(self, chat: TgChat) -> None:
        """Answer 403 to every write to this chat, without telling the bot."""
        self._blocked.add(chat.id)

    def unblock(self, chat: TgChat) -> None:
        self._blocked.discard(chat.id)

    def repeat_update(self, update_id: int) -> None:
        """Deliver an update again, as Telegram does when it never saw it confirmed."""
        for update in self._all_updates():
            if update["update_id"] == update_id:
                self._redeliver.append(update)
                self._notify()
                return
        raise LookupError(f"no update {update_id}")

    def take_update(self, update_id: int) -> dict[str, Any]:
        """One update made and not yet delivered, for a test that posts it itself."""
        update = next(u for u in self._updates if u["update_id"] == update_id)
        self._updates.remove(update)
        self._delivered_history.append(update)
        self._delivered_ids.add(update_id)
        return update

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        retry_after: int | None = None,
        chat: TgChat | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat``) with an error."""
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                403: "Forbidden: bot was blocked by the user",
                400: "Bad Request: chat not found",
            }.get(status, "Internal Server Error")
        self._failures.append(
            _Failure(method, status, description, retry_after, chat.id if chat else None, times)
        )

    def hold_next_write(self, chat: TgChat) -> asyncio.Event:
        """Keep the bot's next write to ``chat`` on its way (a slow network) until the
        event returned is set: it is in ``holding`` meanwhile, and reaches ``calls`` (the
        chat) only then. Writes after it are not held, so they would overtake it."""
        release = self._hold_next[chat.id] = asyncio.Event()
        return release

    # ------------------------------------------------------------------ inspecting

    def bot_messages(self, chat: TgChat) -> list[StoredMessage]:
        """Messages the bot sent to ``chat``, oldest first, as they look now (after edits)."""
        return [m for m in self._messages.get(chat.id, {}).values() if m.sender.id == self.me.id]

    def last_bot_message(self, chat: TgChat) -> StoredMessage:
        return self.bot_messages(chat)[-1]

    def message(self, chat: TgChat, message_id: int) -> StoredMessage:
        return self._messages[chat.id][message_id]

    def answer(self, query_id: str) -> Call | None:
        """The answerCallbackQuery call for a press, if it came."""
        return self._answers.get(query_id)

    def unanswered_queries(self) -> list[str]:
        return [q for q in self._callbacks if q not in self._answers]

    def observe(self, observer: Callable[[Call], None]) -> None:
        """Call ``observer`` with every request once answered (cheaper than polling
        ``calls`` when hundreds of simulated users wait at once)."""
        self._observers.append(observer)

    def unobserve_all(self) -> None:
        self._observers.clear()

    def mark(self) -> int:
        """A position in the call log, for ``calls_since`` and ``wait_for``."""
        return len(self.calls)

    def calls_since(self, mark: int, method: str | None = None) -> list[Call]:
        return [c for c in self.calls[mark:] if method is None or c.method == method]

    def edits_of(self, chat: TgChat, message_id: int) -> list[Call]:
        """The edits of one message that Telegram accepted, in order."""
        return [
            call
            for call in self.calls
            if call.method.startswith("editMessage")
            and call.ok
            and call.chat_id == chat.id
            and call.params.get("message_id") == str(message_id)
        ]

    def sent_to(self, chat: TgChat, since: int = 0) -> list[Call]:
        """Successful writes to ``chat``."""
        return [
            c
            for c in self.calls[since:]
            if c.chat_id == chat.id and c.ok and c.method in CHAT_WRITES
        ]

    @property
    def pending_updates(self) -> int:
        return len(self._updates) + len(self._redeliver)

    async def wait_for(self, predicate: Callable[[Call], bool], *, since: int = 0) -> Call:
        """The first call at or after ``since`` matching ``predicate``; awaits it if needed."""
        async with asyncio.timeout(self.wait_seconds):
            index = since
            while True:
                while index < len(self.calls):
                    call = self.calls[index]
                    index += 1
                    if predicate(call):
                        return call
                await self._next_change()

    async def wait_for_answer(self, query_id: str) -> Call:
        async with asyncio.timeout(self.wait_seconds):
            while query_id not in self._answers:
                await self._next_change()
            return self._answers[query_id]

    async def wait_delivered(self, update_id: int) -> None:
        """Until the bot has fetched (or been pushed) the update."""
        async with asyncio.timeout(self.wait_seconds):
            while update_id not in self._delivered_ids:
                await self._next_change()

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(self.wait_seconds):
            while not condition():
                await self._next_change()

    # ------------------------------------------------------------------ internals: state

    def _register(self, chat: TgChat) -> TgChat:
        self._chats[chat.id] = chat
        self._messages.setdefault(chat.id, {})
        self._message_ids.setdefault(chat.id, itertools.count(1))
        return chat

    def _store(self, chat: TgChat, sender: TgUser, **fields: Any) -> StoredMessage:
        message = StoredMessage(
            next(self._message_ids[chat.id]), chat, sender, int(time.time()), **fields
        )
        self._messages[chat.id][message.message_id] = message
        return message

    def _push(self, body: dict[str, Any]) -> int:
        update = {"update_id": next(self._update_ids), **body}
        self._self_check(update, "Update")
        self._updates.append(update)
        self._notify()
        return int(update["update_id"])

    def _all_updates(self) -> list[dict[str, Any]]:
        return self._updates + self._delivered_history

    def _self_check(self, value: Any, type_name: str) -> None:
        """What the stand-in itself produces must be valid too, or its tests prove nothing."""
        if self.spec is None:
            return
        problem = self.spec.value_problem(value, type_name)
        if problem is not None:
            raise AssertionError(f"stand-in produced an invalid {type_name}: {problem}")

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
        self._webhook_wakeup.set()

    async def _next_change(self) -> None:
        await self._changed.wait()

    def _kinds(self, update: dict[str, Any]) -> str:
        return next(k for k in update if k != "update_id")

    # ------------------------------------------------------------------ internals: HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        params, uploads = await _read_body(request)
        chat = _chat_of(params)
        call = Call(method, params, uploads, self.clock(), chat, request=request)
        release = None
        if chat is not None and method in CHAT_WRITES:
            release = self._hold_next.pop(chat, None)
        if release is not None:
            self.holding.append(call)
            self._notify()
            await release.wait()
            self.holding.remove(call)
        self.calls.append(call)
        self._notify()
        try:
            response = await self._dispatch(call)
        finally:
            self._notify()
            for observer in self._observers:
                observer(call)
        return response

    async def _dispatch(self, call: Call) -> web.Response:
        method = call.method
        if method not in REQUIRED or not hasattr(self, f"_m_{method}"):
            return self._refuse(call, 404, "Not Found: method not found")
        failure = self._take_failure(call)
        if failure is not None:
            return self._fail(call, failure.status, failure.description, failure.retry_after)
        try:
            check_request(method, call.params, call.uploads)
            if self.spec is not None:
                self.spec.check_request(method, call.params, call.uploads)
            chat = self._target_chat(call)
        except _Refused as refused:
            return self._fail(call, 403, refused.description, None)
        except Rejected as rejected:
            return self._refuse(call, 400, rejected.description)
        if chat is not None and chat.id in self._blocked:
            kind = "blocked by the user" if chat.type == "private" else "kicked from the group chat"
            return self._fail(call, 403, f"Forbidden: bot was {kind}", None)
        if chat is not None and self._flood is not None and method in CHAT_WRITES:
            wait = self._flood.wait_needed(chat, call.at)
            if wait > 0:
                self.throttled.append(call)
                retry = max(1, math.ceil(wait))
                return self._fail(call, 429, f"Too Many Requests: retry after {retry}", retry)
        handler = getattr(self, f"_m_{method}")
        try:
            result = await handler(call, chat)
        except Rejected as rejected:
            status = 409 if rejected.description.startswith("Conflict") else 400
            return self._refuse(call, status, rejected.description)
        call.result = result
        return web.json_response({"ok": True, "result": result})

    def _target_chat(self, call: Call) -> TgChat | None:
        if call.chat_id is None:
            if call.method in ("sendMessage", "sendPhoto", "sendAnimation", "sendDocument"):
                raise Rejected("Bad Request: chat not found")
            return None
        chat = self._chats.get(call.chat_id)
        if chat is None and call.chat_id in self._users:
            # A user the bot knows from a group, who never opened a private chat with it.
            raise _Refused("Forbidden: bot can't initiate conversation with a user")
        if chat is None:
            raise Rejected("Bad Request: chat not found")
        return chat

    def _take_failure(self, call: Call) -> _Failure | None:
        for failure in self._failures:
            if failure.method == call.method and failure.chat_id in (None, call.chat_id):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _refuse(self, call: Call, status: int, description: str) -> web.Response:
        """A broken rule: recorded as a violation, answered like Telegram."""
        self.violations.append(Violation(call.method, description, call.params))
        return self._fail(call, status, description, None)

    def _fail(
        self, call: Call, status: int, description: str, retry_after: int | None
    ) -> web.Response:
        call.status, call.description = status, description
        return _error(status, description, retry_after)

    # ------------------------------------------------------------------ methods

    async def _m_getMe(self, call: Call, chat: TgChat | None) -> Any:
        return {
            **self.me.to_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_logOut(self, call: Call, chat: TgChat | None) -> Any:
        return True

    async def _m_close(self, call: Call, chat: TgChat | None) -> Any:
        return True

    async def _m_getUpdates(self, call: Call, chat: TgChat | None) -> Any:
        if self.webhook_url:
            raise Rejected(
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )
        if self._poller is not None and _connected(self._poller):
            raise Rejected(
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running"
            )
        request = call.request
        self._poller = request
        try:
            return await self._long_poll(call)
        finally:
            if self._poller is request:
                self._poller = None

    async def _long_poll(self, call: Call) -> Any:
        params = call.params
        if "allowed_updates" in params:
            self._allowed_updates = set(parse_json(params, "allowed_updates")) or set(
                DEFAULT_ALLOWED_UPDATES
            )
        if "offset" in params:
            self._confirm(parse_int(params, "offset"))
        limit = parse_int(params, "limit") if "limit" in params else 100
        timeout = parse_int(params, "timeout") if "timeout" in params else 0
        deadline = time.monotonic() + timeout
        while True:
            batch = self._fetchable(limit)
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._next_change()
        for update in batch:
            self._delivered_ids.add(update["update_id"])
            if update in self._redeliver:
                self._redeliver.remove(update)
        return batch

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            keep = self._updates[offset:]
            confirmed = self._updates[:offset]
        else:
            keep = [u for u in self._updates if u["update_id"] >= offset]
            confirmed = [u for u in self._updates if u["update_id"] < offset]
        self._delivered_history.extend(confirmed)
        self._updates = keep

    def _fetchable(self, limit: int) -> list[dict[str, Any]]:
        # Updates of kinds the bot did not ask for are dropped, as Telegram does.
        wanted = [u for u in self._updates if self._kinds(u) in self._allowed_updates]
        dropped = [u for u in self._updates if u not in wanted]
        if dropped:
            self._delivered_history.extend(dropped)
            self._updates = wanted
        return (self._redeliver + wanted)[:limit]

    async def _m_getWebhookInfo(self, call: Call, chat: TgChat | None) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _m_deleteWebhook(self, call: Call, chat: TgChat | None) -> Any:
        self.webhook_url, self.webhook_secret = "", None
        if parse_bool(call.params.get("drop_pending_updates", "false")):
            self._delivered_history.extend(self._updates)
            self._updates = []
        return True

    async def _m_setWebhook(self, call: Call, chat: TgChat | None) -> Any:
        params = call.params
        self.webhook_url = params["url"]
        self.webhook_secret = params.get("secret_token")
        if "allowed_updates" in params:
            self._allowed_updates = set(parse_json(params, "allowed_updates")) or set(
                DEFAULT_ALLOWED_UPDATES
            )
        if parse_bool(params.get("drop_pending_updates", "false")):
            self._delivered_history.extend(self._updates)
            self._updates = []
        if (
            self.push_webhook
            and self.webhook_url
            and (self._webhook_task is None or self._webhook_task.done())
        ):
            self._webhook_task = asyncio.create_task(self._push_to_webhook())
        return True

    async def _m_setMyCommands(self, call: Call, chat: TgChat | None) -> Any:
        self.commands = call.json("commands")
        return True

    async def _m_getMyCommands(self, call: Call, chat: TgChat | None) -> Any:
        return self.commands

    async def _m_deleteMyCommands(self, call: Call, chat: TgChat | None) -> Any:
        self.commands = []
        return True

    async def _m_setMyDescription(self, call: Call, chat: TgChat | None) -> Any:
        self.description = call.params.get("description", "")
        return True

    async def _m_getMyDescription(self, call: Call, chat: TgChat | None) -> Any:
        return {"description": self.description}

    async def _m_setMyShortDescription(self, call: Call, chat: TgChat | None) -> Any:
        self.short_description = call.params.get("short_description", "")
        return True

    async def _m_getMyShortDescription(self, call: Call, chat: TgChat | None) -> Any:
        return {"short_description": self.short_description}

    async def _m_getChatMember(self, call: Call, chat: TgChat | None) -> Any:
        """A ChatMemberOwner, ChatMemberAdministrator or ChatMemberMember, as documented."""
        if chat is None:
            raise Rejected("Bad Request: chat not found")
        user_id = int(call.params["user_id"])
        if user_id not in self._users:
            raise Rejected("Bad Request: user not found")
        user = {"id": user_id, "is_bot": False, "first_name": "Runner"}
        status = self._standing.get(chat.id, {}).get(user_id, "member")
        member: dict[str, Any] = {"status": status, "user": user}
        kind = "ChatMemberMember"
        if status == "creator":
            member["is_anonymous"] = False
            kind = "ChatMemberOwner"
        elif status == "administrator":
            rights = [
                "can_be_edited",
                "is_anonymous",
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
            ]
            member.update(dict.fromkeys(rights, False))
            member["can_manage_chat"] = True
            kind = "ChatMemberAdministrator"
        self._self_check(member, kind)
        return member

    async def _m_sendChatAction(self, call: Call, chat: TgChat | None) -> Any:
        return True

    async def _m_sendMessage(self, call: Call, chat: TgChat | None) -> Any:
        assert chat is not None
        markup = call.json("reply_markup") if "reply_markup" in call.params else None
        text, entities = _formatted(call.params["text"], call.params.get("parse_mode"))
        message = self._store(chat, self.me, text=text, entities=entities, reply_markup=markup)
        return self._result(message)

    async def _m_sendPhoto(self, call: Call, chat: TgChat | None) -> Any:
        size = {**self._file("photo", call), "width": 640, "height": 480}
        return self._send_media(call, chat, {"photo": [size]})

    async def _m_sendAnimation(self, call: Call, chat: TgChat | None) -> Any:
        animation = {**self._file("animation", call), "width": 480, "height": 360, "duration": 3}
        return self._send_media(call, chat, {"animation": animation})

    def _file(self, kind: str, call: Call) -> dict[str, Any]:
        """The file an upload becomes (a new file_id), or the one a file_id names: only
        a file_id this bot was given for the same kind of file is accepted."""
        if kind in call.uploads or call.params.get(kind, "").startswith("attach://"):
            file_id = _file_id()
            self.files[file_id] = kind
        else:
            file_id = call.params[kind]
            if self.files.get(file_id) != kind:
                raise Rejected("Bad Request: wrong file identifier/HTTP URL specified")
        return {"file_id": file_id, "file_unique_id": file_id[4:20]}

    async def _m_sendDocument(self, call: Call, chat: TgChat | None) -> Any:
        upload = call.uploads.get("document")
        document: dict[str, Any] = {"file_id": _file_id(), "file_unique_id": _file_id()[:16]}
        if upload is not None:
            document.update(
                file_name=upload.filename, mime_type=upload.content_type, file_size=len(upload.data)
            )
        return self._send_media(call, chat, {"document": document})

    def _send_media(self, call: Call, chat: TgChat | None, media: dict[str, Any]) -> Any:
        assert chat is not None
        markup = call.json("reply_markup") if "reply_markup" in call.params else None
        caption: str | None = None
        entities: list[dict[str, Any]] = []
        if "caption" in call.params:
            caption, entities = _formatted(call.params["caption"], call.params.get("parse_mode"))
        message = self._store(
            chat,
            self.me,
            caption=caption,
            entities=entities,
            reply_markup=markup,
            media=media,
        )
        return self._result(message)

    async def _m_editMessageText(self, call: Call, chat: TgChat | None) -> Any:
        message = self._editable(call, chat)
        if message.text is None:
            raise Rejected("Bad Request: there is no text in the message to edit")
        markup = call.json("reply_markup") if "reply_markup" in call.params else None
        text, entities = _formatted(call.params["text"], call.params.get("parse_mode"))
        same = message.text == text and message.entities == entities
        if same and _same_markup(message.reply_markup, markup):
            raise Rejected(
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message"
            )
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.edits += 1
        return self._result(message)

    async def _m_editMessageReplyMarkup(self, call: Call, chat: TgChat | None) -> Any:
        message = self._editable(call, chat)
        markup = call.json("reply_markup") if "reply_markup" in call.params else None
        if _same_markup(message.reply_markup, markup):
            raise Rejected("Bad Request: message is not modified")
        message.reply_markup = markup
        message.edits += 1
        return self._result(message)

    def _editable(self, call: Call, chat: TgChat | None) -> StoredMessage:
        if chat is None:
            raise Rejected("Bad Request: inline messages are not supported here")
        message = self._messages[chat.id].get(parse_int(call.params, "message_id"))
        if message is None:
            raise Rejected("Bad Request: message to edit not found")
        if message.sender.id != self.me.id:
            raise Rejected("Bad Request: message can't be edited")
        return message

    async def _m_deleteMessage(self, call: Call, chat: TgChat | None) -> Any:
        assert chat is not None
        if self._messages[chat.id].pop(parse_int(call.params, "message_id"), None) is None:
            raise Rejected("Bad Request: message to delete not found")
        return True

    async def _m_answerCallbackQuery(self, call: Call, chat: TgChat | None) -> Any:
        query_id = call.params["callback_query_id"]
        if query_id not in self._callbacks or query_id in self._answers:
            raise Rejected(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self._answers[query_id] = call
        return True

    def _result(self, message: StoredMessage) -> dict[str, Any]:
        data = message.to_json()
        self._self_check(data, "Message")
        return data

    # ------------------------------------------------------------------ webhook delivery

    async def _push_to_webhook(self) -> None:
        """Deliver pending updates to the webhook one by one, retrying failures shortly."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        while self.webhook_url:
            self._webhook_wakeup.clear()
            batch = self._fetchable(1)
            if not batch:
                await self._webhook_wakeup.wait()
                continue
            update = batch[0]
            headers = {"Content-Type": "application/json"}
            if self.webhook_secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
            try:
                async with self._session.post(self.webhook_url, json=update, headers=headers) as r:
                    status = r.status
            except aiohttp.ClientError:
                status = 0
            self.webhook_deliveries.append((update["update_id"], status))
            if 200 <= status < 300:
                self._delivered_ids.add(update["update_id"])
                if update in self._redeliver:
                    self._redeliver.remove(update)
                else:
                    self._confirm(update["update_id"] + 1)
                self._notify()
            else:
                self._notify()
                await asyncio.sleep(0.2)  # Telegram backs off before retrying a failing webhook


class _Refused(Rejected):
    """Telegram says no (403) to a well-formed request: not the bot's mistake."""


def _connected(request: web.Request) -> bool:
    transport = request.transport
    return transport is not None and not transport.is_closing()


def _file_id() -> str:
    return "BQAC" + secrets.token_urlsafe(24)


def _formatted(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """What Telegram keeps of a text sent with ``parse_mode``: the text and its entities."""
    if parse_mode == "HTML":
        return parse_html(text)
    return text, []


def _same_markup(old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    def rows(markup: dict[str, Any] | None) -> Any:
        return (markup or {}).get("inline_keyboard") or []

    return bool(rows(old) == rows(new))


def _chat_of(params: dict[str, str]) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, ValueError):
        return None


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


async def _read_body(request: web.Request) -> tuple[dict[str, str], dict[str, Upload]]:
    """Form-encoded or multipart fields as strings, file parts as uploads; query too."""
    params: dict[str, str] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json":
        body = await request.json()
        for name, value in body.items():
            params[name] = value if isinstance(value, str) else json.dumps(value)
        return params, uploads
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            uploads[name] = Upload(name, value.filename, value.content_type, value.file.read())
        else:
            params[name] = str(value)
    return params, uploads
