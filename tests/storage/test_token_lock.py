"""One bot per token: on SQLite a second process is refused, on PostgreSQL it stands by
and takes over when the first lets go or dies."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.storage.database import create_engine
from bot.storage.token_lock import (
    AdvisoryTokenLock,
    AlreadyRunning,
    FileTokenLock,
    Leadership,
    advisory_key,
    shard_key,
)
from tests.storage.conftest import pg_url  # noqa: F401  (fixture)

TOKEN = "123456789:AAE-a-secret-token"


async def test_sqlite_a_second_holder_of_the_token_is_refused_with_one_line(
    tmp_path: Path,
) -> None:
    first = FileTokenLock("telegram", TOKEN, tmp_path / "locks")
    second = FileTokenLock("telegram", TOKEN, tmp_path / "locks")
    await first.acquire()
    with pytest.raises(AlreadyRunning) as refused:
        await second.acquire()
    message = str(refused.value)
    assert "\n" not in message
    assert "already running the telegram bot with this token" in message
    assert TOKEN not in message
    assert TOKEN not in str(first.path)
    other_bot = FileTokenLock("telegram", "another:token", tmp_path / "locks")
    await other_bot.acquire()  # another token is another bot
    await other_bot.release()
    await first.release()
    await second.acquire()  # free once the first let go (or its process ended)
    await second.release()


async def test_leadership_holds_nothing_after_a_refusal(tmp_path: Path) -> None:
    held = FileTokenLock("discord", TOKEN, tmp_path)
    await held.acquire()
    locks = Leadership(
        [FileTokenLock("telegram", TOKEN, tmp_path), FileTokenLock("discord", TOKEN, tmp_path)]
    )
    with pytest.raises(AlreadyRunning):
        await locks.take(asyncio.Event())
    await held.release()
    # The telegram lock it took on the way was let go again.
    alone = FileTokenLock("telegram", TOKEN, tmp_path)
    await alone.acquire()
    await alone.release()


def test_the_advisory_key_is_a_64_bit_hash_of_platform_and_token() -> None:
    key = advisory_key("telegram", TOKEN)
    assert -(2**63) <= key < 2**63
    assert key == advisory_key("telegram", TOKEN)
    assert key != advisory_key("discord", TOKEN)


@pytest.mark.postgres
async def test_postgres_a_second_process_stands_by_and_takes_over(
    pg_url: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.storage.token_lock")
    engines = [create_engine(pg_url) for _ in range(2)]
    try:
        first = AdvisoryTokenLock(engines[0], "telegram", TOKEN, retry_every=0.05)
        second = AdvisoryTokenLock(engines[1], "telegram", TOKEN, retry_every=0.05)
        await first.acquire()
        waiting = asyncio.create_task(second.acquire())
        while not any("token_standby" in r.getMessage() for r in caplog.records):
            await asyncio.sleep(0.05)
        assert not waiting.done()
        await first.release()
        await waiting  # took over
        assert any("took_over=True" in r.getMessage() for r in caplog.records)
        assert all(TOKEN not in r.getMessage() for r in caplog.records)
        await second.release()
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.mark.postgres
async def test_postgres_a_lost_lock_connection_stops_the_leader(pg_url: str) -> None:  # noqa: F811
    engine = create_engine(pg_url)
    try:
        lock = AdvisoryTokenLock(engine, "telegram", TOKEN, check_every=0.05)
        stop = asyncio.Event()
        leadership = Leadership([lock])
        assert await leadership.take(stop)
        async with engine.connect() as admin:
            await admin.execute(
                text(
                    # This test's database only: the server is shared with other tests.
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
            await admin.commit()
        await asyncio.wait_for(stop.wait(), timeout=10)
        assert leadership.lost
        await leadership.release()
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_postgres_a_stand_by_told_to_stop_stops_waiting(pg_url: str) -> None:  # noqa: F811
    engine = create_engine(pg_url)
    try:
        leader = AdvisoryTokenLock(engine, "telegram", TOKEN)
        await leader.acquire()
        stop = asyncio.Event()
        standby = Leadership([AdvisoryTokenLock(engine, "telegram", TOKEN, retry_every=0.05)])
        taking = asyncio.create_task(standby.take(stop))
        await asyncio.sleep(0.1)
        stop.set()
        assert await taking is False
        await leader.release()
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_postgres_discord_shards_are_locked_all_or_none(pg_url: str) -> None:  # noqa: F811
    # Workers given overlapping shards: the second holds none of its shards while it
    # waits, so a third worker can run the shard only the second was given.
    engine = create_engine(pg_url)

    def shards(*ids: int) -> AdvisoryTokenLock:
        keys = [shard_key(TOKEN, shard, 3) for shard in ids]
        return AdvisoryTokenLock(engine, "discord", TOKEN, keys=keys, retry_every=0.05)

    try:
        first, overlapping, third = shards(0, 1), shards(1, 2), shards(2)
        await first.acquire()
        waiting = asyncio.create_task(overlapping.acquire())
        await asyncio.wait_for(third.acquire(), timeout=10)  # shard 2 was not held
        await third.release()
        assert not waiting.done()
        await first.release()
        await asyncio.wait_for(waiting, timeout=10)  # both its shards, once both were free
        await overlapping.release()
        assert shard_key(TOKEN, 0, 2) != shard_key(TOKEN, 0, 3) != advisory_key("discord", TOKEN)
    finally:
        await engine.dispose()
