"""Club messages with several dispatchers on one PostgreSQL database (several bot
processes): each club's invite and summary go out once, and a dead worker's claim is
taken over once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_dispatcher
from bot.content import Content
from bot.features.clubs.models import Club, ClubDelivery, ClubRun
from bot.features.clubs.outbox import ClubOutbox
from bot.features.reminders.dispatcher import DispatchSettings
from bot.features.reminders.outbox import worker_id
from bot.storage.database import create_engine, session_factory
from bot.storage.migrations import upgrade_to_head
from bot.storage.workers import WorkerRegistry
from bot.testing import FakeClock, RecordingAdapter
from tests.storage.conftest import pg_url  # noqa: F401  (fixture)

INVITE_AT = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)  # Saturday, for a 08:00 run
CLUBS = 30


async def seed(engine: AsyncEngine) -> None:
    created = INVITE_AT - timedelta(days=1)
    async with engine.begin() as connection:
        await connection.execute(
            insert(Club),
            [
                {
                    "id": n + 1,
                    "platform": "terminal",
                    "chat_id": f"g{n}",
                    "space": f"g{n}",
                    "status": "active",
                    "weekly_summary": True,
                    "summary_zone": "Europe/London",
                    "next_summary_at": INVITE_AT,
                    "created_at": created,
                    "updated_at": created,
                }
                for n in range(CLUBS)
            ],
        )
        await connection.execute(
            insert(ClubRun),
            [
                {
                    "club_id": n + 1,
                    "weekdays": "5",
                    "run_time": "08:00",
                    "time_zone": "Europe/London",
                    "lead_minutes": 30,
                    "next_fire_at": INVITE_AT,
                    "created_at": created,
                }
                for n in range(CLUBS)
            ],
        )


@pytest.mark.postgres
async def test_three_processes_post_each_club_message_once(
    pg_url: str,  # noqa: F811
    content: Content,
) -> None:
    engines = [create_engine(pg_url) for _ in range(3)]
    try:
        await upgrade_to_head(engines[0])
        await seed(engines[0])
        clock = FakeClock(INVITE_AT + timedelta(seconds=1))
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
        for _ in range(2):
            await asyncio.gather(*(d.run_once() for d in dispatchers))
        sent = sorted(
            (s.key.chat_id, "invite" if s.reply.choices else "summary")
            for adapter in adapters
            for s in adapter.sent
        )
        assert sent == sorted(
            (f"g{n}", kind) for n in range(CLUBS) for kind in ("invite", "summary")
        )
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.mark.postgres
async def test_a_dead_workers_claim_is_taken_over_once_on_postgresql(
    pg_url: str,  # noqa: F811
    content: Content,
) -> None:
    engines = [create_engine(pg_url) for _ in range(3)]
    try:
        await upgrade_to_head(engines[0])
        await seed(engines[0])
        clock = FakeClock(INVITE_AT + timedelta(seconds=1))
        sessions = [session_factory(engine) for engine in engines]
        dead = build_dispatcher(sessions[0], content, [RecordingAdapter(clock)], clock)
        source = dead.scheduled[0]
        assert isinstance(source, ClubOutbox)
        now = clock.now()
        held = await source.claim(
            ["terminal"], now, "dead", now + timedelta(seconds=30), limit=100, take_over=False
        )
        assert len(held) == 2 * CLUBS
        clock.advance(seconds=40)  # the dead worker's lease has run out
        adapters = [RecordingAdapter(clock) for _ in engines]
        await asyncio.gather(
            *(
                build_dispatcher(s, content, [a], clock).run_once()
                for s, a in zip(sessions, adapters, strict=True)
            )
        )
        assert sum(len(a.sent) for a in adapters) == 2 * CLUBS
        async with sessions[0]() as session:
            statuses = set(await session.scalars(select(ClubDelivery.status)))
        assert statuses == {"sent", "pending"}  # the after-run lines wait for their time
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.mark.postgres
async def test_a_dead_workers_club_messages_go_out_once_before_its_lease_ends(
    pg_url: str,  # noqa: F811
    content: Content,
) -> None:
    engine = create_engine(pg_url)
    left = WorkerRegistry(engine, 902, confirm_after=0.05, watch=False)
    try:
        await upgrade_to_head(engine)
        await seed(engine)
        clock = FakeClock(INVITE_AT + timedelta(seconds=1))
        sessions = session_factory(engine)
        source = build_dispatcher(sessions, content, [RecordingAdapter(clock)], clock).scheduled[0]
        assert isinstance(source, ClubOutbox)
        now = clock.now()
        # Claimed by worker 901, which died (it is not registered) with its lease running.
        held = await source.claim(
            ["terminal"],
            now,
            worker_id(901),
            now + timedelta(seconds=30),
            limit=100,
            take_over=False,
        )
        assert len(held) == 2 * CLUBS
        await left.register()
        adapter = RecordingAdapter(clock)
        dispatcher = build_dispatcher(sessions, content, [adapter], clock, workers=left)
        assert await dispatcher.release_dead_holders() == 2 * CLUBS
        await dispatcher.run_once()
        sent = sorted(
            (s.key.chat_id, "invite" if s.reply.choices else "summary") for s in adapter.sent
        )
        assert sent == sorted(
            (f"g{n}", kind) for n in range(CLUBS) for kind in ("invite", "summary")
        )
    finally:
        await left.unregister()
        await engine.dispose()
