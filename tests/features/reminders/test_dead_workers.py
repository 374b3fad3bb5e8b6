"""A worker holding reminder claims dies, or only looks dead: the runner gets each
reminder once, from the worker left, as soon as the registry confirms the holder dead
(without waiting for its lease).

Two engines and two registrations on one PostgreSQL database stand in for two worker
processes; a registration's session ended by the server is what a killed process leaves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Row, Update, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_dispatcher
from bot.content import Content
from bot.core.ports import Clock
from bot.features.reminders.dispatcher import Dispatcher, DispatchSettings
from bot.storage.database import create_engine, session_factory
from bot.storage.migrations import upgrade_to_head
from bot.storage.workers import WORKER_CLASS, WorkerRegistry
from bot.testing import FakeClock, RecordingAdapter
from tests.features.reminders.harness import deliveries, seed_daily_reminders
from tests.features.reminders.test_outbox import Gate
from tests.storage.conftest import pg_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.postgres

DUE = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
REPEAT = "may be a repeat"
# The others' confirmation that a worker is gone: short here, as no timer is tested.
CONFIRM = 0.05
# The lease as in production: these tests never reach it.
SETTINGS = DispatchSettings(concurrency=1, lease=timedelta(seconds=30))


class StallingRegistry(WorkerRegistry):
    """A worker that stalls (a long pause, a slow database) just before it marks a claim
    attempted, until ``go`` is set."""

    def __init__(self, engine: AsyncEngine, worker: int) -> None:
        super().__init__(engine, worker, watch=False)
        self.stalled = asyncio.Event()
        self.go = asyncio.Event()

    async def run_registered(self, statement: Update) -> Sequence[Row[Any]]:
        self.stalled.set()
        await self.go.wait()
        return await super().run_registered(statement)


@dataclass
class Worker:
    engine: AsyncEngine
    registry: WorkerRegistry
    adapter: RecordingAdapter
    dispatcher: Dispatcher


@pytest.fixture
async def engines(pg_url: str) -> AsyncIterator[list[AsyncEngine]]:  # noqa: F811
    made = [create_engine(pg_url) for _ in range(2)]
    await upgrade_to_head(made[0])
    yield made
    for engine in made:
        await engine.dispose()


async def worker(
    engine: AsyncEngine,
    registry: WorkerRegistry,
    content: Content,
    clock: Clock,
    adapter: RecordingAdapter,
) -> Worker:
    await registry.register()
    dispatcher = build_dispatcher(
        session_factory(engine), content, [adapter], clock, SETTINGS, workers=registry
    )
    return Worker(engine, registry, adapter, dispatcher)


async def end_session(engine: AsyncEngine, registered: int) -> None:
    """The server ends that worker's registration session, as when its process is killed."""
    async with engine.connect() as admin:
        await admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND classid = :c AND objid = :w AND objsubid = 2"
            ),
            {"c": WORKER_CLASS, "w": registered},
        )
        await admin.commit()


def reminders_seen(*adapters: RecordingAdapter) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for adapter in adapters:
        for sent in adapter.sent:
            seen.setdefault(sent.key.chat_id, []).append(sent.reply.text)
    return seen


async def test_the_runner_gets_a_killed_workers_reminder_once_from_the_worker_left(
    engines: list[AsyncEngine], content: Content
) -> None:
    clock = FakeClock(DUE + timedelta(seconds=1))
    await seed_daily_reminders(engines[0], 1, DUE)
    gate = Gate(clock, through=0)  # holds the send: killed before it reaches the runner
    doomed = await worker(
        engines[0], WorkerRegistry(engines[0], 701, watch=False), content, clock, gate
    )
    left = await worker(
        engines[1],
        WorkerRegistry(engines[1], 702, confirm_after=CONFIRM, watch=False),
        content,
        clock,
        RecordingAdapter(clock),
    )
    try:
        sending = asyncio.create_task(doomed.dispatcher.run_once())
        await gate.holding.wait()
        assert await left.dispatcher.release_dead_holders() == 0  # alive: its claim stays

        sending.cancel()  # killed: nothing after this point is written
        with pytest.raises(asyncio.CancelledError):
            await sending
        await end_session(engines[1], 701)

        assert await left.dispatcher.release_dead_holders() == 1
        report = await left.dispatcher.run_once()
    finally:
        await doomed.registry.unregister()
        await left.registry.unregister()
    assert (report.sent, report.resent) == (1, 1)
    [texts] = reminders_seen(gate, left.adapter).values()
    assert len(texts) == 1
    # Handed to the platform before the kill, so it can't know it never arrived.
    assert REPEAT in texts[0]
    [row] = await deliveries(session_factory(engines[1]))
    assert (row.status, row.claimed_by) == ("sent", left.dispatcher.worker)


async def test_a_worker_taken_for_dead_sends_none_of_the_reminders_taken_back(
    engines: list[AsyncEngine], content: Content
) -> None:
    # Its registration session ended while it stalled, the worker was taken for dead; its
    # claims went to the other worker. Back, it registers again and carries on its pass:
    # every runner must still get their reminder once.
    clock = FakeClock(DUE + timedelta(seconds=1))
    await seed_daily_reminders(engines[0], 3, DUE)
    slow_registry = StallingRegistry(engines[0], 801)
    slow = await worker(engines[0], slow_registry, content, clock, RecordingAdapter(clock))
    other = await worker(
        engines[1],
        WorkerRegistry(engines[1], 802, confirm_after=CONFIRM, watch=False),
        content,
        clock,
        RecordingAdapter(clock),
    )
    try:
        passing = asyncio.create_task(slow.dispatcher.run_once())
        await slow_registry.stalled.wait()  # every claim taken, none marked yet
        await end_session(engines[1], 801)

        assert await other.dispatcher.release_dead_holders() == 3
        report = await other.dispatcher.run_once()
        assert not await slow_registry.ensure_registered()  # it noticed, and is back
        slow_registry.go.set()
        late = await passing
    finally:
        await slow.registry.unregister()
        await other.registry.unregister()
    assert (report.sent, late.sent) == (3, 0)
    seen = reminders_seen(slow.adapter, other.adapter)
    assert sorted(seen) == ["c0", "c1", "c2"]
    assert all(len(texts) == 1 and REPEAT not in texts[0] for texts in seen.values()), seen
    rows = await deliveries(session_factory(engines[0]))
    assert {(row.status, row.claimed_by) for row in rows} == {("sent", other.dispatcher.worker)}
