"""Each chat's updates in order across workers (the ``update_arrivals`` table).

Behind a load balancer, a chat's consecutive updates can reach different workers and
race. Every update is written down as it arrives (which chat, which worker). Before its
step, a worker waits while an earlier update of the same chat is not yet done and its
worker is alive (:mod:`bot.storage.workers`: a killed worker's holds are ignored at
once). Done means its replies went out, so the runner also sees the replies in order.

An earlier update that has not arrived anywhere yet can't be seen that way, but it
leaves a gap: Telegram numbers a bot's updates one by one, so if any of the
:data:`GAP_WINDOW` ids just below this one is unknown, the worker waits up to
:data:`GAP_WAIT` for it to show up. (Ids beyond the window arrived long ago, or never
will.) Nothing waits longer than :data:`MAX_WAIT` in all: order is then best effort,
and the line ``update_order_gave_up`` says so.

A waiter does not poll: it sleeps until the update it waits for is done or arrives
(:mod:`bot.storage.turn_signals`: woken in this process directly, from other workers by
``NOTIFY``), and looks again every :data:`RECHECK_EVERY` in case a notification was
lost or the worker holding that update died. Arriving costs one statement (record,
look, and notify a later update that may be waiting for this one); the waiter's
connection goes back to the pool while it sleeps. Updates marked done together share
one statement (a group commit), which also notifies their chats.

Within one worker, its own earlier updates are ordered by the adapter's per-chat lock
and lanes; they hold nothing up once their step is over (:meth:`ChatOrder.stepped`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.ports import Clock
from bot.ops.metrics import ORDER_WAIT_SECONDS, ORDER_WAITS
from bot.storage.turn_signals import (
    CHANNEL,
    TurnListener,
    Wakeups,
    arrived_message,
    done_message,
)
from bot.storage.workers import WORKER_CLASS, WorkerRegistry

log = logging.getLogger(__name__)

GAP_WINDOW = 16
GAP_WAIT = 0.25  # seconds
MAX_WAIT = 5.0  # seconds; well inside the balancer's and Telegram's patience
RECHECK_EVERY = 0.5  # seconds between looks while no notification comes
KEEP_FOR = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)

# One statement, one row: record the arrival (only when ``arriving``: a waiter looking
# again writes nothing), notify a later update not done yet that may be waiting for this
# one to fill its gap (on commit, once the row is visible), and look: how many of the
# ids just below are known, and the chat's earlier updates not done whose worker is
# registered now, with their workers.
_ARRIVE_AND_LOOK = text(
    "WITH arrive AS ("
    "INSERT INTO update_arrivals (platform, update_id, chat_id, worker, arrived_at) "
    "SELECT CAST(:p AS varchar), CAST(:u AS bigint), CAST(:c AS varchar), "
    "CAST(:w AS bigint), CAST(:now AS timestamptz) WHERE CAST(:arriving AS boolean) "
    "ON CONFLICT (platform, update_id) DO UPDATE "
    "SET worker = excluded.worker WHERE update_arrivals.done_at IS NULL RETURNING 1), "
    "told AS (SELECT pg_notify(:channel, :arrived) FROM update_arrivals "
    "WHERE CAST(:arriving AS boolean) AND platform = :p AND update_id > :u "
    "AND update_id <= :hi AND done_at IS NULL LIMIT 1) "
    "SELECT known.n, ahead.ids, ahead.workers FROM "
    "(SELECT count(*) AS n FROM update_arrivals WHERE platform = :p AND update_id >= :lo "
    "AND update_id < :u) AS known, "
    "(SELECT array_agg(a.update_id) AS ids, array_agg(a.worker) AS workers "
    "FROM update_arrivals a WHERE a.platform = :p AND a.chat_id = :c AND a.update_id < :u "
    "AND a.done_at IS NULL AND EXISTS ("
    "SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = :wc "
    "AND l.objsubid = 2 AND l.granted AND l.objid = a.worker::oid "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
    ") AS ahead, (SELECT count(*) FROM told) AS notified"
)
# The chat is no longer needed once done: the row keeps only the id, for the gap check.
# Every chat is notified (its later updates may be waiting, here or on another worker).
_DONE = text(
    "WITH done AS (UPDATE update_arrivals a SET done_at = :now, chat_id = '' "
    "FROM unnest(CAST(:platforms AS text[]), CAST(:ids AS bigint[])) AS d(p, u) "
    "WHERE a.platform = d.p AND a.update_id = d.u RETURNING 1) "
    "SELECT pg_notify(:channel, m) FROM unnest(CAST(:messages AS text[])) AS m"
)
_PRUNE = text("DELETE FROM update_arrivals WHERE arrived_at < :before")


class ChatOrder:
    """The core's :class:`~bot.core.ports.UpdateOrder` on PostgreSQL."""

    def __init__(self, engine: AsyncEngine, workers: WorkerRegistry, clock: Clock) -> None:
        self._engine = engine
        self._workers = workers
        self._clock = clock
        self._wakeups = Wakeups()
        self._listener = TurnListener(engine, self._wakeups)
        self._unstepped: set[tuple[str, int]] = set()
        self._chats: dict[tuple[str, int], str] = {}  # updates in hand -> their chat
        self._pending: dict[tuple[str, int], str] = {}  # done, waiting for the next write
        self._written: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._pruned_at: float | None = None

    async def wait_turn(self, platform: str, update_id: int, chat: str) -> None:
        self._unstepped.add((platform, update_id))
        self._chats[(platform, update_id)] = chat
        started = time.monotonic()
        try:
            await self._wait_turn(platform, update_id, chat, started)
        except Exception as exc:
            log.warning(
                "update_order_unavailable update_id=%s error=%s", update_id, type(exc).__name__
            )
        ORDER_WAIT_SECONDS.labels(platform).observe(time.monotonic() - started)

    def stepped(self, platform: str, update_id: int) -> None:
        self._unstepped.discard((platform, update_id))
        chat = self._chats.get((platform, update_id))
        if chat is not None:
            self._wakeups.chat_moved(platform, chat)

    async def done(self, platform: str, update_id: int) -> None:
        self._unstepped.discard((platform, update_id))
        chat = self._chats.pop((platform, update_id), "")
        self._pending[(platform, update_id)] = chat
        if self._written is None:
            self._written = asyncio.get_running_loop().create_future()
        written = self._written
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_done(), name="update-order-done")
        await asyncio.shield(written)

    async def close(self) -> None:
        """Write the marks in hand and stop listening (call once, when the adapter stops)."""
        if self._writer is not None and not self._writer.done():
            await self._writer
        await self._listener.close()

    async def _wait_turn(self, platform: str, update_id: int, chat: str, started: float) -> None:
        me = self._workers.worker
        await self._listener.ensure()
        low = max(update_id - GAP_WINDOW, 0)
        params: dict[str, Any] = {
            "p": platform,
            "u": update_id,
            "c": chat,
            "w": me,
            "lo": low,
            "hi": update_id + GAP_WINDOW,
            "wc": WORKER_CLASS,
            "channel": CHANNEL,
            "arrived": arrived_message(platform, update_id),
        }
        gap_open = True
        waited = False
        with self._wakeups.waiting(platform, chat) as woken:
            self._wakeups.watch_gap(woken, platform, low, update_id)
            row = await self._look(params, arriving=True)
            while True:
                known, ahead_ids, workers = row
                # This worker's own earlier ones are ordered here already, once stepped.
                ahead = [
                    u
                    for u, w in zip(ahead_ids or (), workers or (), strict=True)
                    if w != me or (platform, u) in self._unstepped
                ]
                elapsed = time.monotonic() - started
                if gap_open and not ahead:
                    gap_open = (known or 0) < update_id - low and elapsed < GAP_WAIT
                    if not gap_open:
                        self._wakeups.unwatch_gap(woken)
                if not ahead and not gap_open:
                    return
                if elapsed >= MAX_WAIT:
                    log.warning(
                        "update_order_gave_up update_id=%s waited_s=%.1f ahead=%d",
                        update_id,
                        elapsed,
                        len(ahead),
                    )
                    return
                if ahead and not waited:
                    waited = True
                    ORDER_WAITS.labels(platform).inc()
                sleep = min(RECHECK_EVERY, MAX_WAIT - elapsed)
                if gap_open and not ahead:
                    sleep = min(sleep, max(GAP_WAIT - elapsed, 0.0))
                # Woken, timed out or not, it looks again.
                await _sleep_until(woken, sleep)
                woken.clear()
                await self._listener.ensure()
                row = await self._look(params, arriving=False)

    async def _look(self, params: dict[str, Any], *, arriving: bool) -> tuple[Any, ...]:
        async with self._engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            result = await connection.execute(
                _ARRIVE_AND_LOOK, {**params, "arriving": arriving, "now": self._clock.now()}
            )
            row = tuple(result.one())
        if arriving:  # a waiter of this process may be watching for this id
            self._wakeups.arrived(params["p"], params["u"])
        return row

    async def _write_done(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, {}
            written, self._written = self._written, None
            try:
                await self._mark_done(batch)
            except Exception as exc:
                log.warning("update_order_not_marked updates=%d error=%s", len(batch), exc)
            finally:
                if written is not None and not written.done():
                    written.set_result(None)
            # This process's waiters need no notification to come back.
            for (platform, _), chat in batch.items():
                if chat:
                    self._wakeups.chat_moved(platform, chat)

    async def _mark_done(self, batch: dict[tuple[str, int], str]) -> None:
        messages = sorted({done_message(p, chat) for (p, _), chat in batch.items() if chat})
        async with self._engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(
                _DONE,
                {
                    "now": self._clock.now(),
                    "platforms": [p for p, _ in batch],
                    "ids": [u for _, u in batch],
                    "channel": CHANNEL,
                    "messages": messages,
                },
            )
            await self._prune(connection)

    async def _prune(self, connection: AsyncConnection) -> None:
        now = time.monotonic()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY.total_seconds():
            return
        self._pruned_at = now
        await connection.execute(_PRUNE, {"before": self._clock.now() - KEEP_FOR})


async def _sleep_until(event: asyncio.Event, seconds: float) -> None:
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        pass
