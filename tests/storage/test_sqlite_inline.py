"""SQLite run inline on the event loop: steps queue for the one connection without
blocking the loop, a failed transaction leaves nothing behind, and older URLs still work."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.config import Settings
from bot.storage.database import create_engine, session_factory, transaction
from bot.storage.migrations import upgrade_to_head


async def _count_users(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM users"))).scalar_one())


async def _insert_user(session: AsyncSession, user_id: str) -> None:
    await session.execute(
        text(
            "INSERT INTO users (platform, platform_user_id, created_at)"
            " VALUES ('test', :user_id, '2026-01-01 00:00:00')"
        ),
        {"user_id": user_id},
    )


async def _add_user(engine: AsyncEngine, user_id: str) -> None:
    async with transaction(session_factory(engine)) as session:
        await _insert_user(session, user_id)


async def test_a_waiting_step_leaves_the_loop_free(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    holding = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with transaction(sessions) as session:
            await session.execute(text("SELECT 1"))
            holding.set()
            await release.wait()

    first_task = asyncio.create_task(first())
    await holding.wait()
    second_task = asyncio.create_task(_add_user(engine, "second"))
    # While the second step waits for the connection, the loop keeps running others.
    for _ in range(20):
        await asyncio.sleep(0)
    assert not second_task.done()
    release.set()
    await asyncio.wait_for(asyncio.gather(first_task, second_task), timeout=5)
    assert await _count_users(engine) == 1


async def test_a_failed_transaction_leaves_nothing_and_the_connection_works(
    engine: AsyncEngine,
) -> None:
    await _add_user(engine, "kept")

    async def lost_then_duplicate() -> None:
        async with transaction(session_factory(engine)) as session:
            await _insert_user(session, "lost")
            await _insert_user(session, "kept")  # already there: the transaction fails

    with pytest.raises(IntegrityError):
        await lost_then_duplicate()
    assert await _count_users(engine) == 1
    await _add_user(engine, "after")
    assert await _count_users(engine) == 2


async def test_an_aiosqlite_url_from_an_older_setup_opens_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "coach.sqlite3"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}")
    assert settings.database_url == f"sqlite:///{path}"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade_to_head(engine)
        await _add_user(engine, "runner")
    finally:
        await engine.dispose()
    again = create_engine(settings.database_url)
    try:
        assert await _count_users(again) == 1
    finally:
        await again.dispose()
