"""Alembic owns the schema: empty to head on SQLite and PostgreSQL, matching the models."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import prepare_database
from bot.schema import Base
from bot.storage.database import create_engine
from bot.storage.migrations import (
    DatabaseBehind,
    current_revision,
    head_revision,
    upgrade_to_head,
)


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def _check_empty_to_head(url: str) -> None:
    engine = create_engine(url)
    try:
        assert await current_revision(engine) is None
        await upgrade_to_head(engine)
        assert await current_revision(engine) == head_revision()
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert set(Base.metadata.tables) <= tables
            assert await connection.run_sync(_diff) == []
        await upgrade_to_head(engine)  # a second run changes nothing
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_sqlite_empty_to_head_matches_the_models(db_url: str) -> None:
    await _check_empty_to_head(db_url)


@pytest.mark.postgres
async def test_postgres_empty_to_head_matches_the_models(pg_url: str) -> None:
    await _check_empty_to_head(pg_url)


@pytest.mark.postgres
async def test_postgres_behind_head_refuses_to_start(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        with pytest.raises(DatabaseBehind, match="python -m bot migrate"):
            await prepare_database(engine)
    finally:
        await engine.dispose()


async def test_sqlite_is_migrated_automatically_at_start(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await prepare_database(engine)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
        foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    assert mode == "wal"
    assert foreign_keys == 1
