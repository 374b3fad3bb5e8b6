"""PostgreSQL connections from the pool: a live one is used again, and one the server
dropped (a restart, an ended session) is replaced before anyone gets it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.storage.database import create_engine
from tests.storage.conftest import pg_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.postgres

BACKEND = text("SELECT pg_backend_pid()")


async def test_a_dropped_pooled_connection_is_replaced_and_a_live_one_kept(
    pg_url: str,  # noqa: F811
) -> None:
    engine, other = create_engine(pg_url), create_engine(pg_url)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(BACKEND)
        async with engine.connect() as connection:
            assert await connection.scalar(BACKEND) == first  # the same session again
        async with other.connect() as admin:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            await admin.commit()
        async with engine.connect() as connection:
            second = await connection.scalar(BACKEND)  # no error: a new session
        assert second != first
    finally:
        await engine.dispose()
        await other.dispose()
