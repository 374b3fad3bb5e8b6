"""Handled update ids: claimed once, remembered across a restart, forgotten when old."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import ProcessedUpdate
from bot.storage.processed_updates import KEEP_FOR, ProcessedUpdates
from bot.testing import FakeClock


async def stored(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


async def test_an_update_is_claimed_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    claims = ProcessedUpdates(sessions, FakeClock())
    assert await claims.claim("telegram", "1001")
    assert not await claims.claim("telegram", "1001")
    assert await claims.claim("discord", "1001")  # ids are per platform
    await claims.close()
    assert await stored(sessions) == 2


async def test_claims_survive_a_restart(sessions: async_sessionmaker[AsyncSession]) -> None:
    before = ProcessedUpdates(sessions, FakeClock())
    assert await before.claim("telegram", "7")
    await before.close()
    after = ProcessedUpdates(sessions, FakeClock())
    assert not await after.claim("telegram", "7")
    assert await after.claim("telegram", "8")
    await after.close()


async def test_claims_are_written_soon_without_closing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    claims = ProcessedUpdates(sessions, FakeClock())
    for n in range(50):
        await claims.claim("telegram", str(n))
    assert claims._flusher is not None
    await claims._flusher  # the batch write that the first claim scheduled
    assert await stored(sessions) == 50
    await claims.close()


async def test_old_ids_are_forgotten(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    claims = ProcessedUpdates(sessions, clock)
    await claims.claim("telegram", "old")
    await claims.close()
    clock.advance(seconds=KEEP_FOR.total_seconds() + 60)
    later = ProcessedUpdates(sessions, clock)
    await later.claim("telegram", "new")
    await later.close()  # the first write of a process also prunes
    async with sessions() as session:
        ids = set(await session.scalars(select(ProcessedUpdate.update_id)))
    assert ids == {"new"}
