"""Workers on one PostgreSQL: registered while alive, one at a time for start-up work,
and each chat's updates in order across them (bot.storage.workers, chat_order)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import chat_order
from bot.storage.chat_order import ChatOrder
from bot.storage.database import create_engine
from bot.storage.migrations import upgrade_to_head
from bot.storage.workers import WORKER_CLASS, NotRegistered, WorkerRegistry
from bot.testing import FakeClock
from tests.storage.conftest import PG_ADMIN_URL, pg_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.postgres


async def test_a_worker_is_alive_while_registered_and_gone_when_its_connection_goes(
    pg_url: str,  # noqa: F811
) -> None:
    engine = create_engine(pg_url)
    first = WorkerRegistry(engine, 101, confirm_after=0)
    second = WorkerRegistry(engine, 102)
    try:
        await first.register()
        await second.register()
        assert {101, 102} <= await first.alive()
        assert await first.dead([101, 102, None]) == {None}
        await second.unregister()  # as a killed worker's connection closing
        assert await first.dead([101, 102]) == {102}
    finally:
        await first.unregister()
        await second.unregister()
        await engine.dispose()


async def test_a_live_worker_whose_session_was_ended_registers_again(
    pg_url: str,  # noqa: F811
) -> None:
    # Its session ended by the server (a restart, an administrator), the worker is still
    # sending its replies: until it holds its lock again, the others would send them too.
    engine = create_engine(pg_url)
    first = WorkerRegistry(engine, 301, confirm_after=0)
    second = WorkerRegistry(engine, 302, watch=False)  # checked by the test, not a timer
    try:
        await first.register()
        await second.register()
        assert await first.ensure_registered()  # nothing lost: nothing to do
        async with engine.connect() as admin:
            await admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND classid = :c AND objid = 302 AND objsubid = 2"
                ),
                {"c": WORKER_CLASS},
            )
            await admin.commit()
        assert await first.dead([302]) == {302}
        assert not await second.ensure_registered()  # it noticed, and took the lock again
        assert await first.dead([301, 302]) == set()
        assert await second.ensure_registered()
    finally:
        await first.unregister()
        await second.unregister()
        await engine.dispose()


async def test_registrations_in_another_database_are_not_workers_of_this_one(
    pg_url: str,  # noqa: F811
) -> None:
    engine = create_engine(pg_url)
    elsewhere = create_engine(PG_ADMIN_URL)
    here = WorkerRegistry(engine, 401, confirm_after=0)
    there = WorkerRegistry(elsewhere, 402)
    try:
        await here.register()
        await there.register()
        assert await here.dead([402]) == {402}
    finally:
        await here.unregister()
        await there.unregister()
        await engine.dispose()
        await elsewhere.dispose()


async def test_start_up_work_runs_in_one_worker_at_a_time(pg_url: str) -> None:  # noqa: F811
    engine = create_engine(pg_url)
    first, second = WorkerRegistry(engine, 201), WorkerRegistry(engine, 202)
    inside: list[int] = []
    most = 0

    async def work(registry: WorkerRegistry) -> None:
        nonlocal most
        async with registry.exclusive("telegram_startup"):
            inside.append(registry.worker)
            most = max(most, len(inside))
            await asyncio.sleep(0.05)  # long enough for the other to try to come in
            inside.remove(registry.worker)

    try:
        async with asyncio.timeout(20):
            await asyncio.gather(work(first), work(second))
    finally:
        await engine.dispose()
    assert most == 1


async def test_a_chats_later_update_waits_for_the_earlier_one_a_live_worker_holds(
    pg_url: str,  # noqa: F811
) -> None:
    async with _two_workers(pg_url, 301, 302) as (_, on_a, on_b, a):
        await on_a.wait_turn("telegram", 500, "chat")  # the first: nothing ahead
        later = asyncio.create_task(on_b.wait_turn("telegram", 501, "chat"))
        other_chat = asyncio.create_task(on_b.wait_turn("telegram", 502, "else"))
        await other_chat  # another chat's update does not wait for this one
        assert not later.done()
        await on_a.done("telegram", 500)
        await later
        # A killed worker's update holds nothing up.
        await on_a.wait_turn("telegram", 503, "chat")
        stuck = asyncio.create_task(on_b.wait_turn("telegram", 504, "chat"))
        await asyncio.sleep(0)
        await a.unregister()
        await stuck


async def test_a_write_on_the_registration_commits_only_while_it_is_registered(
    pg_url: str,  # noqa: F811
) -> None:
    # What guards a reminder's send: its attempt is written this way, so a worker taken
    # for dead (its session gone) can't mark, and so can't send, what it held.
    engine = create_engine(pg_url)
    registry = WorkerRegistry(engine, 501, watch=False)
    marks = Table(
        "marks", MetaData(), Column("id", Integer, primary_key=True), Column("n", Integer)
    )
    bump = update(marks).values(n=marks.c.n + 1).returning(marks.c.id)

    async def count() -> int:
        async with engine.connect() as connection:
            return int(await connection.scalar(select(marks.c.n)) or 0)

    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE marks (id integer PRIMARY KEY, n integer)"))
            await connection.execute(text("INSERT INTO marks VALUES (1, 0)"))
        await registry.register()
        assert [tuple(row) for row in await registry.run_registered(bump)] == [(1,)]
        # On a session that does not hold the lock (one the driver opened anew), nothing.
        registered = registry._connection
        plain = await engine.connect()
        registry._connection = await plain.execution_options(isolation_level="AUTOCOMMIT")
        with pytest.raises(NotRegistered):
            await registry.run_registered(bump)
        await plain.close()
        registry._connection = registered
        assert await count() == 1
        async with engine.connect() as admin:
            await admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND classid = :c AND objid = 501 AND objsubid = 2"
                ),
                {"c": WORKER_CLASS},
            )
            await admin.commit()
        for _ in range(2):  # the second time on whatever session the driver opens anew
            with pytest.raises((NotRegistered, SQLAlchemyError)):
                await registry.run_registered(bump)
        assert await count() == 1
        assert not await registry.ensure_registered()  # registered again
        await registry.run_registered(bump)
        assert await count() == 2
    finally:
        await registry.unregister()
        await engine.dispose()


async def test_a_waiting_update_is_woken_by_the_earlier_ones_worker(
    pg_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No second look comes on its own here: only the notification can wake the waiter.
    monkeypatch.setattr(chat_order, "RECHECK_EVERY", 3600.0)
    monkeypatch.setattr(chat_order, "MAX_WAIT", 3600.0)
    async with _two_workers(pg_url, 311, 312) as (engine, on_a, on_b, _):
        await on_a.wait_turn("telegram", 700, "chat")
        later = asyncio.create_task(on_b.wait_turn("telegram", 701, "chat"))
        while not await _waiting(engine, 701):
            await asyncio.sleep(0.01)
        assert not later.done()
        await on_a.done("telegram", 700)
        await later


async def test_an_update_waiting_for_a_gap_is_woken_when_the_missing_one_arrives(
    pg_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(chat_order, "RECHECK_EVERY", 3600.0)
    monkeypatch.setattr(chat_order, "MAX_WAIT", 3600.0)
    monkeypatch.setattr(chat_order, "GAP_WAIT", 0.0)  # the first ones: nothing came before
    last = chat_order.GAP_WINDOW  # the first update ids of all: none came before them
    async with _two_workers(pg_url, 331, 332) as (engine, on_a, on_b, _):
        for update_id in range(last):
            if update_id != last - 2:
                await on_a.wait_turn("telegram", update_id, f"chat{update_id}")
        monkeypatch.setattr(chat_order, "GAP_WAIT", 3600.0)
        later = asyncio.create_task(on_b.wait_turn("telegram", last, "late"))
        while not await _waiting(engine, last):
            await asyncio.sleep(0.01)
        assert not later.done()  # one id just below it is unknown
        await on_a.wait_turn("telegram", last - 2, "elsewhere")
        await later


async def test_a_waiter_whose_listening_connection_went_still_gets_its_turn(
    pg_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(chat_order, "RECHECK_EVERY", 3600.0)
    monkeypatch.setattr(chat_order, "MAX_WAIT", 3600.0)
    async with _two_workers(pg_url, 321, 322) as (engine, on_a, on_b, _):
        await on_a.wait_turn("telegram", 800, "chat")
        later = asyncio.create_task(on_b.wait_turn("telegram", 801, "chat"))
        while not await _waiting(engine, 801):
            await asyncio.sleep(0.01)
        async with engine.connect() as admin:  # as a server restart ends sessions
            await admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN %'"
                )
            )
            await admin.commit()
        # Woken by the loss, it listens again before it looks, so the next
        # notification reaches it.
        while not await _listeners(engine):
            await asyncio.sleep(0.01)
        await on_a.done("telegram", 800)
        await later


@contextlib.asynccontextmanager
async def _two_workers(
    url: str, first: int, second: int
) -> AsyncIterator[tuple[AsyncEngine, ChatOrder, ChatOrder, WorkerRegistry]]:
    """Two registered workers' chat orders on one migrated database (and the first's
    registration), closed afterwards; what runs inside has 20 s at most."""
    engine = create_engine(url)
    await upgrade_to_head(engine)
    a, b = WorkerRegistry(engine, first), WorkerRegistry(engine, second)
    await a.register()
    await b.register()
    clock = FakeClock()
    on_a, on_b = ChatOrder(engine, a, clock), ChatOrder(engine, b, clock)
    try:
        async with asyncio.timeout(20):
            yield engine, on_a, on_b, a
    finally:
        await on_a.close()
        await on_b.close()
        await a.unregister()
        await b.unregister()
        await engine.dispose()


async def _waiting(engine: AsyncEngine, update_id: int) -> bool:
    """The update has arrived (and so looked at what is ahead of it)."""
    async with engine.connect() as connection:
        found = await connection.scalar(
            text("SELECT count(*) FROM update_arrivals WHERE update_id = :u"), {"u": update_id}
        )
    return bool(found)


async def _listeners(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        found = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN %'"
            )
        )
    return int(found or 0)
