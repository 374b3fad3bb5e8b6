"""Reminders going out: on time, once, late within grace, never as a burst, and their buttons."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import ChoiceMade, ConversationKey, Reply
from bot.features.reminders.dispatcher import Dispatcher
from bot.features.reminders.options import ReminderOptions
from bot.features.tight.store import TightReportRepository
from bot.storage.models import User
from bot.testing import Chat, FakeClock, RecordingAdapter
from tests.features.reminders.harness import (
    deliveries,
    dispatcher_for,
    ready_chat,
    reminder_coach,
    reminders,
)

# FakeClock starts on Monday 23 November 2026, 06:00 UTC, which is 06:00 in London.
FIRE = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # "today 08:00" with the default 30 min


@pytest.fixture
def rcoach(sessions: async_sessionmaker[AsyncSession], content: Content, clock: FakeClock) -> Coach:
    return reminder_coach(sessions, content, clock, ReminderOptions())


@pytest.fixture
def rchat(rcoach: Coach) -> Chat:
    return Chat(rcoach)


@pytest.fixture
def adapter(clock: FakeClock) -> RecordingAdapter:
    return RecordingAdapter(clock)


@pytest.fixture
def dispatcher(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    adapter: RecordingAdapter,
    clock: FakeClock,
    rcoach: Coach,
) -> Dispatcher:
    return dispatcher_for(sessions, content, adapter, clock, mark_unreachable=True)


async def deliver_to(chat: Chat, reply: Reply) -> None:
    """Put a delivered reminder into the chat's history so its buttons can be pressed."""
    from bot.core.messages import Outcome

    chat.outcomes.append(Outcome(replies=(reply,)))


async def test_a_reminder_fires_once_at_its_time_with_its_buttons(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "daily 08:00")

    clock.current = FIRE - timedelta(seconds=1)
    assert (await dispatcher.run_once()).sent == 0
    clock.current = FIRE
    report = await dispatcher.run_once()
    again = await dispatcher.run_once()

    assert (report.sent, again.sent) == (1, 0)
    [message] = adapter.sent
    assert message.key == ConversationKey("terminal", "chat-1", "user-1")
    assert message.bulk
    assert message.reply.text == "Your run is at 08:00: time to loosen your hips."
    assert [c.label for c in message.reply.choices] == [
        "Start warm-up",
        "Snooze 10 min",
        "Skip today",
    ]
    [stored] = await reminders(sessions)
    assert stored.next_fire_at == FIRE + timedelta(days=1)
    [row] = await deliveries(sessions)
    assert (row.status, row.occurrence_at, row.sent_at) == ("sent", FIRE, FIRE)


async def test_restart_inside_the_grace_window_sends_late_with_a_note(
    rchat: Chat,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    adapter: RecordingAdapter,
    clock: FakeClock,
    rcoach: Coach,
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "daily 08:00")

    clock.current = FIRE + timedelta(minutes=12)  # the bot was down over the fire time
    restarted = dispatcher_for(sessions, content, adapter, clock, mark_unreachable=True)
    await restarted.recover()
    report = await restarted.run_once()

    assert report.sent == 1
    assert adapter.texts() == [
        "Your run is at 08:00: time to loosen your hips.\n"
        "Sorry, this comes 12 min late: I was offline for a while."
    ]


async def test_restart_outside_the_grace_window_skips_and_logs_without_a_burst(
    rchat: Chat,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    adapter: RecordingAdapter,
    clock: FakeClock,
    rcoach: Coach,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "daily 08:00")
    await rchat.command("remind", "daily 09:00")

    clock.current = FIRE + timedelta(days=3, minutes=70)  # down for three days
    restarted = dispatcher_for(sessions, content, adapter, clock, mark_unreachable=True)
    with caplog.at_level(logging.INFO, logger="bot.features.reminders.dispatcher"):
        report = await restarted.run_once()

    # 09:00's reminder (08:30) is 10 minutes old on the fourth day: sent late; 08:00's is not.
    assert report.skipped == 2
    assert adapter.texts() == [
        "Your run is at 09:00: time to loosen your hips.\n"
        "Sorry, this comes 10 min late: I was offline for a while."
    ]
    assert caplog.text.count("reminder_skipped") == 2
    first, second = await reminders(sessions)
    assert first.next_fire_at == FIRE + timedelta(days=4)
    assert second.next_fire_at == FIRE + timedelta(days=4, hours=1)
    rows = await deliveries(sessions)
    assert sorted(row.status for row in rows) == ["sent", "skipped", "skipped"]


