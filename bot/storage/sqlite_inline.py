"""SQLite for asyncio without a worker thread: the standard sqlite3 driver, run inline.

SQLAlchemy's asyncio support needs a dialect that says it is async. Its aiosqlite
dialect hands every cursor call to a thread and back, about 3.4 ms per conversation step
in ``bench/core.py``. Run inline instead, each statement still crossed four awaits, each
a greenlet switch out of the synchronous ORM and back; dropping aiosqlite's wrapper and
those switches made a step about a fifth faster again. SQLite on a local file answers
these small statements in microseconds, so this dialect runs them directly on the event
loop: the plain ``sqlite3`` driver, declared async so that ``AsyncEngine`` and
``AsyncSession`` accept it.

The pool is the asyncio one, so when the single connection (see
``database.create_engine``) is busy, a step waits for it on the loop without blocking.

The cost: a statement that must wait for another *process's* write lock blocks the loop
for up to the busy timeout. Within one process that cannot happen, because steps queue
for the one connection. Deployments that need several processes use PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Generator
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.util import await_only

DRIVER = "inline"


class _Nothing:
    """An awaitable that finishes at once."""

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield


_NOTHING = _Nothing()


class InlineCursor(sqlite3.Cursor):
    # AsyncConnection.execute insists that a statement awaited something, as an async
    # driver's always do. One await of nothing per statement satisfies it; it measured
    # no slower in bench/core.py.
    def execute(self, sql: str, parameters: Any = (), /) -> InlineCursor:
        super().execute(sql, parameters)
        await_only(_NOTHING)
        return self

    def executemany(self, sql: str, parameters: Any, /) -> InlineCursor:
        super().executemany(sql, parameters)
        await_only(_NOTHING)
        return self

    async def _async_soft_close(self) -> None:
        """Called by SQLAlchemy's asyncio results before they are read synchronously.
        An async driver's cursor must be drained first; a sqlite3 cursor can be read
        later as it is."""


class InlineConnection(sqlite3.Connection):
    def cursor(self, factory: Any = InlineCursor) -> Any:
        return super().cursor(factory)


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    driver = DRIVER
    supports_statement_cache = True
    # Declared async so that AsyncEngine wraps it; its pool then makes a step wait for
    # the connection on the loop.
    is_async = True

    def create_connect_args(self, url: URL) -> Any:
        args, kwargs = super().create_connect_args(url)
        kwargs["factory"] = InlineConnection
        return args, kwargs

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        return pool.AsyncAdaptedQueuePool


registry.register(f"sqlite.{DRIVER}", __name__, "InlineSQLiteDialect")
