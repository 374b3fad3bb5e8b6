"""/remind, /reminders and /timezone as a runner meets them, on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.core.engine import Coach
from bot.features.reminders.models import Reminder
from bot.features.reminders.options import ReminderOptions
from bot.storage.models import User
from bot.testing import Chat, FakeClock
from tests.features.reminders.harness import ready_chat, reminder_coach, reminders

# FakeClock starts on Monday 23 November 2026, 06:00 UTC (06:00 in London).


@pytest.fixture
def options() -> ReminderOptions:
    return ReminderOptions()


@pytest.fixture
def rcoach(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
    options: ReminderOptions,
) -> Coach:
    return reminder_coach(sessions, content, clock, options)


@pytest.fixture
def rchat(rcoach: Coach) -> Chat:
    return Chat(rcoach)


async def count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Reminder)) or 0)


async def test_first_remind_asks_for_the_zone_then_carries_on(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await rchat.command("start")
    await rchat.press("I understand")

    await rchat.command("remind", "mon wed fri 06:30 30")
    assert "First I need your time zone" in rchat.last_text()
    await rchat.press("Berlin / Paris")

    text = rchat.last_text()
    assert "Got it: Europe/Berlin. It's 07:00 there now." in text
    assert "Mon Wed Fri, 30 minutes before your 06:30 run" in text
    assert "First reminder: Wed 25 Nov at 06:00" in text
    [stored] = await reminders(sessions)
    assert stored.time_zone == "Europe/Berlin"
    assert stored.next_fire_at == datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    async with sessions() as session:
        assert await session.scalar(select(User.time_zone)) == "Europe/Berlin"


async def test_one_line_reminders(rchat: Chat, sessions: async_sessionmaker[AsyncSession]) -> None:
    await ready_chat(rchat)

    await rchat.command("remind", "tomorrow 7:15 20")
    assert "Tue 24 Nov, 20 minutes before your 07:15 run" in rchat.last_text()
    await rchat.command("remind", "today 18:00")  # default lead: 30 minutes
    assert "First reminder: Mon 23 Nov at 17:30" in rchat.last_text()
    await rchat.command("remind", "weekdays 6:30am 0")
    assert "weekdays at 06:30, when your run starts" in rchat.last_text()

    rows = await reminders(sessions)
    assert [(r.weekdays, r.once_on, r.run_time, r.lead_minutes) for r in rows] == [
        ("", date(2026, 11, 24), "07:15", 20),
        ("", date(2026, 11, 23), "18:00", 30),
        ("01234", None, "06:30", 0),
    ]


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("mon 25:99", '"25:99" isn\'t a time I can use'),
        ("every blue moon", 'I didn\'t understand "blue moon"'),
        ("06:30 30", "Which days do you run?"),
        ("mon wed", "What time does the run start?"),
        ("mon 06:30 500", '"500" is outside that'),
        ("today mon 06:30", "not both"),
        ("mon 06:30 07:00", "more than one time or number"),
        ("today 05:00", "already gone by today"),
    ],
)
async def test_bad_one_line_input_is_answered_and_nothing_is_stored(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession], typed: str, answer: str
) -> None:
    await ready_chat(rchat)

    await rchat.command("remind", typed)

    assert answer in rchat.last_text()
    assert await count(sessions) == 0


async def test_guided_reminder_with_day_toggles(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind")
    assert "Which days do you run?" in rchat.last_text()

    await rchat.press("Mon")
    await rchat.press("Thu")
    await rchat.press("✅ Mon")  # changed my mind
    await rchat.press("Sat")
    # The same question, its buttons showing the days chosen (edited in place on Telegram).
    [again] = rchat.outcomes[-1].replies
    assert again.in_place
    assert again.text.startswith("Which days do you run?")
    assert [c.label for c in again.choices if c.label.startswith("✅")] == ["✅ Thu", "✅ Sat"]
    await rchat.press("Done")
    await rchat.say("6:45pm")
    assert "How long before the run" in rchat.last_text()
    await rchat.press("45 min")
    assert "Remind you Thu Sat, 45 minutes before your 18:45 run?" in rchat.last_text()
    await rchat.press("Save")

    assert "First reminder: Thu 26 Nov at 18:00" in rchat.last_text()
    [stored] = await reminders(sessions)
    assert (stored.weekdays, stored.run_time, stored.lead_minutes) == ("35", "18:45", 45)


async def test_guided_bad_input_keeps_the_step(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind")

    await rchat.press("Done")
    assert "Pick at least one day first" in rchat.all_text()
    await rchat.say("every blue moon")
    assert 'I didn\'t understand "blue moon"' in rchat.all_text()
    await rchat.say("mon wed")
    await rchat.say("25:99")
    assert '"25:99" isn\'t a time I can use' in rchat.last_text()
    await rchat.say("06:30")
    await rchat.say("two hundred")
    assert "whole number of minutes from 0 to 180" in rchat.last_text()
    await rchat.say("20 min")
    await rchat.press("Cancel")

    assert await count(sessions) == 0


async def test_guided_today_that_already_passed_goes_back_to_the_time(rchat: Chat) -> None:
    await ready_chat(rchat)
    await rchat.command("remind")
    await rchat.press("Just today")
    await rchat.say("06:10")
    await rchat.press("15 min")
    await rchat.press("Save")

    assert "already gone by today" in rchat.all_text()
    assert "What time does your run start?" in rchat.last_text()
    await rchat.say("19:00")
    await rchat.press("15 min")
    await rchat.press("Save")
    assert "First reminder: Mon 23 Nov at 18:45" in rchat.last_text()


async def test_duplicates_and_the_twenty_first_reminder_are_refused(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "mon wed 06:30 30")
    await rchat.command("remind", "wed mon 6:30am 15")
    assert "You already have that reminder (Mon Wed, 30 minutes before your 06:30 run)" in (
        rchat.last_text()
    )
    for hour in range(1, 20):
        await rchat.command("remind", f"daily {hour:02d}:00 10")
    assert await count(sessions) == 20

    await rchat.command("remind", "sun 21:00")

    assert "You already have 20 reminders" in rchat.last_text()
    assert await count(sessions) == 20


async def test_list_pause_resume_edit_delete(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "tue thu 07:00 30")
    await rchat.command("reminders")
    assert "Your reminders (1 of 20), in Europe/London time:" in rchat.all_text()
    assert "Tue Thu, 30 minutes before your 07:00 run. Next: Tue 24 Nov at 06:30." in (
        rchat.last_text()
    )
    pause = rchat.button("Pause")

    await rchat.press("Pause")
    assert "Paused: Tue Thu" in rchat.last_text()
    assert (await reminders(sessions))[0].status == "paused"
    again = await rchat.press_payload(pause.payload)
    assert again.notice == "That reminder is already paused."
    assert not again.accepted

    await rchat.command("reminders")
    assert "Tue Thu, 30 minutes before your 07:00 run. Paused." in rchat.last_text()
    clock.advance(days=2)  # Wednesday 25th: Tuesday's run went by while paused
    await rchat.press("Resume")
    assert "Next reminder: Thu 26 Nov at 06:30" in rchat.last_text()

    await rchat.command("reminders")
    await rchat.press("Edit")
    assert "Let's change Tue Thu" in rchat.all_text()
    await rchat.press("Done")
    await rchat.press("07:00")  # keep the time
    await rchat.press("15 min")
    await rchat.press("Save")
    assert "Updated: I'll remind you Tue Thu, 15 minutes before your 07:00 run." in (
        rchat.last_text()
    )
    [edited] = await reminders(sessions)
    assert edited.lead_minutes == 15
    assert edited.next_fire_at == datetime(2026, 11, 26, 6, 45, tzinfo=UTC)

    await rchat.command("reminders")
    delete = rchat.button("Delete")
    await rchat.press("Delete")
    assert "Deleted: Tue Thu, 15 minutes before your 07:00 run." in rchat.last_text()
    assert await count(sessions) == 0
    gone = await rchat.press_payload(delete.payload)
    assert "doesn't exist any more" in (gone.notice or "")


async def test_a_foreign_reminder_id_is_never_touched(
    rcoach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    alice = Chat(rcoach)
    await ready_chat(alice)
    await alice.command("remind", "mon 07:00")
    bob = Chat(rcoach, key=alice.key.__class__("terminal", "chat-2", "user-2"))
    await ready_chat(bob)
    [owned] = await reminders(sessions)
    from bot.core import payloads

    forged = payloads.process_buttons().encode("user-2", payloads.ANY_SCOPE, f"rem.del.{owned.id}")
    outcome = await bob.press_payload(forged)

    assert "doesn't exist any more" in (outcome.notice or "")
    assert await count(sessions) == 1


async def test_timezone_by_typo_city_and_local_time(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await rchat.command("start")
    await rchat.press("I understand")

    await rchat.command("timezone", "Europe/Lodnon")
    assert 'I don\'t know "Europe/Lodnon" as a time zone. Did you mean' in rchat.last_text()
    await rchat.press("Europe/London")
    assert "Got it: Europe/London." in rchat.last_text()

    await rchat.command("timezone", "Mars/Olympus")
    assert 'I don\'t know "Mars/Olympus" as a time zone. Try a city' in rchat.last_text()

    await rchat.command("timezone")
    assert "Your time zone is Europe/London; it's 06:00 there now." in rchat.all_text()
    await rchat.say("11:32")  # 06:00 UTC → +05:30
    assert "At 11:32 you could be in any of these" in rchat.last_text()
    await rchat.press("Asia/Kolkata")
    assert "Got it: Asia/Kolkata. It's 11:30 there now." in rchat.last_text()

    await rchat.command("timezone", "25:99")
    assert '"25:99" isn\'t a time' in rchat.last_text()
    await rchat.command("timezone", "new york")
    assert "Got it: America/New_York. It's 01:00 there now." in rchat.last_text()
    async with sessions() as session:
        assert await session.scalar(select(User.time_zone)) == "America/New_York"


async def test_changing_zone_moves_the_reminders(
    rchat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await ready_chat(rchat, "Europe/London")
    await rchat.command("remind", "daily 07:00 30")
    assert (await reminders(sessions))[0].next_fire_at == datetime(2026, 11, 23, 6, 30, tzinfo=UTC)

    await rchat.command("timezone", "Australia/Sydney")

    assert "Your reminder now follows Australia/Sydney time." in rchat.last_text()
    [moved] = await reminders(sessions)
    assert moved.time_zone == "Australia/Sydney"
    # 06:30 on Tuesday in Sydney (+11:00 in summer) is 19:30 UTC on Monday.
    assert moved.next_fire_at == datetime(2026, 11, 23, 19, 30, tzinfo=UTC)


async def test_reminder_changes_wake_the_scheduler_after_commit(
    rchat: Chat, options: ReminderOptions
) -> None:
    heard: list[datetime] = []
    options.wakeup.subscribe(heard.append)
    await ready_chat(rchat)

    await rchat.command("remind", "today 08:00 15")
    await rchat.command("remind", "today 25:00")  # refused: no wake-up

    assert heard == [datetime(2026, 11, 23, 7, 45, tzinfo=UTC)]
    assert timedelta(0) < heard[0] - datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "said"),
    [("pause it", "Paused: Mon"), ("delete it", "Deleted: Mon"), ("stop it", "Paused: Mon")],
)
async def test_a_list_of_one_reminder_takes_its_buttons_in_words(
    chat: Chat, typed: str, said: str
) -> None:
    await ready_chat(chat)
    await chat.command("remind", "mon 07:00")
    await chat.command("reminders")
    await chat.say(typed)
    assert chat.last_text().startswith(said)


async def test_pause_it_without_a_list_just_shown_pauses_nothing(chat: Chat) -> None:
    await ready_chat(chat)
    await chat.command("remind", "mon 07:00")
    await chat.command("reminders")
    await chat.say("thanks")
    await chat.say("pause it")
    assert "Paused" not in chat.last_text()