async def test_two_dispatchers_on_one_database_send_each_occurrence_once(
    rcoach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
) -> None:
    for number in range(30):
        chat = Chat(rcoach, key=ConversationKey("terminal", f"chat-{number}", f"user-{number}"))
        await ready_chat(chat)
        await chat.command("remind", "daily 08:00")
    clock.current = FIRE
    first, second = RecordingAdapter(clock), RecordingAdapter(clock)

    await asyncio.gather(
        dispatcher_for(sessions, content, first, clock).run_once(),
        dispatcher_for(sessions, content, second, clock).run_once(),
    )

    chats = [item.key.chat_id for item in first.sent + second.sent]
    assert sorted(chats) == sorted(f"chat-{n}" for n in range(30))


async def test_snooze_sends_again_and_refuses_old_or_double_presses(
    rchat: Chat, dispatcher: Dispatcher, adapter: RecordingAdapter, clock: FakeClock
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "daily 08:00")
    clock.current = FIRE
    await dispatcher.run_once()
    first = adapter.sent[-1].reply
    await deliver_to(rchat, first)

    await rchat.press("Snooze 10 min")
    assert rchat.last_text() == "Okay, I'll remind you again at 07:40."
    again = await rchat.send(ChoiceMade(first.choices[1].payload))
    assert again.notice == "Already snoozed: I'll remind you again at 07:40."

    clock.advance(minutes=9)
    assert (await dispatcher.run_once()).sent == 0
    clock.advance(minutes=1)
    assert (await dispatcher.run_once()).sent == 1
    assert adapter.sent[-1].reply.text == "Your run is at 08:00: time to loosen your hips."

    stale = await rchat.send(ChoiceMade(first.choices[1].payload))
    assert stale.notice == (
        "That reminder is from an earlier run, so there's nothing to change any more."
    )
    await deliver_to(rchat, adapter.sent[-1].reply)
    await rchat.press("Snooze 10 min")
    assert rchat.last_text() == "Okay, I'll remind you again at 07:50."


async def test_skip_today_cancels_a_pending_snooze(
    rchat: Chat, dispatcher: Dispatcher, adapter: RecordingAdapter, clock: FakeClock
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "mon wed 08:00")
    clock.current = FIRE
    await dispatcher.run_once()
    await deliver_to(rchat, adapter.sent[-1].reply)
    snooze = rchat.button("Snooze 10 min")
    await rchat.press("Snooze 10 min")

    await rchat.send(ChoiceMade(rchat.button("Skip today").payload))
    clock.advance(minutes=15)

    assert rchat.last_text() == "Okay, no run this time. Next reminder: Wed 25 Nov at 07:30."
    assert (await dispatcher.run_once()).sent == 0
    assert len(adapter.sent) == 1
    assert snooze.payload  # the old snooze button stays pressable but finds nothing to do


async def test_snooze_or_skip_on_a_deleted_reminder_says_so_and_changes_nothing(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "daily 08:00")
    clock.current = FIRE
    await dispatcher.run_once()
    delivered = adapter.sent[-1].reply
    await rchat.command("reminders")
    await rchat.press("Delete")

    await deliver_to(rchat, delivered)
    snoozed = await rchat.press("Snooze 10 min")
    skipped = await rchat.press("Skip today")

    for outcome in (snoozed, skipped):
        assert outcome.notice is not None
        assert outcome.notice.startswith("That reminder has been deleted")
        assert not outcome.accepted
    assert await reminders(sessions) == []
    clock.advance(minutes=10)
    assert (await dispatcher.run_once()).sent == 0


