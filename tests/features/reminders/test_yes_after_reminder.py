"""A bare "yes" right after a reminder message is its Start warm-up; once the runner has
said or pressed anything else, it is a yes out of the blue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.features.reminders.options import ReminderOptions
from bot.testing import Chat, FakeClock, RecordingAdapter
from tests.features.reminders.harness import dispatcher_for, ready_chat, reminder_coach

FIRE = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # "daily 08:00" with the default 30 min


async def _delivered(
    sessions: async_sessionmaker[AsyncSession], content: Content, clock: FakeClock
) -> Chat:
    chat = Chat(reminder_coach(sessions, content, clock, ReminderOptions()))
    await ready_chat(chat)
    await chat.command("remind", "daily 08:00")
    dispatcher = dispatcher_for(sessions, content, RecordingAdapter(clock), clock)
    clock.current = FIRE
    assert (await dispatcher.run_once()).sent == 1
    clock.current = FIRE + timedelta(minutes=2)
    return chat


async def test_yes_after_a_reminder_starts_the_warm_up(
    sessions: async_sessionmaker[AsyncSession], content: Content, clock: FakeClock
) -> None:
    chat = await _delivered(sessions, content, clock)
    await chat.say("let's do it")
    assert "how do your hips feel today?" in chat.last_text()


async def test_yes_after_something_else_is_not_the_reminders(
    sessions: async_sessionmaker[AsyncSession], content: Content, clock: FakeClock
) -> None:
    chat = await _delivered(sessions, content, clock)
    await chat.say("thanks")
    await chat.say("yes")
    assert chat.last_text() == content.texts.understanding.idle.yes_nothing


async def test_later_right_after_a_reminder_snoozes_it(
    sessions: async_sessionmaker[AsyncSession], content: Content, clock: FakeClock
) -> None:
    chat = await _delivered(sessions, content, clock)
    await chat.say("remind me later")  # not a new reminder: this one, again soon
    assert chat.last_text() == content.reminder_texts.fire.snoozed.format(time="07:42")


async def test_not_today_right_after_a_reminder_skips_the_run(
    sessions: async_sessionmaker[AsyncSession], content: Content, clock: FakeClock
) -> None:
    chat = await _delivered(sessions, content, clock)
    await chat.say("not today")
    assert chat.last_text().startswith("Okay, no run this time. Next reminder: Tue 24 Nov")


async def test_skip_long_after_a_reminder_is_no_skip(
    sessions: async_sessionmaker[AsyncSession], content: Content, clock: FakeClock
) -> None:
    chat = await _delivered(sessions, content, clock)
    await chat.say("thanks")
    await chat.say("not today")
    assert "no run this time" not in chat.last_text()
