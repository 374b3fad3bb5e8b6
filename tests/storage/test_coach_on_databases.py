"""The whole warm-up, and concurrent writers, on both databases."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.app import build_coach
from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import ConversationKey
from bot.features.warmup.models import WarmupSession
from bot.storage.database import create_engine, session_factory
from bot.storage.migrations import upgrade_to_head
from bot.testing import Chat, FakeClock


async def _warm_up(coach: Coach, n: int) -> str:
    chat = Chat(coach, ConversationKey("terminal", f"chat-{n}", f"user-{n}"))
    await chat.command("start")
    await chat.press("I understand")
    await chat.command("warmup")
    await chat.press("Sore")
    await chat.press("No, just stiff or fine")
    for _ in range(3):
        await chat.press("Done")
    await chat.command("export")
    return chat.all_text()


async def _many_processes_at_once(url: str, content: Content) -> None:
    """Three engines on one database stand in for three processes writing together."""
    engines = [create_engine(url) for _ in range(3)]
    try:
        await upgrade_to_head(engines[0])
        coaches = [build_coach(session_factory(e), content, clock=FakeClock()) for e in engines]
        texts = await asyncio.gather(*(_warm_up(coaches[n % 3], n) for n in range(30)))
        assert all("3 of 3 drills done" in t for t in texts)
        async with session_factory(engines[0])() as session:
            completed = await session.scalar(
                select(func.count()).where(WarmupSession.status == "completed")
            )
        assert completed == 30
    finally:
        for engine in engines:
            await engine.dispose()


async def test_sqlite_concurrent_writers_never_hit_a_locked_database(
    db_url: str, content: Content
) -> None:
    await _many_processes_at_once(db_url, content)


@pytest.mark.postgres
async def test_postgres_runs_the_same_conversations(pg_url: str, content: Content) -> None:
    await _many_processes_at_once(pg_url, content)
