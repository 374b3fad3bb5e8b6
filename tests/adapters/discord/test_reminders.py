"""Reminders on Discord: set in a server, delivered by DM, and paused when DMs are closed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.discord.adapter import DiscordAdapter
from bot.app import (
    Services,
    UnreachableMarker,
    build_discord_adapter,
    build_dispatcher,
    build_reminder_scheduler,
)
from bot.config import Settings
from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import ConversationKey
from bot.features.reminders.options import ReminderOptions
from bot.features.reminders.scheduler import ReminderScheduler
from bot.testing import FakeClock, sessions_of, shipped_content
from tests.adapters.discord_harness import (
    Recorder,
    make_adapter,
    newest_with,
    press_through,
    running,
)
from tests.features.reminders.harness import reminder_coach, reminders
from tests.standins.discord_api import DiscordStandIn
from tests.standins.discord_objects import DcUser, StoredMessage

# 06:57:58 in London: a 07:00 run with a two-minute lead fires at 06:58:00, two seconds
# on, which leaves the conversation that sets it up (a few dozen milliseconds) ample time.
START = datetime(2026, 7, 1, 5, 57, 58, tzinfo=UTC)
REMINDER = "Your run is at 07:00"


class _Clock:
    """Real time from START, counted from ``go()``: starting the bot takes none of it."""

    def __init__(self) -> None:
        self._origin: float | None = None

    def go(self) -> None:
        self._origin = time.monotonic()

    def now(self) -> datetime:
        if self._origin is None:
            return START
        return START + timedelta(seconds=time.monotonic() - self._origin)


@asynccontextmanager
async def _scheduled(
    api: DiscordStandIn,
    coach: Coach,
    recorder: Recorder,
    options: ReminderOptions,
    gave_up: asyncio.Event | None = None,
) -> AsyncIterator[DiscordAdapter]:
    marker = UnreachableMarker(coach.database, coach.clock)

    async def unreachable(key: ConversationKey) -> None:
        await marker.mark(key.platform, chat_id=key.chat_id)
        if gave_up is not None:
            gave_up.set()

    async with running(make_adapter(api, coach, recorder), api) as adapter:
        dispatcher = build_dispatcher(
            sessions_of(coach),
            shipped_content(),
            [adapter],
            coach.clock,
            on_unreachable=unreachable,
        )
        scheduler = ReminderScheduler(dispatcher, coach.clock, options.wakeup)
        await scheduler.start()
        try:
            yield adapter
        finally:
            await scheduler.stop()


async def _remind_from_the_server(
    api: DiscordStandIn, coach: Coach, runner: DcUser, rule: str
) -> None:
    assert isinstance(coach.clock, _Clock)
    coach.clock.go()
    accept = shipped_content().texts.start.accept
    record = await api.command(runner, "start", in_guild=True)
    disclaimer = await newest_with(api, record, accept)
    await api.press(runner, disclaimer, accept)
    record = await api.command(runner, "remind", rule, in_guild=True)
    zones = await newest_with(api, record, "London")
    confirmed = await api.press(runner, zones, "London")
    await api.wait_until(
        lambda: any("First reminder: Wed 1 Jul" in m.content for m in api.replies(confirmed))
    )


def _dm_containing(
    api: DiscordStandIn, runner: DcUser, text: str
) -> Callable[[], StoredMessage | None]:
    def find() -> StoredMessage | None:
        for message in api.from_bot(api.dm_channel(runner), seen_by=runner):
            if text in message.content:
                return message
        return None

    return find


async def test_a_reminder_set_in_a_server_comes_by_dm_and_starts_the_warm_up(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    options = ReminderOptions()
    coach = reminder_coach(sessions, content, _Clock(), options)
    async with DiscordStandIn() as api:
        runner = api.user("ann")
        async with _scheduled(api, coach, Recorder(coach), options):
            await _remind_from_the_server(api, coach, runner, "today 07:00 2")
            find = _dm_containing(api, runner, REMINDER)
            await api.wait_until(lambda: find() is not None)
            reminder = find()
            assert reminder is not None
            assert reminder.labels() == ["Start warm-up", "Snooze 10 min", "Skip today"]
            soreness_label = content.routine.soreness_choices[0].label
            await press_through(api, runner, reminder, "Start warm-up", soreness_label)
        assert not any(REMINDER in m.content for m in api.from_bot(api.channel, seen_by=runner))
        assert api.violations == []
        assert api.late_interactions() == []


async def test_closed_dms_pause_the_reminders_until_the_runner_is_back(
    sessions: async_sessionmaker[AsyncSession], content: Content
) -> None:
    options = ReminderOptions()
    coach = reminder_coach(sessions, content, _Clock(), options)
    recorder = Recorder(coach)
    async with DiscordStandIn() as api:
        runner = api.user("ann")
        api.unreachable.add(runner.id)
        gave_up = asyncio.Event()
        async with _scheduled(api, coach, recorder, options, gave_up):
            await _remind_from_the_server(api, coach, runner, "daily 07:00 2")
            await gave_up.wait()
            # The adapter told the core about the user, not just about this chat.
            assert [k.user_id for k in recorder.unreachable] == [str(runner.id)]
            [paused] = await reminders(sessions)
            assert (paused.status, paused.paused_reason) == ("paused", "unreachable")

            api.unreachable.clear()
            record = await api.command(runner, "start")  # back, in a DM this time
            await api.wait_until(lambda: bool(api.replies(record)))
            [resumed] = await reminders(sessions)
            assert resumed.status == "active"
        assert [c.status for c in api.calls("POST", "/channels/{channel_id}/messages")] == [403]
        assert api.violations == []
        assert api.late_interactions() == []


async def test_a_reminder_refused_by_closed_dms_is_reported_once_and_pauses_only_that_runner(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # 06:00 in London
    coach = reminder_coach(sessions, content, clock)
    told: list[tuple[str | None, str | None]] = []
    mark = UnreachableMarker.mark

    async def counted(
        self: UnreachableMarker,
        platform: str,
        *,
        user_id: str | None = None,
        chat_id: str | None = None,
    ) -> None:
        told.append((user_id, chat_id))
        await mark(self, platform, user_id=user_id, chat_id=chat_id)

    monkeypatch.setattr(UnreachableMarker, "mark", counted)
    async with DiscordStandIn() as api:
        services = Services(
            Settings.model_validate(
                {
                    "discord_token": api.token,
                    "discord_api_url": api.api_url,
                    "discord_gateway_url": api.gateway_url,
                }
            ),
            engine=None,  # type: ignore[arg-type]
            sessions=sessions,
            content=content,
            coach=coach,
        )
        adapter = build_discord_adapter(services)
        assert isinstance(adapter, DiscordAdapter)
        ann, bo = api.user("ann"), api.user("bo")
        async with running(adapter, api):
            # Two runners set reminders in the same server channel; Ann's DMs are closed.
            await _remind_in_the_server(api, content, ann, "daily 07:00 2")
            await _remind_in_the_server(api, content, bo, "daily 07:00 2")
            api.unreachable.add(ann.id)
            clock.advance(minutes=58)
            dispatcher = build_reminder_scheduler(services, [adapter]).dispatcher
            report = await dispatcher.run_once()
        assert (report.sent, report.unreachable) == (1, 1)
        assert told == [(str(ann.id), str(api.dm_channel(ann).id))]
        assert [(r.status, r.paused_reason) for r in await reminders(sessions)] == [
            ("paused", "unreachable"),
            ("active", None),
        ]
        assert len(api.from_bot(api.dm_channel(bo), seen_by=bo)) == 1
        assert api.violations == []
        assert api.late_interactions() == []


async def _remind_in_the_server(
    api: DiscordStandIn, content: Content, runner: DcUser, rule: str
) -> None:
    accept = content.texts.start.accept
    record = await api.command(runner, "start", in_guild=True)
    disclaimer = await newest_with(api, record, accept)
    await api.press(runner, disclaimer, accept)
    record = await api.command(runner, "remind", rule, in_guild=True)
    zones = await newest_with(api, record, "London")
    confirmed = await api.press(runner, zones, "London")
    await api.wait_until(
        lambda: any("First reminder:" in m.content for m in api.replies(confirmed))
    )
