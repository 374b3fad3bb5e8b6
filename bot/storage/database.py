"""Engine and session setup for SQLite and PostgreSQL.

SQLite gets WAL (readers never block the writer), a busy timeout, and
``BEGIN IMMEDIATE`` for every transaction, so a writer takes the lock up front instead
of failing halfway with "database is locked" when a read turns into a write. Within a
process, steps share one connection and queue for it (see ``sqlite_inline``).

Erasing a runner (/forget) must leave no copy of their rows behind: SQLite overwrites
deleted content with zeros (``secure_delete``), and ``SqlDatabase.scrub`` then folds the
WAL into the main file and truncates it, so old frames holding the rows are gone before
the coach says "erased". PostgreSQL gets a ``VACUUM`` of the runner's tables after the
reply, which removes the dead row versions from the tables (its own WAL and backups are
the operator's to manage).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.core.stores import NotSaved, StepConflict, Transaction
from bot.storage import sqlite_inline
from bot.storage.base import SqlTransaction
from bot.storage.errors import DatabaseProblem, exc_line, not_saved_reason
from bot.storage.models import KeyValue
from bot.storage.personal_data import personal_tables

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5_000
# A checkpoint can't truncate the WAL while another connection (another process) reads it.
CHECKPOINT_ATTEMPTS = 20
CHECKPOINT_RETRY_S = 0.05
# The key_values row that says an erasure's vacuum has not run yet (PostgreSQL).
VACUUM_PENDING = "erasure_vacuum_pending"
_FRESH = "hipcoach_fresh"  # a pool record's note: connected, not yet checked out


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
        # hide_parameters: a failed statement's error (logged) never shows the runner's values.
        engine = create_async_engine(url, hide_parameters=True)
        _ping_on_checkout(engine)
        return engine
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
        hide_parameters=True,
    )
    _configure_sqlite(engine)
    return engine


def _ping_on_checkout(engine: AsyncEngine) -> None:
    """A connection taken from the pool is tried first, so one the server dropped (a
    restart, an ended session) is replaced before a step gets it.

    The try is one simple query. SQLAlchemy's own ``pool_pre_ping`` wraps it in a
    transaction of its own on asyncpg: three round trips on every checkout, a third of a
    webhook update's database calls (``bench/scale.py``)."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(_dbapi_connection: Any, record: Any) -> None:
        record.info[_FRESH] = True  # just made: nothing to try

    @event.listens_for(sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.pop(_FRESH, False):
            return
        try:
            dbapi_connection.run_async(lambda driver: driver.execute("SELECT 1"))
        except Exception as exc:
            # The pool drops this connection and checks out another (a new one).
            raise DisconnectionError("the pooled connection is gone") from exc


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, not just unlinked (Debian's build does
        # this by default; others don't).
        cursor.execute("PRAGMA secure_delete=ON")
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
        self._vacuums: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One step's transaction; a unique-key race surfaces as ``StepConflict``, and a
        full disk or a server gone away as ``NotSaved`` (the transaction rolled back)."""
        try:
            async with transaction(self.sessions) as session:
                yield SqlTransaction(session)
        except IntegrityError as exc:
            raise StepConflict(str(exc.orig)) from exc
        except (DBAPIError, OSError) as exc:
            reason = not_saved_reason(exc)
            if reason is None:
                raise
            raise NotSaved(reason, exc_line(exc)) from exc

    async def scrub(self) -> None:
        """The core's :class:`~bot.core.stores.Scrubber`, after a runner was erased.

        SQLite: checkpoint the WAL into the main file and truncate it, before the reply.
        PostgreSQL: ``VACUUM`` the runner's tables in the background, after the reply.
        Failures are logged; the runner's rows are deleted either way.
        """
        engine = self.sessions.kw.get("bind")
        if not isinstance(engine, AsyncEngine):
            return
        if engine.dialect.name == "sqlite":
            await _checkpoint(engine)
            return
        task = asyncio.create_task(_vacuum(engine))
        self._vacuums.add(task)
        task.add_done_callback(self._vacuums.discard)

    async def settle(self) -> None:
        """Wait for background vacuums (before the engine is disposed, and in tests)."""
        while self._vacuums:
            await asyncio.gather(*self._vacuums, return_exceptions=True)


async def _checkpoint(engine: AsyncEngine) -> None:
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            # Waiting for a reader inside SQLite's busy handler would block the loop for
            # the whole busy timeout: fail at once instead, and wait here between tries.
            driver.execute("PRAGMA busy_timeout=0")
            try:
                for _ in range(CHECKPOINT_ATTEMPTS):
                    # (busy, frames in the WAL, frames checkpointed); busy=1 means a
                    # reader kept the WAL from being truncated.
                    busy, _, _ = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    if not busy:
                        return
                    await asyncio.sleep(CHECKPOINT_RETRY_S)
            finally:
                driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            log.warning("wal_checkpoint_incomplete attempts=%d", CHECKPOINT_ATTEMPTS)
    except Exception as exc:
        reason = not_saved_reason(exc)
        if reason is None:
            log.exception("wal_checkpoint_failed")
        else:  # the database's trouble, said in one line
            log.error("wal_checkpoint_failed reason=%s error=%s", reason, exc_line(exc))


async def mark_vacuum_pending(session: AsyncSession) -> None:
    """PostgreSQL: note, in the erasing transaction itself, that the runner's tables need
    a vacuum. The vacuum runs after the reply; if the process dies first, the next start
    finds the note and runs it (:func:`resume_vacuum`). SQLite needs none: its scrub runs
    before the reply."""
    bind = session.bind
    if bind is None or bind.dialect.name == "sqlite":
        return
    row = await session.get(KeyValue, VACUUM_PENDING)
    token = secrets.token_hex(8)
    if row is None:
        session.add(KeyValue(key=VACUUM_PENDING, value=token))
    else:
        row.value = token


async def resume_vacuum(engine: AsyncEngine) -> bool:
    """Run the vacuum an erasure left pending (the process died before it ran)."""
    if engine.dialect.name == "sqlite":
        return False
    async with engine.connect() as connection:
        pending = await connection.scalar(_pending())
    if pending is None:
        return False
    log.warning("vacuum_after_erase_resumed: the last one was cut short")
    await _vacuum(engine)
    return True


def _pending() -> Select[tuple[str]]:
    return select(KeyValue.value).where(KeyValue.key == VACUUM_PENDING)


async def _vacuum(engine: AsyncEngine) -> None:
    tables = ", ".join(f'"{name}"' for name in personal_tables())
    try:
        async with engine.connect() as connection:
            # VACUUM can't run inside a transaction.
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            pending = await autocommit.scalar(_pending())
            await autocommit.execute(text(f"VACUUM {tables}"))
            if pending is not None:
                # Only the note this vacuum covered: an erasure since then left a new one.
                await autocommit.execute(
                    delete(KeyValue).where(
                        KeyValue.key == VACUUM_PENDING, KeyValue.value == pending
                    )
                )
    except Exception:
        log.exception("vacuum_after_erase_failed")
