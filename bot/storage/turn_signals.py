"""Waking the updates that wait their turn (:mod:`bot.storage.chat_order`), without polling.

A waiter signs up under its chat, and under the ids just below its own while it waits
for a gap to fill, *before* it looks at the table; it then sleeps until it is woken or
its re-check time comes. Nothing can slip between the look and the sleep: whatever is
signalled after the sign-up sets its event.

- In this process (:class:`Wakeups`): an update marked done, or whose step is over,
  wakes its chat's waiters at once. With SQLite, one process, that is all there is.
- Across workers, on PostgreSQL (:class:`TurnListener`): every worker listens on
  :data:`CHANNEL` on one connection of its own. An update marked done notifies its chat
  (``d:<platform>:<chat>``), and an arrival that a later update may be waiting for
  notifies its id (``a:<platform>:<id>``). Notifications are per database, so other
  bots on the same server are not woken.

A notification can be missed: the listening connection went (the waiters are woken to
look again, and it is made again), or a worker died holding an update and never says
so. Each waiter looks again every ``RECHECK_EVERY`` of ``chat_order`` anyway, so that
costs a wait that long, never a stalled chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

CHANNEL = "hipcoach_update_turns"
# After the listening connection could not be made, how long before trying again.
RETRY_AFTER = 1.0  # seconds


def done_message(platform: str, chat: str) -> str:
    return f"d:{platform}:{chat}"


def arrived_message(platform: str, update_id: int) -> str:
    return f"a:{platform}:{update_id}"


class Wakeups:
    """The waiters of this process, by chat and by the ids they need to see arrive."""

    def __init__(self) -> None:
        self._by_chat: dict[tuple[str, str], set[asyncio.Event]] = {}
        # event -> (platform, lowest id, highest id) of the gap its waiter watches
        self._gaps: dict[asyncio.Event, tuple[str, int, int]] = {}

    @contextlib.contextmanager
    def waiting(self, platform: str, chat: str) -> Iterator[asyncio.Event]:
        """An event set when the chat's turn may have come; sign up before looking."""
        event = asyncio.Event()
        waiters = self._by_chat.setdefault((platform, chat), set())
        waiters.add(event)
        try:
            yield event
        finally:
            waiters.discard(event)
            if not waiters:
                self._by_chat.pop((platform, chat), None)
            self._gaps.pop(event, None)

    def watch_gap(self, event: asyncio.Event, platform: str, low: int, high: int) -> None:
        """Also set ``event`` when an update with ``low <= id < high`` arrives."""
        self._gaps[event] = (platform, low, high)

    def unwatch_gap(self, event: asyncio.Event) -> None:
        self._gaps.pop(event, None)

    def chat_moved(self, platform: str, chat: str) -> None:
        for event in self._by_chat.get((platform, chat), ()):
            event.set()

    def arrived(self, platform: str, update_id: int) -> None:
        for event, (where, low, high) in self._gaps.items():
            if where == platform and low <= update_id < high:
                event.set()

    def everyone(self) -> None:
        """Every waiter looks again (notifications may have been missed)."""
        for waiters in self._by_chat.values():
            for event in waiters:
                event.set()

    def message(self, payload: str) -> None:
        """A notification from :data:`CHANNEL`; one that can't be read is ignored."""
        kind, _, rest = payload.partition(":")
        platform, _, what = rest.partition(":")
        if kind == "d":
            self.chat_moved(platform, what)
        elif kind == "a" and what.lstrip("-").isdigit():
            self.arrived(platform, int(what))


class TurnListener:
    """This worker's ``LISTEN`` connection, feeding :class:`Wakeups` (PostgreSQL)."""

    def __init__(self, engine: AsyncEngine, wakeups: Wakeups) -> None:
        self._engine = engine
        self._wakeups = wakeups
        self._connection: AsyncConnection | None = None
        self._gone: AsyncConnection | None = None  # lost, to be let go of
        self._failed_at: float | None = None
        self._opening = asyncio.Lock()

    @property
    def listening(self) -> bool:
        return self._connection is not None

    async def ensure(self) -> None:
        """Listen, unless already listening or the last try failed a moment ago. Never
        raises: without it the waiters only look later."""
        if self._connection is not None:
            return
        gone, self._gone = self._gone, None
        if gone is not None:
            with contextlib.suppress(Exception):
                await gone.invalidate()
        if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_AFTER:
            return
        async with self._opening:
            if self._connection is not None:
                return
            try:
                self._connection = await self._listen()
                self._failed_at = None
            except Exception as exc:
                self._failed_at = time.monotonic()
                log.warning("update_order_not_listening error=%s", type(exc).__name__)

    async def _listen(self) -> AsyncConnection:
        connection = await self._engine.connect()
        try:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            driver.add_termination_listener(self._lost)
            await driver.add_listener(CHANNEL, self._notified)
        except BaseException:
            await connection.invalidate()
            raise
        return connection

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        self._wakeups.message(payload)

    def _lost(self, _connection: object) -> None:
        # Anything notified while nobody listened is lost: everyone looks again.
        if self._connection is not None:
            log.warning("update_order_listener_lost")
            self._gone = self._connection
        self._connection = None
        self._wakeups.everyone()

    async def close(self) -> None:
        gone, self._gone = self._gone, None
        if gone is not None:
            with contextlib.suppress(Exception):
                await gone.invalidate()
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            driver.remove_termination_listener(self._lost)
            await driver.remove_listener(CHANNEL, self._notified)
            await connection.close()
        except Exception:
            with contextlib.suppress(Exception):
                await connection.invalidate()
