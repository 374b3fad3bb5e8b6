"""The coach on the real python-telegram-bot, against the Bot API stand-in, for tests.

Flood limits here are Telegram's shape at 25 times the speed, so a whole warm-up runs
in well under a second while the pacer is still what keeps the stand-in from answering
429; the pacing tests run at Telegram's real numbers.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.telegram.adapter import TelegramAdapter, TelegramConfig
from bot.app import count_runner, unreachable_reporter
from bot.content import Content
from bot.core.engine import Coach
from bot.core.ports import Handler, OnUnreachable, Pictures
from bot.delivery.pacer import PaceLimits
from bot.media.library import MediaLibrary
from bot.storage.key_values import KeyValueStore
from bot.storage.models import User
from bot.storage.processed_updates import UpdateOutbox
from bot.testing import shipped_content
from tests.standins.telegram_api import Call, RateLimits, TelegramStandIn, TgChat, TgUser

FAST_FLOOD = RateLimits(
    overall_per_second=750,
    per_chat_per_second=25,
    per_chat_burst=3,
    per_group_per_minute=500,
    tolerance=0.01,
)
# The pacer keeps a fifth below the stand-in: at these speeds a few milliseconds of
# jitter between pacing a send and the server seeing it is a large share of the gap.
FAST_PACE = PaceLimits(
    overall_per_second=600, per_chat_per_second=20, per_chat_burst=3, per_group_per_minute=400
)


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str
    secret: str
    port: int


def telegram_adapter(
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    config: TelegramConfig,
    *,
    handler: Handler | None = None,
    content: Content | None = None,
    unreachable: OnUnreachable | None = None,
    remember_profile: bool = True,
    routes: Sequence[web.RouteDef] = (),
    pictures: Pictures | None = None,
) -> TelegramAdapter:
    """A :class:`TelegramAdapter` for the coach (or ``handler``), wired as the app wires it."""
    content = content or shipped_content()
    return TelegramAdapter(
        handler or coach.handle,
        config,
        texts=content.telegram_texts,
        words=content.texts,
        pictures=pictures or MediaLibrary(content.directory),
        commands=coach.commands(),
        outbox=UpdateOutbox(sessions, coach.clock),
        on_unreachable=unreachable or unreachable_reporter(coach),
        store=KeyValueStore(sessions) if remember_profile else None,
        routes=routes,
        counts=count_runner(coach),
    )


@contextlib.asynccontextmanager
async def running_bot(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    *,
    handler: Handler | None = None,
    content: Content | None = None,
    pace: PaceLimits = FAST_PACE,
    webhook: Webhook | None = None,
    unreachable: OnUnreachable | None = None,
    routes: Sequence[web.RouteDef] = (),
    pictures: Pictures | None = None,
) -> AsyncIterator[TelegramAdapter]:
    """A started adapter for the coach (or ``handler``); stopped on the way out."""
    config = TelegramConfig(
        token=api.token,
        api_url=api.base_url,
        webhook_url=webhook.url if webhook else None,
        webhook_secret=webhook.secret if webhook else None,
        port=webhook.port if webhook else 8080,
        listen="127.0.0.1",
        poll_timeout=2,
        pace=pace,
    )
    adapter = telegram_adapter(
        coach,
        sessions,
        config,
        handler=handler,
        content=content,
        unreachable=unreachable,
        routes=routes,
        pictures=pictures,
    )
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


def sent_message(
    chat: TgChat, *, containing: str = "", buttons: bool | None = None
) -> Callable[[Call], bool]:
    """Matches a successful sendMessage to ``chat`` (optionally with text or buttons)."""

    def match(call: Call) -> bool:
        if call.method != "sendMessage" or call.chat_id != chat.id or not call.ok:
            return False
        if containing and containing not in (call.text or ""):
            return False
        return buttons is None or buttons == ("reply_markup" in call.params)

    return match


async def step(api: TelegramStandIn, chat: TgChat, user: TgUser, label: str, expect: str) -> Call:
    """Press ``label`` on the newest message that has it; the coach's next message
    (containing ``expect``), once the pressed message has been marked too."""
    mark = api.mark()
    pressed = api.find_button(chat, label)
    _, query = api.press_button(chat, user, label, message_id=pressed.message_id)
    await api.wait_for_answer(query)
    reply = await api.wait_for(sent_message(chat, containing=expect), since=mark)
    await api.wait_for(edited(chat, pressed.message_id), since=mark)
    return reply


def edited(chat: TgChat, message_id: int) -> Callable[[Call], bool]:
    """Matches a successful edit of one message."""

    def match(call: Call) -> bool:
        return (
            call.method.startswith("editMessage")
            and call.ok
            and call.chat_id == chat.id
            and call.params.get("message_id") == str(message_id)
        )

    return match


def button_labels(call: Call) -> list[str]:
    markup = call.json("reply_markup") if "reply_markup" in call.params else {}
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


async def user_row(sessions: async_sessionmaker[AsyncSession], platform_user_id: int) -> User:
    async with sessions() as session:
        user = await session.scalar(
            select(User).where(
                User.platform == "telegram", User.platform_user_id == str(platform_user_id)
            )
        )
        assert user is not None
        return user


def assert_clean(api: TelegramStandIn) -> None:
    """Nothing the bot sent broke a rule, hit a flood limit or left a press unanswered."""
    assert api.violations == []
    assert api.throttled == [], [(c.method, c.params.get("chat_id")) for c in api.throttled]
    assert api.unanswered_queries() == []
