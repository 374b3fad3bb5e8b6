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

Within one worker, its own earlier updates are ordered by the adapter's per-chat lock
and lanes; they hold nothing up once their step is over (:meth:`ChatOrder.stepped`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.ports import Clock
from bot.ops.metrics import ORDER_WAITS
from bot.storage.workers import WORKER_CLASS, WorkerRegistry

log = logging.getLogger(__name__)

GAP_WINDOW = 16
GAP_WAIT = 0.25  # seconds
MAX_WAIT = 5.0  # seconds; well inside the balancer's and Telegram's patience
POLL_EVERY = 0.01  # seconds between looks while waiting
KEEP_FOR = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)

_ARRIVE = text(
    "INSERT INTO update_arrivals (platform, update_id, chat_id, worker, arrived_at) "
    "VALUES (:p, :u, :c, :w, :now) ON CONFLICT (platform, update_id) DO UPDATE "
    "SET worker = excluded.worker WHERE update_arrivals.done_at IS NULL"
)
_KNOWN_BELOW = text(
    "SELECT count(*) FROM update_arrivals WHERE platform = :p AND update_id >= :lo "
    "AND update_id < :u"
)
# Earlier updates of the chat, not done, whose worker is registered now.
_AHEAD = text(
    "SELECT a.update_id, a.worker FROM update_arrivals a WHERE a.platform = :p "
    "AND a.chat_id = :c AND a.update_id < :u AND a.done_at IS NULL AND EXISTS ("
    "SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = :wc "
    "AND l.objsubid = 2 AND l.granted AND l.objid = a.worker::oid "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
)
# The chat is no longer needed once done: the row keeps only the id, for the gap check.
_DONE = text(
    "UPDATE update_arrivals SET done_at = :now, chat_id = '' WHERE platform = :p AND update_id = :u"
)
_PRUNE = text("DELETE FROM update_arrivals WHERE arrived_at < :before")


class ChatOrder:
    """The core's :class:`~bot.core.ports.UpdateOrder` on PostgreSQL."""

    def __init__(self, engine: AsyncEngine, workers: WorkerRegistry, clock: Clock) -> None:
        self._engine = engine
        self._workers = workers
        self._clock = clock
        self._unstepped: set[tuple[str, int]] = set()
        self._pruned_at: float | None = None

    async def wait_turn(self, platform: str, update_id: int, chat: str) -> None:
        self._unstepped.add((platform, update_id))
        try:
            await self._wait_turn(platform, update_id, chat)
        except Exception as exc:
            log.warning(
                "update_order_unavailable update_id=%s error=%s", update_id, type(exc).__name__
            )

    def stepped(self, platform: str, update_id: int) -> None:
        self._unstepped.discard((platform, update_id))

    async def done(self, platform: str, update_id: int) -> None:
        self._unstepped.discard((platform, update_id))
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    _DONE, {"p": platform, "u": update_id, "now": self._clock.now()}
                )
                await self._prune(connection)
        except Exception as exc:
            log.warning("update_order_not_marked update_id=%s error=%s", update_id, exc)

    async def _wait_turn(self, platform: str, update_id: int, chat: str) -> None:
        me = self._workers.worker
        started = time.monotonic()
        waited = False
        async with self._engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(
                _ARRIVE,
                {"p": platform, "u": update_id, "c": chat, "w": me, "now": self._clock.now()},
            )
            low = max(update_id - GAP_WINDOW, 0)
            gap_open = True
            while True:
                ahead = [
                    (row[0], row[1])
                    for row in await connection.execute(
                        _AHEAD, {"p": platform, "c": chat, "u": update_id, "wc": WORKER_CLASS}
                    )
                ]
                # This worker's own earlier ones are ordered here already, once stepped.
                ahead = [a for a in ahead if a[1] != me or (platform, a[0]) in self._unstepped]
                elapsed = time.monotonic() - started
                if gap_open and not ahead:
                    known = await connection.scalar(
                        _KNOWN_BELOW, {"p": platform, "lo": low, "u": update_id}
                    )
                    gap_open = (known or 0) < update_id - low and elapsed < GAP_WAIT
                if not ahead and not gap_open:
                    break
                if elapsed >= MAX_WAIT:
                    log.warning(
                        "update_order_gave_up update_id=%s waited_s=%.1f ahead=%d",
                        update_id,
                        elapsed,
                        len(ahead),
                    )
                    break
                if ahead and not waited:
                    waited = True
                    ORDER_WAITS.labels(platform).inc()
                await asyncio.sleep(POLL_EVERY)

    async def _prune(self, connection: AsyncConnection) -> None:
        now = time.monotonic()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY.total_seconds():
            return
        self._pruned_at = now
        await connection.execute(_PRUNE, {"before": self._clock.now() - KEEP_FOR})
