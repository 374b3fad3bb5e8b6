"""A runner asked for a reminder gets it, however they answer the time-zone question,
and every message about a reminder offers what it says the runner can do next."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.core.engine import Coach
from bot.features.reminders.options import ReminderOptions
from bot.testing import Chat, FakeClock
from tests.features.reminders.harness import ready_chat, reminder_coach, reminders

# FakeClock starts on Monday 23 November 2026, 06:00 UTC (06:00 in London).


@pytest.fixture
def rchat(sessions: async_sessionmaker[AsyncSession], content: Content, clock: FakeClock) -> Chat:
    coach: Coach = reminder_coach(sessions, content, clock, ReminderOptions())
    return Chat(coach)


async def new_runner(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")


async def test_answering_the_zone_question_with_the_command_saves_the_reminder(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await new_runner(rchat)
    await rchat.command("remind", "mon wed fri 06:30 30")
    assert "First I need your time zone" in rchat.last_text()

    await rchat.command("timezone", "Europe/London")

    text = rchat.last_text()
    assert "Got it: Europe/London." in text
    assert "Done! I'll remind you Mon Wed Fri, 30 minutes before your 06:30 run." in text
    [saved] = await reminders(sessions)
    assert saved.time_zone == "Europe/London"
    assert saved.next_fire_at == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


async def test_a_typo_then_a_suggestion_still_saves_the_reminder(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await new_runner(rchat)
    await rchat.command("remind", "tue 07:00")
    await rchat.command("timezone", "europ/londn")
    assert "Did you mean one of these?" in rchat.last_text()

    await rchat.press("Europe/London")

    assert "Done! I'll remind you Tue, 30 minutes before your 07:00 run." in rchat.last_text()
    assert len(await reminders(sessions)) == 1


async def test_asking_to_see_the_zone_choices_again_keeps_the_reminder_waiting(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await new_runner(rchat)
    await rchat.command("remind", "tue 07:00")
    await rchat.command("timezone")
    assert "First I need your time zone" in rchat.last_text()

    await rchat.press("London")

    assert "Done! I'll remind you Tue" in rchat.last_text()
    assert len(await reminders(sessions)) == 1


async def test_the_guided_form_goes_on_after_the_zone_is_typed_as_a_command(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await new_runner(rchat)
    await rchat.command("remind")
    await rchat.command("timezone", "london")

    assert "Which days do you run?" in rchat.last_text()
    await rchat.press("Wed")
    await rchat.press("Done")
    await rchat.say("18:00")
    await rchat.press("15 min")
    await rchat.press("Save")
    assert "Done! I'll remind you Wed, 15 minutes before your 18:00 run." in rchat.last_text()
    assert len(await reminders(sessions)) == 1


async def test_a_zone_set_on_its_own_runs_nothing_else(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await new_runner(rchat)
    await rchat.command("remind", "tue 07:00")
    await rchat.command("warmup")  # the runner moved on: the reminder is no longer wanted
    await rchat.command("timezone", "Europe/London")

    assert "Done!" not in rchat.all_text()
    assert await reminders(sessions) == []


async def test_at_the_limit_the_guided_form_says_so_before_asking_anything(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ready_chat(rchat)
    for hour in range(20):
        await rchat.command("remind", f"daily {hour:02d}:00 10")
    assert len(await reminders(sessions)) == 20

    await rchat.command("remind")

    assert "You already have 20 reminders" in rchat.last_text()
    assert "Which days do you run?" not in rchat.last_text()
    assert all(not reply.choices for reply in rchat.outcomes[-1].replies)
    # Nothing half-started: typed words go back to being ordinary messages.
    await rchat.say("Sun")
    assert "Chosen" not in rchat.last_text()


async def test_pausing_offers_resume_right_there_and_resuming_offers_pause(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "tue thu 07:00 30")
    await rchat.command("reminders")

    await rchat.press("Pause")
    assert "Paused: Tue Thu" in rchat.last_text()
    assert [c.label for c in rchat.last_choices()] == ["Resume", "Edit", "Delete"]

    await rchat.press("Resume")
    assert "Resumed: Tue Thu" in rchat.last_text()
    assert [c.label for c in rchat.last_choices()] == ["Pause", "Edit", "Delete"]
    assert [r.status for r in await reminders(sessions)] == ["active"]


async def test_moving_one_reminder_to_a_new_zone_reads_naturally(rchat: Chat) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "daily 07:00 30")
    await rchat.command("timezone", "Europe/Paris")
    assert "Your reminder now follows Europe/Paris time." in rchat.last_text()

    await rchat.command("remind", "mon 08:00 30")
    await rchat.command("timezone", "Europe/London")
    assert "Your 2 reminders now follow Europe/London time." in rchat.last_text()
