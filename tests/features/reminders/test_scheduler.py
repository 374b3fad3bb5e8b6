"""The APScheduler-driven timer with real timers: on time, catch-up at start, re-arming."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TextIO, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.terminal import TerminalAdapter
from bot.app import build_dispatcher
from bot.content import Content
from bot.features.reminders.options import ReminderOptions
from bot.features.reminders.scheduler import ReminderScheduler
from bot.testing import Chat, RecordingAdapter
from tests.features.reminders.harness import (
    Arrivals,
    PipeInput,
    RunningClock,
    WatchedOutput,
    ready_chat,
    reminder_coach,
)


async def test_terminal_one_off_arrives_on_time_and_starts_the_warm_up(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    # 06:57:58 in London: a run at 07:00 with a two-minute lead fires at 06:58:00.
    clock = RunningClock(datetime(2026, 7, 1, 5, 57, 58, tzinfo=UTC))
    fire_at = datetime(2026, 7, 1, 5, 58, tzinfo=UTC)
    options = ReminderOptions()
    coach = reminder_coach(sessions, content, clock, options)
    out = WatchedOutput()
    keyboard = PipeInput()
    terminal = TerminalAdapter(coach.handle, stdin=cast(TextIO, keyboard), stdout=out)
    delivery = Arrivals(terminal, clock)
    scheduler = ReminderScheduler(
        build_dispatcher(sessions, content, [delivery], clock), clock, options.wakeup
    )
    await scheduler.start()
    chat = asyncio.create_task(terminal.run())
    try:
        keyboard.type("/start\n1\n/timezone Europe/London\n/remind today 07:00 2\n")
        await out.wait_for("First reminder: Wed 1 Jul at 06:58")
        assert scheduler.armed_for == fire_at

        async with asyncio.timeout(10):
            await delivery.arrived.wait()
        assert timedelta(0) <= delivery.times[0] - fire_at < timedelta(seconds=2)
        assert "Your run is at 07:00: time to loosen your hips.\n  [1] Start warm-up" in (
            out.getvalue()
        )

        keyboard.type("1\n")
        await out.wait_for("how do your hips feel today?")
    finally:
        keyboard.end()
        await chat
        keyboard.shut()
        await scheduler.stop()


async def test_start_catches_up_what_came_due_while_down(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    clock = RunningClock(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
    options = ReminderOptions()
    chat = Chat(reminder_coach(sessions, content, clock, options))
    await ready_chat(chat)
    await chat.command("checkin", "off")  # only the reminders themselves are timed here
    await chat.command("remind", "daily 06:35 30")  # fires 06:05
    await chat.command("remind", "daily 06:50 30")  # fires 06:20
    down_for = RunningClock(datetime(2026, 11, 23, 6, 25, tzinfo=UTC))
    adapter = RecordingAdapter(down_for)
    scheduler = ReminderScheduler(
        build_dispatcher(sessions, content, [adapter], down_for),
        down_for,
        options.wakeup,
    )

    await scheduler.start()
    async with asyncio.timeout(5):
        await scheduler.ready.wait()
    await scheduler.stop()

    # 20 minutes late is past the 15-minute grace; 5 minutes late is sent, with a note.
    assert adapter.texts() == [
        "Your run is at 06:50: time to loosen your hips.\n"
        "Sorry, this comes 5 min late: I was offline for a while."
    ]
    assert scheduler.passes[0].skipped == 1
    assert scheduler.armed_for == datetime(2026, 11, 24, 6, 5, tzinfo=UTC)


async def test_a_sooner_reminder_re_arms_the_timer_and_a_later_one_does_not(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    clock = RunningClock(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
    options = ReminderOptions()
    chat = Chat(reminder_coach(sessions, content, clock, options))
    adapter = RecordingAdapter(clock)
    scheduler = ReminderScheduler(
        build_dispatcher(sessions, content, [adapter], clock), clock, options.wakeup
    )
    await scheduler.start()
    async with asyncio.timeout(5):
        await scheduler.ready.wait()
    assert scheduler.armed_for is None  # nothing stored yet

    await ready_chat(chat)
    await chat.command("remind", "daily 20:00 30")
    assert scheduler.armed_for == datetime(2026, 11, 23, 19, 30, tzinfo=UTC)
    await chat.command("remind", "daily 09:00 30")
    assert scheduler.armed_for == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    await chat.command("remind", "daily 10:00 30")
    assert scheduler.armed_for == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    await scheduler.stop()
    assert adapter.sent == []
