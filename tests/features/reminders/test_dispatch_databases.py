"""Several bot processes on one PostgreSQL database send each occurrence once, and take
over a dead worker's claims once.

(SQLite is one process by design: its connection runs inline on the event loop, see
bot/storage/sqlite_inline.py; two dispatchers sharing it are covered in
tests/features/reminders/test_delivery.py.)
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_dispatcher
from bot.content import Content
from bot.features.reminders.dispatcher import DispatchSettings
from bot.storage.database import create_engine, session_factory
from bot.storage.migrations import upgrade_to_head
from bot.testing import FakeClock, RecordingAdapter
from tests.features.reminders.harness import deliveries, reminders, seed_daily_reminders
from tests.storage.conftest import pg_url  # noqa: F401  (fixture)

DUE = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
RUNNERS = 60


async def three_dispatchers_at_once(url: str, content: Content) -> None:
    """Three engines on one database stand in for three processes."""
    engines = [create_engine(url) for _ in range(3)]
    try:
        await upgrade_to_head(engines[0])
        await seed_daily_reminders(engines[0], RUNNERS, DUE)
        clock = FakeClock(DUE + timedelta(seconds=1))
        adapters = [RecordingAdapter(clock) for _ in engines]
        dispatchers = [
            build_dispatcher(
                session_factory(engine),
                content,
                [adapter],
                clock,
                DispatchSettings(batch_size=7, concurrency=3),
            )
            for engine, adapter in zip(engines, adapters, strict=True)
        ]

        await asyncio.gather(*(d.run_once() for d in dispatchers))
        await asyncio.gather(*(d.run_once() for d in dispatchers))

        chats = sorted(sent.key.chat_id for adapter in adapters for sent in adapter.sent)
        assert chats == sorted(f"c{n}" for n in range(RUNNERS))
        sessions = session_factory(engines[0])
        assert {r.next_fire_at for r in await reminders(sessions)} == {DUE + timedelta(days=1)}
        assert [row.status for row in await deliveries(sessions)] == ["sent"] * RUNNERS
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.mark.postgres
async def test_three_processes_on_postgresql(pg_url: str, content: Content) -> None:  # noqa: F811
    await three_dispatchers_at_once(pg_url, content)


async def left_behind(engine: AsyncEngine) -> int:
    """Every runner's claim held by a worker that died; a third of them past the grace
    window. Returns how many are past it."""
    from sqlalchemy import insert, update

    from bot.features.reminders.models import Reminder, ReminderDelivery

    async with engine.begin() as connection:
        await connection.execute(update(Reminder).values(next_fire_at=DUE + timedelta(days=1)))
        await connection.execute(
            insert(ReminderDelivery),
            [
                {
                    "reminder_id": n + 1,
                    "occurrence_at": DUE - timedelta(minutes=30 if n % 3 == 0 else 1),
                    "kind": "rule",
                    "claimed_at": DUE,
                    "status": "claimed",
                    "claimed_by": "dead-worker",
                    "lease_until": DUE,
                    "attempts": n % 2,
                }
                for n in range(RUNNERS)
            ],
        )
    return sum(1 for n in range(RUNNERS) if n % 3 == 0)


async def three_take_over_at_once(url: str, content: Content, processes: int) -> None:
    """Three dispatchers find the same dead worker's claims: each goes out once, and each
    one past the grace window is counted lost once."""
    engines = [create_engine(url) for _ in range(processes)]
    try:
        await upgrade_to_head(engines[0])
        await seed_daily_reminders(engines[0], RUNNERS, DUE)
        too_late = await left_behind(engines[0])
        clock = FakeClock(DUE + timedelta(seconds=1))
        adapters = [RecordingAdapter(clock) for _ in range(3)]
        dispatchers = [
            build_dispatcher(
                session_factory(engines[n % processes]),
                content,
                [adapter],
                clock,
                DispatchSettings(batch_size=7, concurrency=3),
            )
            for n, adapter in enumerate(adapters)
        ]

        lost = sum(await asyncio.gather(*(d.recover() for d in dispatchers)))
        reports = await asyncio.gather(*(d.run_once() for d in dispatchers))

        chats = sorted(sent.key.chat_id for adapter in adapters for sent in adapter.sent)
        assert chats == sorted(f"c{n}" for n in range(RUNNERS) if n % 3 != 0)
        assert lost + sum(report.lost for report in reports) == too_late
        repeats = [s for a in adapters for s in a.sent if "may be a repeat" in s.reply.text]
        attempted = sorted(f"c{n}" for n in range(RUNNERS) if n % 3 != 0 and n % 2 == 1)
        assert sorted(s.key.chat_id for s in repeats) == attempted
        assert sum(report.resent for report in reports) == len(attempted)
        statuses = [row.status for row in await deliveries(session_factory(engines[0]))]
        assert sorted(set(statuses)) == ["lost", "sent"]
        assert statuses.count("lost") == too_late
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.mark.postgres
async def test_three_processes_take_over_a_dead_workers_claims_once_on_postgresql(
    pg_url: str,  # noqa: F811
    content: Content,
) -> None:
    await three_take_over_at_once(pg_url, content, processes=3)


async def test_three_dispatchers_take_over_a_dead_workers_claims_once_on_sqlite(
    db_url: str, content: Content
) -> None:
    await three_take_over_at_once(db_url, content, processes=1)
