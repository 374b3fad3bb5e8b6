"""The whole warm-up, and concurrent writers, on both databases.

Three bot processes, real operating-system processes, run the coach against one
database at the same time, as three processes sharing one SQLite file (or one PostgreSQL
server) would. Each serves ten runners at once: 270 steps, each one transaction.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.content import Content
from bot.features.warmup.models import CheckIn, WarmupSession
from bot.storage.database import create_engine, is_sqlite, session_factory
from bot.storage.migrations import upgrade_to_head
from bot.storage.models import Conversation, User
from tests.storage.writer_processes import STEPS_PER_WARM_UP, run_writers

PROCESSES = 3
CHATS_EACH = 10
CHATS = PROCESSES * CHATS_EACH
# Three fresh interpreters start, then write: a few seconds. Past this one is stuck.
DEADLINE_S = 60.0


async def _many_processes_at_once(url: str, content: Content) -> None:
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
        reports, counts = await asyncio.to_thread(
            run_writers,
            url,
            content,
            processes=PROCESSES,
            chats_each=CHATS_EACH,
            deadline_s=DEADLINE_S,
        )
        print(f"\n{engine.dialect.name}: {counts}")

        # What the runners notice: nothing went wrong, every warm-up finished.
        warnings = [line for report in reports for line in report.warnings]
        assert warnings == [], "\n".join(warnings)
        chats = [chat for report in reports for chat in report.chats]
        assert len(chats) == CHATS
        for chat in chats:
            assert "3 of 3 drills done" in chat, chat
            assert "locked" not in chat, chat
        # Everything they did was saved.
        async with session_factory(engine)() as session:
            rows = [
                await session.scalar(select(func.count()).select_from(table))
                for table in (User, Conversation, CheckIn)
            ]
            completed = await session.scalar(
                select(func.count()).where(WarmupSession.status == "completed")
            )
        assert [*rows, completed] == [CHATS] * 4

        # The processes really wrote at the same time: transactions asked to begin
        # while another process had one open (most of them, in practice).
        assert counts.transactions >= CHATS * STEPS_PER_WARM_UP, counts
        assert counts.left_open == 0, counts
        assert counts.overlapped > 0, counts
        assert counts.most_open >= 2, counts
        if is_sqlite(url):
            # SQLite let in one writer at a time, so of two transactions open at once
            # one waited for the lock (the busy timeout) and did not fail with
            # "database is locked". How many began while another process was inside
            # its transaction, waited_for_writer, varies from run to run: not asserted.
            assert counts.most_writing == 1, counts
    finally:
        await engine.dispose()


async def test_sqlite_concurrent_writers_never_hit_a_locked_database(
    db_url: str, content: Content
) -> None:
    await _many_processes_at_once(db_url, content)


@pytest.mark.postgres
async def test_postgres_runs_the_same_conversations(pg_url: str, content: Content) -> None:
    await _many_processes_at_once(pg_url, content)
