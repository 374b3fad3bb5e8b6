"""Helpers for reminder tests: a recording adapter, clocks, and a coach wired for reminders."""

from __future__ import annotations

import asyncio
import io
import os
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import UnreachableMarker, build_coach, build_dispatcher
from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import ConversationKey, Reply
from bot.core.ports import Adapter, Clock
from bot.features.reminders.dispatcher import Dispatcher, DispatchSettings
from bot.features.reminders.models import Reminder, ReminderDelivery
from bot.features.reminders.options import ReminderOptions
from bot.storage.database import SqlDatabase
from bot.storage.models import User
from bot.testing import Chat, RecordingAdapter


class RunningClock:
    """Real time, shifted to a chosen moment: APScheduler's timers and the coach agree."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)


def reminder_coach(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: Clock,
    options: ReminderOptions | None = None,
) -> Coach:
    return build_coach(sessions, content, clock=clock, options=options)


def dispatcher_for(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    adapter: RecordingAdapter,
    clock: Clock,
    *,
    grace_minutes: int = 15,
    mark_unreachable: bool = False,
    takeover_at_start: bool = False,
    lease: timedelta = timedelta(seconds=30),
    concurrency: int = 32,
    worker: str | None = None,
) -> Dispatcher:
    marker = UnreachableMarker(SqlDatabase(sessions), clock)

    async def unreachable(key: ConversationKey) -> None:
        await marker.mark(key.platform, user_id=key.user_id, chat_id=key.chat_id)

    return build_dispatcher(
        sessions,
        content,
        [adapter],
        clock,
        DispatchSettings(
            grace=timedelta(minutes=grace_minutes),
            batch_size=50,
            concurrency=concurrency,
            lease=lease,
        ),
        on_unreachable=unreachable if mark_unreachable else None,
        takeover_at_start=takeover_at_start,
        worker=worker,
    )


async def ready_chat(chat: Chat, zone: str = "Europe/London") -> None:
    """Past the safety note and with a time zone, as most reminder tests start."""
    await chat.command("start")
    await chat.press("I understand")
    await chat.command("timezone", zone)


async def reminders(sessions: async_sessionmaker[AsyncSession]) -> list[Reminder]:
    async with sessions() as session:
        return list(await session.scalars(select(Reminder).order_by(Reminder.id)))


async def deliveries(sessions: async_sessionmaker[AsyncSession]) -> list[ReminderDelivery]:
    """The reminders' own deliveries (after-run check-in questions left out)."""
    async with sessions() as session:
        return list(
            await session.scalars(
                select(ReminderDelivery)
                .where(ReminderDelivery.kind != "checkin")
                .order_by(ReminderDelivery.id)
            )
        )


def at(text: str) -> datetime:
    """A UTC instant from ``YYYY-MM-DD HH:MM``."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


class WatchedOutput(io.StringIO):
    """A terminal's stdout that lets a test await a line instead of sleeping."""

    def __init__(self) -> None:
        super().__init__()
        self._changed = asyncio.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        self._changed.set()
        return written

    async def wait_for(self, text: str, seconds: float = 10.0) -> None:
        async with asyncio.timeout(seconds):
            while text not in self.getvalue():
                self._changed.clear()
                await self._changed.wait()


class Arrivals:
    """Wraps an adapter: notes when (by the test clock) each proactive message arrived."""

    def __init__(self, inner: Adapter, clock: Clock) -> None:
        self.inner = inner
        self.clock = clock
        self.name = inner.name
        self.times: list[datetime] = []
        self.arrived = asyncio.Event()

    @property
    def connected(self) -> bool:
        return self.inner.connected

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def send(self, key: ConversationKey, reply: Reply, *, bulk: bool = False) -> None:
        await self.inner.send(key, reply, bulk=bulk)
        self.times.append(self.clock.now())
        self.arrived.set()


class PipeInput:
    """The read end of a pipe as a terminal's stdin, typed into while the chat runs.

    The event loop closes a pipe it has finished reading; this one stays open until
    the test closes it, so the chat can end without touching a closed descriptor.
    """

    def __init__(self) -> None:
        self._read, self._write = os.pipe()

    def fileno(self) -> int:
        return self._read

    def isatty(self) -> bool:
        return False

    def close(self) -> None:
        """Left to ``shut``."""

    def type(self, text: str) -> None:
        os.write(self._write, text.encode())

    def end(self) -> None:
        os.close(self._write)

    def shut(self) -> None:
        os.close(self._read)


async def seed_daily_reminders(engine: AsyncEngine, runners: int, due: datetime) -> None:
    """``runners`` terminal runners (user ids 1..N, chats c0..), each with a daily 07:00
    London reminder next due at ``due``, written straight to the tables."""
    async with engine.begin() as connection:
        await connection.execute(
            insert(User),
            [
                {"platform": "terminal", "platform_user_id": f"u{n}", "created_at": due}
                for n in range(runners)
            ],
        )
        await connection.execute(
            insert(Reminder),
            [
                {
                    "user_id": n + 1,
                    "platform": "terminal",
                    "chat_id": f"c{n}",
                    "weekdays": "0123456",
                    "run_time": "07:00",
                    "lead_minutes": 30,
                    "time_zone": "Europe/London",
                    "status": "active",
                    "next_fire_at": due,
                    "created_at": due,
                    "updated_at": due,
                }
                for n in range(runners)
            ],
        )