async def test_a_fired_one_off_can_be_snoozed_once_more(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "today 08:00")
    clock.current = FIRE
    await dispatcher.run_once()
    await rchat.command("reminders")
    assert "You have no reminders yet" in rchat.last_text()  # a fired one-off is finished

    await deliver_to(rchat, adapter.sent[-1].reply)
    await rchat.press("Snooze 10 min")
    clock.advance(minutes=10)

    assert (await dispatcher.run_once()).sent == 1
    [one_off] = await reminders(sessions)
    assert one_off.status == "done"
    assert len(adapter.sent) == 2


async def test_paused_reminders_stay_quiet_until_resumed(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "daily 08:00")
    await rchat.command("reminders")
    await rchat.press("Pause")

    clock.current = FIRE + timedelta(days=2)
    assert (await dispatcher.run_once()).sent == 0
    await rchat.command("reminders")
    await rchat.press("Resume")
    assert "Next reminder: Thu 26 Nov at 07:30" in rchat.last_text()

    clock.current = FIRE + timedelta(days=3)
    assert (await dispatcher.run_once()).sent == 1
    assert [row.status for row in await deliveries(sessions)] == ["sent"]


async def test_start_warm_up_begins_the_warm_up(
    rchat: Chat, dispatcher: Dispatcher, adapter: RecordingAdapter, clock: FakeClock
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "daily 08:00")
    clock.current = FIRE
    await dispatcher.run_once()
    await deliver_to(rchat, adapter.sent[-1].reply)

    await rchat.press("Start warm-up")

    assert "how do your hips feel today?" in rchat.last_text()


async def test_an_unreachable_chat_pauses_its_reminders_until_start(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "daily 08:00")
    await rchat.command("remind", "daily 09:00")
    adapter.unreachable_chats.add("chat-1")

    clock.current = FIRE
    report = await dispatcher.run_once()

    assert report.unreachable == 1
    assert {(r.status, r.paused_reason) for r in await reminders(sessions)} == {
        ("paused", "unreachable")
    }
    clock.current = FIRE + timedelta(days=1)
    assert (await dispatcher.run_once()).sent == 0

    adapter.unreachable_chats.clear()
    await rchat.command("start")
    assert {r.status for r in await reminders(sessions)} == {"active"}
    await rchat.command("reminders")
    assert "Next: Tue 24 Nov at 08:30." in rchat.all_text()
    clock.current = FIRE + timedelta(days=1, hours=1)
    assert (await dispatcher.run_once()).sent == 1


async def test_a_failed_send_is_recorded_and_not_retried(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "daily 08:00")
    adapter.failing_chats.add("chat-1")
    clock.current = FIRE

    report = await dispatcher.run_once()
    clock.advance(minutes=1)
    later = await dispatcher.run_once()

    assert (report.failed, later.sent, later.failed) == (1, 0, 0)
    assert [row.status for row in await deliveries(sessions)] == ["failed"]


async def test_platforms_without_an_adapter_are_left_alone(
    rcoach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    dispatcher: Dispatcher,
    clock: FakeClock,
) -> None:
    telegram = Chat(rcoach, key=ConversationKey("telegram", "55", "55"))
    await ready_chat(telegram)
    await telegram.command("remind", "daily 08:00")
    clock.current = FIRE

    assert (await dispatcher.run_once()).sent == 0
    [untouched] = await reminders(sessions)
    assert untouched.next_fire_at == FIRE


async def test_the_reminder_names_recent_tight_spots(
    rchat: Chat,
    dispatcher: Dispatcher,
    adapter: RecordingAdapter,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ready_chat(rchat)
    await rchat.command("remind", "daily 08:00")
    async with sessions() as session, session.begin():
        user = await session.scalar(select(User))
        assert user is not None
        reports = TightReportRepository(session)
        old = clock.now() - timedelta(days=20)
        await reports.add(user.id, [("calves", None)], "tightness", None, "calves", old)
        for area in ("glutes", "quads", "glutes"):
            await reports.add(user.id, [(area, "left")], "tightness", None, area, clock.now())

    clock.current = FIRE
    await dispatcher.run_once()

    assert adapter.texts() == [
        "Your run is at 08:00: time to loosen your hips.\n"
        "Lately you've mentioned your glute and quad: go gently there in the warm-up."
    ]
