"""Migration 0002: claims the old at-most-once code left behind are sent again after it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Integer, String, column, insert, table
from sqlalchemy.engine import Connection

from bot.features.reminders.models import Reminder
from bot.storage.base import UTCDateTime
from bot.storage.database import create_engine, session_factory
from bot.storage.migrations import alembic_config, current_revision, head_revision
from bot.storage.models import User
from tests.features.reminders.harness import deliveries
from tests.storage.conftest import pg_url  # noqa: F401  (fixture)

AT = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)


async def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    engine = create_engine(url)

    def run(connection: Connection) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def _old_rows(url: str) -> None:
    """What 0001's dispatcher left: one claim that died mid-send, one sent."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(User),
                [{"id": 1, "platform": "telegram", "platform_user_id": "7", "created_at": AT}],
            )
            await connection.execute(
                insert(Reminder),
                [
                    {
                        "id": 1,
                        "user_id": 1,
                        "platform": "telegram",
                        "chat_id": "7",
                        "weekdays": "0123456",
                        "run_time": "07:00",
                        "lead_minutes": 30,
                        "time_zone": "Europe/London",
                        "status": "active",
                        "created_at": AT,
                        "updated_at": AT,
                    }
                ],
            )
            # The table as 0001 made it (the model has columns it lacks).
            old = table(
                "reminder_deliveries",
                column("reminder_id", Integer()),
                column("occurrence_at", UTCDateTime()),
                column("kind", String()),
                column("claimed_at", UTCDateTime()),
                column("status", String()),
            )
            await connection.execute(
                insert(old),
                [
                    {
                        "reminder_id": 1,
                        "occurrence_at": AT.replace(day=day),
                        "kind": "rule",
                        "claimed_at": AT.replace(day=day),
                        "status": status,
                    }
                    for day, status in ((23, "claimed"), (22, "sent"))
                ],
            )
    finally:
        await engine.dispose()


async def _check(url: str) -> None:
    await _migrate(url, "0001_initial")
    await _old_rows(url)
    await _migrate(url, "head")
    engine = create_engine(url)
    try:
        assert await current_revision(engine) == head_revision()
        rows = {row.status: row for row in await deliveries(session_factory(engine))}
    finally:
        await engine.dispose()
    crashed, sent = rows["claimed"], rows["sent"]
    assert (crashed.lease_until, crashed.attempts, crashed.claimed_by) == (AT, 1, None)
    assert (sent.lease_until, sent.attempts) == (None, 0)
    await _migrate(url, "0001_initial", down=True)
    await _migrate(url, "head")


async def test_sqlite_old_claims_get_an_expired_lease_and_one_attempt(db_url: str) -> None:
    await _check(db_url)


@pytest.mark.postgres
async def test_postgres_old_claims_get_an_expired_lease_and_one_attempt(
    pg_url: str,  # noqa: F811
) -> None:
    await _check(pg_url)
