"""aiosqlite without its worker thread, for SQLite used from one event loop.

aiosqlite hands every cursor call to a thread and back: four hand-offs per statement,
which measured at about 3.4 ms per conversation step (``bench/core.py``), most of it
waiting on the hand-off rather than on SQLite. SQLite on a local file answers these
small statements in microseconds, so running them inline on the loop is faster and
keeps each step's transaction from interleaving with others.

The cost: a statement that must wait for another *process's* write lock blocks the
loop for up to the busy timeout. Within one process that cannot happen, because the
engine uses a single connection (see ``database.create_engine``) and writers queue for
it without blocking. Deployments that need several processes use PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite


class _RunNow:
    """Stands in for aiosqlite's queue to its thread: runs each call immediately."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(exc)
        else:
            if future is not None and not future.done():
                future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        # The base class starts its worker thread here; there is none to start.
        return self._connect().__await__()


def connect(path: str, **kwargs: Any) -> InlineConnection:
    return InlineConnection(lambda: sqlite3.connect(path, **kwargs))
