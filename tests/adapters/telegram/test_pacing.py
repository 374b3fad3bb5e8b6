"""Outbound pacing at Telegram's real limits: no 429s, and replies ahead of reminders."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.engine import Coach
from bot.core.messages import ConversationKey, Reply
from bot.delivery import limits
from tests.adapters.telegram_harness import assert_clean, running_bot, sent_message
from tests.standins.telegram_api import RateLimits, TelegramStandIn


async def test_a_reminder_burst_stays_under_the_limits_and_a_reply_jumps_the_queue(
    coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with TelegramStandIn(rate_limits=RateLimits()) as api:  # Telegram's own numbers
        runners = [api.user() for _ in range(45)]
        chats = [api.private_chat(r) for r in runners]
        asking, asking_chat = runners[0], chats[0]
        async with running_bot(api, coach, sessions, pace=limits.TELEGRAM) as adapter:
            reminders = [
                asyncio.create_task(
                    adapter.send(
                        ConversationKey("telegram", str(chat.id), str(runner.id)),
                        Reply("Your run starts in 30 minutes."),
                        bulk=True,
                    )
                )
                for runner, chat in zip(runners[1:], chats[1:], strict=True)
            ]
            await api.wait_until(lambda: len(api.calls_since(0, "sendMessage")) >= 3)
            api.send_command(asking_chat, asking, "help")
            reply = await api.wait_for(sent_message(asking_chat))
            await asyncio.gather(*reminders)
    sends = api.calls_since(0, "sendMessage")
    # The reply overtook the 40-odd reminders still queued when it came in.
    assert sends.index(reply) < 10
    first, last = sends[0].at, sends[-1].at
    assert last - first >= (len(sends) - 1) / 30  # never faster than 30 a second
    assert_clean(api)


async def test_one_chat_gets_a_short_burst_then_one_message_a_second(
    coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with TelegramStandIn(rate_limits=RateLimits()) as api:
        runner = api.user()
        chat = api.private_chat(runner)
        key = ConversationKey("telegram", str(chat.id), str(runner.id))
        async with running_bot(api, coach, sessions, pace=limits.TELEGRAM) as adapter:
            for n in range(5):
                await adapter.send(key, Reply(f"Message {n}"), bulk=True)
    times = [c.at for c in api.sent_to(chat)]
    assert len(times) == 5
    assert times[2] - times[0] < 0.5  # the burst
    assert times[3] - times[0] >= 0.9  # then about a second apart
    assert times[4] - times[3] >= 0.9
    assert_clean(api)
