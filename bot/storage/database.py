"""Engine and session setup for SQLite and PostgreSQL.

SQLite gets WAL (readers never block the writer), a busy timeout, and
``BEGIN IMMEDIATE`` for every transaction, so a writer takes the lock up front instead
of failing halfway with "database is locked" when a read turns into a write. Within a
process, steps share one connection and queue for it (see ``sqlite_inline``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.core.stores import StepConflict, Transaction
from bot.storage import sqlite_inline
from bot.storage.base import SqlTransaction
from bot.storage.errors import DatabaseProblem

SQLITE_BUSY_TIMEOUT_MS = 5_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_directory(url: str) -> None:
    database = make_url(url).database
    if is_sqlite(url) and database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseProblem(
                f"can't make the folder {folder} for the SQLite file: {exc.strerror}"
            ) from None


def create_engine(url: str) -> AsyncEngine:
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True)
    ensure_sqlite_directory(url)
    # One connection: SQLite has one writer anyway, and steps queue for it on the
    # loop instead of spinning in SQLite's busy handler.
    engine = create_async_engine(
        make_url(url).set(drivername=f"sqlite+{sqlite_inline.DRIVER}"),
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None},
        pool_size=1,
        max_overflow=0,
        # Every session ends its transaction itself; rolling back again on return to
        # the pool is a wasted call on each step.
        pool_reset_on_return=None,
        pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
    )
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in one transaction: committed if the block succeeds, closed either way.

    ``async with sessions() as session`` closes the session in a new task shielded from
    cancellation, so every step paused once after its commit and the steps of other
    chats ran in between: a reply ready to go waited behind them (``bench/telegram.py``
    p99). Closing the inline SQLite connection never waits, so it is closed in place;
    a server's connection may wait on the network, and keeps the shield.
    """
    session = sessions()
    try:
        async with session.begin():
            yield session
    finally:
        if _is_inline(session):
            await session.close()
        else:
            await asyncio.shield(session.close())


def _is_inline(session: AsyncSession) -> bool:
    bind = session.bind
    return bind is not None and bind.dialect.name == "sqlite"


class SqlDatabase:
    """The core's :class:`~bot.core.stores.Database` on a SQLAlchemy session factory."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One step's transaction; a unique-key race surfaces as ``StepConflict``."""
        try:
            async with transaction(self.sessions) as session:
                yield SqlTransaction(session)
        except IntegrityError as exc:
            raise StepConflict(str(exc.orig)) from exc
