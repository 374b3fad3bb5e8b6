"""A one-off reminder end to end on Telegram: python-telegram-bot against the stand-in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_dispatcher
from bot.content import Content
from bot.features.reminders.options import ReminderOptions
from bot.features.reminders.scheduler import ReminderScheduler
from tests.adapters.telegram_harness import (
    FAST_FLOOD,
    assert_clean,
    button_labels,
    running_bot,
    sent_message,
)
from tests.features.reminders.harness import Arrivals, RunningClock, reminder_coach
from tests.standins.telegram_api import TelegramStandIn


async def test_one_off_reminder_arrives_on_time_and_starts_the_warm_up(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    # 06:57:57 in London: a 07:00 run with a two-minute lead fires at 06:58:00.
    clock = RunningClock(datetime(2026, 7, 1, 5, 57, 57, tzinfo=UTC))
    fire_at = datetime(2026, 7, 1, 5, 58, tzinfo=UTC)
    options = ReminderOptions()
    coach = reminder_coach(sessions, content, clock, options)
    async with TelegramStandIn(rate_limits=FAST_FLOOD) as api:
        runner = api.user("Ann")
        chat = api.private_chat(runner)
        async with running_bot(api, coach, sessions) as adapter:
            delivery = Arrivals(adapter, clock)
            scheduler = ReminderScheduler(
                build_dispatcher(sessions, content, [delivery], clock),
                clock,
                options.wakeup,
            )
            await scheduler.start()
            try:
                api.send_command(chat, runner, "start")
                await api.wait_for(sent_message(chat, buttons=True))
                api.press_button(chat, runner, "I understand")
                await api.wait_for(sent_message(chat, containing="Thanks!"))
                api.send_command(chat, runner, "remind", "today 07:00 2")
                await api.wait_for(sent_message(chat, containing="First I need your time zone"))
                api.press_button(chat, runner, "London")
                await api.wait_for(sent_message(chat, containing="First reminder: Wed 1 Jul"))

                reminder = await api.wait_for(sent_message(chat, containing="Your run is at 07:00"))
                async with asyncio.timeout(5):
                    await delivery.arrived.wait()
                assert timedelta(0) <= delivery.times[0] - fire_at < timedelta(seconds=2)
                assert button_labels(reminder) == ["Start warm-up", "Snooze 10 min", "Skip today"]

                mark = api.mark()
                api.press_button(chat, runner, "Start warm-up")
                await api.wait_for(
                    sent_message(chat, containing="how do your hips feel today?"), since=mark
                )
            finally:
                await scheduler.stop()
        assert_clean(api)
