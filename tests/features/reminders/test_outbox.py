"""Reminders as an outbox: claimed under a lease, marked sent as they go, sent again after a
crash (saying it may be a repeat), released on a stop, and counted exactly when too late."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_dispatcher
from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import ConversationKey, Reply
from bot.core.ports import Clock
from bot.features.reminders.options import ReminderOptions
from bot.features.reminders.scheduler import ReminderScheduler
from bot.testing import Chat, FakeClock, RecordingAdapter
from tests.features.reminders.harness import (
    RunningClock,
    deliveries,
    dispatcher_for,
    ready_chat,
    reminder_coach,
    reminders,
)

FIRE = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # "daily 08:00" in London, 30 min before
MESSAGE = "Your run is at 08:00: time to loosen your hips."
REPEAT = "This may be a repeat: I restarted while sending reminders."
LOGGER = "bot.features.reminders.dispatcher"


class Gate(RecordingAdapter):
    """Delivers the first ``through`` sends, then holds every later one until opened
    (``None``: holds none); a send held when the test cancels the pass never arrives."""

    def __init__(self, clock: Clock, through: int | None = None) -> None:
        super().__init__(clock)
        self.through = through
        self.opened = asyncio.Event()
        self.holding = asyncio.Event()

    async def send(self, key: ConversationKey, reply: Reply, *, bulk: bool = False) -> None:
        if self.through is not None and len(self.sent) >= self.through:
            self.holding.set()
            await self.opened.wait()
        await super().send(key, reply, bulk=bulk)


@pytest.fixture
def rcoach(sessions: async_sessionmaker[AsyncSession], content: Content, clock: FakeClock) -> Coach:
    return reminder_coach(sessions, content, clock, ReminderOptions())


async def runners(coach: Coach, count: int) -> None:
    for number in range(count):
        chat = Chat(coach, key=ConversationKey("terminal", f"chat-{number}", f"user-{number}"))
        await ready_chat(chat)
        await chat.command("remind", "daily 08:00")


async def killed_while_sending(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
    *,
    delivered: int,
    concurrency: int = 1,
) -> Gate:
    """A process whose pass delivers ``delivered`` reminders and is then killed mid-send."""
    gate = Gate(clock, through=delivered)
    doomed = dispatcher_for(sessions, content, gate, clock, concurrency=concurrency)
    task = asyncio.create_task(doomed.run_once())
    await gate.holding.wait()
    task.cancel()  # as kill -9 would: nothing after this point is written
    with pytest.raises(asyncio.CancelledError):
        await task
    return gate


async def test_a_crash_mid_send_sends_it_again_saying_it_may_be_a_repeat(
    rcoach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await runners(rcoach, 1)
    clock.current = FIRE
    gate = await killed_while_sending(sessions, content, clock, delivered=0)
    [row] = await deliveries(sessions)
    assert (row.status, row.attempts) == ("claimed", 1)  # attempted, outcome unknown

    clock.advance(seconds=10)  # the restart, while the dead process's lease still runs
    adapter = RecordingAdapter(clock)
    restarted = dispatcher_for(sessions, content, adapter, clock, takeover_at_start=True)
    sent = REGISTRY.get_sample_value("hipcoach_reminders_total", {"outcome": "sent"}) or 0
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert await restarted.recover() == 0
        report = await restarted.run_once()
    assert REGISTRY.get_sample_value("hipcoach_reminders_total", {"outcome": "sent"}) == sent + 1

    assert gate.sent == []
    assert (report.sent, report.resent, report.lost) == (1, 1, 0)
    assert adapter.texts() == [f"{MESSAGE}\n{REPEAT}"]
    assert "reminder_claims_taken_over count=1" in caplog.text  # SQLite: no wait for the lease
    assert "reminders_lost_in_crash" not in caplog.text
    [row] = await deliveries(sessions)
    assert (row.status, row.attempts, row.lease_until) == ("sent", 2, None)
    assert row.claimed_by == restarted.worker  # who sent it
    clock.current = FIRE + timedelta(days=1)
    assert (await restarted.run_once()).sent == 1  # the next day's goes out as usual


async def test_each_send_is_marked_as_it_goes_so_a_crash_repeats_only_the_one_in_flight(
    rcoach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
) -> None:
    await runners(rcoach, 5)
    clock.current = FIRE
    gate = await killed_while_sending(sessions, content, clock, delivered=3)

    rows = await deliveries(sessions)
    assert sorted((row.status, row.attempts) for row in rows) == [
        ("claimed", 0),  # claimed, never handed over
        ("claimed", 1),  # in flight at the kill
        ("sent", 1),
        ("sent", 1),
        ("sent", 1),
    ]
    adapter = RecordingAdapter(clock)
    restarted = dispatcher_for(sessions, content, adapter, clock, takeover_at_start=True)
    await restarted.recover()
    await restarted.run_once()

    first = {item.key.chat_id for item in gate.sent}
    again = {item.key.chat_id: item.reply.text for item in adapter.sent}
    assert len(first) == 3
    assert set(again) | first == {f"chat-{n}" for n in range(5)}
    assert not set(again) & first  # nothing marked sent goes out twice
    in_flight = next(row.reminder_id for row in rows if row.attempts == 1 and row.status != "sent")
    untouched = next(row.reminder_id for row in rows if row.attempts == 0)
    assert again[f"chat-{in_flight - 1}"] == f"{MESSAGE}\n{REPEAT}"
    assert again[f"chat-{untouched - 1}"] == MESSAGE  # never tried: no repeat line
    assert {row.status for row in await deliveries(sessions)} == {"sent"}


async def test_past_the_grace_window_a_crashed_claim_is_counted_lost_at_once_and_exactly(
    rcoach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await runners(rcoach, 3)
    clock.current = FIRE
    await killed_while_sending(sessions, content, clock, delivered=1)
    counted = REGISTRY.get_sample_value("hipcoach_reminders_total", {"outcome": "lost"}) or 0

    clock.advance(minutes=20)  # down longer than the 15-minute grace window
    adapter = RecordingAdapter(clock)
    restarted = dispatcher_for(sessions, content, adapter, clock, takeover_at_start=True)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        lost = await restarted.recover()
        report = await restarted.run_once()
        await restarted.run_once()

    assert lost == 2  # the one in flight and the one never tried; not the one sent
    # The metric says the same, at once.
    assert REGISTRY.get_sample_value("hipcoach_reminders_total", {"outcome": "lost"}) == counted + 2
    assert caplog.text.count("reminders_lost_in_crash") == 1
    assert "reminders_lost_in_crash count=2 grace_minutes=15" in caplog.text
    assert (report.sent, report.lost) == (0, 0)
    assert adapter.sent == []
    assert sorted(row.status for row in await deliveries(sessions)) == ["lost", "lost", "sent"]


async def test_without_takeover_a_claim_waits_for_its_lease_then_goes_out_again(
    rcoach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
) -> None:
    """PostgreSQL: another worker may be alive, so its claims are left until they expire."""
    await runners(rcoach, 1)
    clock.current = FIRE
    await killed_while_sending(sessions, content, clock, delivered=0)
    [row] = await deliveries(sessions)
    assert row.lease_until == FIRE + timedelta(seconds=30)

    adapter = RecordingAdapter(clock)
    other = dispatcher_for(sessions, content, adapter, clock)
    clock.advance(seconds=10)
    await other.recover()
    assert (await other.run_once()).sent == 0  # still the first worker's
    assert await other.earliest() == FIRE + timedelta(seconds=30)  # it wakes for the expiry

    clock.current = FIRE + timedelta(seconds=30)
    report = await other.run_once()
    assert (report.sent, report.resent) == (1, 1)
    assert adapter.texts() == [f"{MESSAGE}\n{REPEAT}"]


async def test_a_live_worker_renews_its_leases_so_nobody_takes_its_claims(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    clock = RunningClock(FIRE - timedelta(seconds=1))
    await runners(reminder_coach(sessions, content, clock, ReminderOptions()), 1)
    await asyncio.sleep(1.0)
    slow = Gate(clock, through=0)
    lease = timedelta(seconds=0.6)
    first = dispatcher_for(sessions, content, slow, clock, lease=lease)
    working = asyncio.create_task(first.run_once())
    await slow.holding.wait()

    await asyncio.sleep(1.2)  # two leases long: renewed every 0.2 s meanwhile
    other = RecordingAdapter(clock)
    assert (await dispatcher_for(sessions, content, other, clock, lease=lease).run_once()).sent == 0
    slow.opened.set()
    assert (await working).sent == 1
    assert other.sent == []
    assert [row.status for row in await deliveries(sessions)] == ["sent"]


async def test_stopping_finishes_the_send_in_hand_and_releases_the_rest_for_the_next_process(
    rcoach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
) -> None:
    await runners(rcoach, 5)
    clock.current = FIRE
    gate = Gate(clock, through=0)
    stopping = dispatcher_for(sessions, content, gate, clock, concurrency=1)
    working = asyncio.create_task(stopping.run_once())
    await gate.holding.wait()

    stopping.stop_claiming()  # SIGTERM
    gate.opened.set()
    assert (await working).sent == 1
    drained = await stopping.release_held()

    assert (drained.finished, drained.released) == (1, 4)
    rows = await deliveries(sessions)
    assert sorted(row.status for row in rows) == ["released"] * 4 + ["sent"]
    assert {row.claimed_by for row in rows if row.status == "released"} == {None}
    adapter = RecordingAdapter(clock)
    clock.advance(seconds=5)
    following = dispatcher_for(sessions, content, adapter, clock, takeover_at_start=True)
    await following.recover()
    report = await following.run_once()
    assert (report.sent, report.resent) == (4, 0)
    assert adapter.texts() == [MESSAGE] * 4  # never handed over before: no repeat line
    assert {row.status for row in await deliveries(sessions)} == {"sent"}


async def test_a_drain_that_runs_out_releases_the_send_in_flight_as_a_possible_repeat(
    rcoach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await runners(rcoach, 2)
    clock.current = FIRE
    hung = Gate(clock, through=0)  # the platform never answers
    options = ReminderOptions()
    dispatcher = dispatcher_for(sessions, content, hung, clock, concurrency=1)
    scheduler = ReminderScheduler(dispatcher, clock, options.wakeup)
    await scheduler.start()
    await hung.holding.wait()

    with caplog.at_level(logging.INFO, logger="bot.features.reminders.scheduler"):
        drained = await scheduler.stop(drain_seconds=0.2)

    assert (drained.finished, drained.released) == (0, 2)
    assert "reminders_drained finished=0 released=2 cut_short=true" in caplog.text
    adapter = RecordingAdapter(clock)
    following = dispatcher_for(sessions, content, adapter, clock)
    await following.run_once()
    assert sorted(adapter.texts()) == [MESSAGE, f"{MESSAGE}\n{REPEAT}"]


async def test_a_claim_left_behind_for_a_reminder_paused_since_is_not_sent(
    rcoach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
) -> None:
    await runners(rcoach, 1)
    clock.current = FIRE
    await killed_while_sending(sessions, content, clock, delivered=0)
    chat = Chat(rcoach, key=ConversationKey("terminal", "chat-0", "user-0"))
    await chat.command("reminders")
    await chat.press("Pause")

    adapter = RecordingAdapter(clock)
    restarted = dispatcher_for(sessions, content, adapter, clock, takeover_at_start=True)
    await restarted.recover()
    await restarted.run_once()

    assert adapter.sent == []
    assert [row.status for row in await deliveries(sessions)] == ["skipped"]


async def test_a_terminal_session_leaves_another_platforms_claims_and_wake_ups_alone(
    rcoach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
) -> None:
    telegram = Chat(rcoach, key=ConversationKey("telegram", "55", "55"))
    await ready_chat(telegram)
    await telegram.command("remind", "daily 08:00")
    clock.current = FIRE
    gate = Gate(clock, through=0)
    gate.name = "telegram"
    doomed = build_dispatcher(sessions, content, [gate], clock)
    task = asyncio.create_task(doomed.run_once())
    await gate.holding.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    clock.advance(minutes=1)
    terminal = RecordingAdapter(clock)
    console = dispatcher_for(sessions, content, terminal, clock, takeover_at_start=True)
    await console.recover()
    await console.run_once()
    assert await console.earliest() is None  # no wake-up for Telegram's reminders
    [row] = await deliveries(sessions)
    assert (row.status, row.lease_until) == ("claimed", FIRE + timedelta(seconds=30))

    bot = RecordingAdapter(clock)
    bot.name = "telegram"
    restarted = build_dispatcher(sessions, content, [bot], clock, takeover_at_start=True)
    await restarted.recover()
    await restarted.run_once()
    assert bot.texts() == [
        f"{MESSAGE}\nSorry, this comes 1 min late: I was offline for a while.\n{REPEAT}"
    ]
    [stored] = await reminders(sessions)
    assert stored.next_fire_at == FIRE + timedelta(days=1)
