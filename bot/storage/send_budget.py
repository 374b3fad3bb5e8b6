"""The shared send budget in PostgreSQL (:class:`~bot.delivery.budget.BudgetStore`).

One statement per send, in its own transaction (autocommit): lock the send's bucket rows
(in key order, so two workers never wait on each other in a cycle), compute the slot from
their TATs and the server's clock, and write the new TATs, all inside the server, so a
row stays locked only while the server runs the statement and commits it, not across a
round trip, let alone a busy worker's own work. A bucket row that is not there yet (a
new chat) is created in a statement of its own (``ON CONFLICT DO NOTHING``, so two
workers creating it at once both go on) and the reservation run again. Chat and group
rows whose TAT is well in the past limit nothing and are pruned now and then.

The database server's clock is the only clock, so workers on different hosts agree. A
slot is a moment on that clock, and each worker turns it into one on its own clock
(:class:`ServerClock`) with the offset its quickest recent round trip measured: a wait
counted from the moment the worker reads the answer would start as late as that answer
was read (a commit, a busy event loop), and two workers' sends meant to be a slot apart
would reach Telegram together.

Why PostgreSQL and not Redis: the workers share PostgreSQL already (it is what makes
them safe: claims, update ids, leases), a reservation costs one statement of a few
milliseconds at 30 a second, and Redis would be a second server to run, secure and
monitor for a deployer, whose failure would need handling of its own. Measured in
``bench/scale_burst.py``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.delivery.budget import Booking, Bucket

PRUNE_EVERY = 1000  # reservations between prunes
IDLE_SECONDS = 600.0  # a chat bucket this far in the past is forgotten
# How fast an offset measured a while ago is trusted less: far more than two clocks
# drift apart, so a quicker round trip a few seconds old still wins over a slow one now.
DRIFT = 0.001  # seconds per second

# One statement, its own transaction: the bucket rows stay locked while the server runs
# and commits it. It returns the server's time, the slot, how far the buckets that are
# not shared hold it back past the shared ones' slot, how many of the buckets exist, and
# whether it booked.
_RESERVE = text(
    """
WITH cur AS (
    SELECT bucket, tat FROM send_budget
    WHERE bucket = ANY(CAST(:keys AS text[])) ORDER BY bucket FOR UPDATE
),
clock AS (
    SELECT COALESCE(CAST(:now AS float8), EXTRACT(EPOCH FROM clock_timestamp())::float8) AS now
),
rules AS (
    SELECT * FROM unnest(
        CAST(:keys AS text[]),
        CAST(:periods AS float8[]),
        CAST(:tolerances AS float8[]),
        CAST(:shared AS boolean[])
    ) AS r(bucket, period, tolerance, shared)
),
slot AS (
    SELECT
        GREATEST(MAX(clock.now), MAX(cur.tat - rules.tolerance)) AS at,
        GREATEST(MAX(clock.now), MAX(cur.tat - rules.tolerance) FILTER (WHERE rules.shared))
            AS shared_at,
        COUNT(cur.bucket) AS n
    FROM clock LEFT JOIN (cur JOIN rules USING (bucket)) ON TRUE
),
booked AS (
    UPDATE send_budget AS b SET tat = GREATEST(cur.tat, slot.at) + rules.period
    FROM cur JOIN rules USING (bucket), slot, clock
    WHERE b.bucket = cur.bucket AND slot.n = :count
        AND slot.at - clock.now <= :up_to AND slot.at - slot.shared_at <= :hold
    RETURNING 1
)
SELECT clock.now, slot.at, slot.at - slot.shared_at, slot.n, (SELECT COUNT(*) FROM booked)
FROM slot, clock
"""
)
_CREATE = text(
    "INSERT INTO send_budget (bucket, tat) SELECT unnest(CAST(:keys AS text[])), 0 "
    "ON CONFLICT (bucket) DO NOTHING"
)
_PRUNE = text("DELETE FROM send_budget WHERE bucket LIKE '%:%:%' AND tat < :before")
_NOW = text("SELECT COALESCE(CAST(:now AS float8), EXTRACT(EPOCH FROM clock_timestamp()))")


class ServerClock:
    """The database server's clock as read from this worker: the offset from the local
    clock, taken from the reservation whose round trip was quickest lately (its error is
    at most half that round trip; an older one counts as a little less sure)."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._error = math.inf
        self._taken = 0.0

    def sample(self, server: float, sent: float, received: float) -> None:
        """The server read ``server`` between ``sent`` and ``received`` (local clock)."""
        error = (received - sent) / 2
        if error <= self._error + (received - self._taken) * DRIFT:
            self._offset = server - (sent + received) / 2
            self._error = error
            self._taken = received

    def local(self, server: float) -> float:
        """The local time of ``server``, a moment on the server's clock."""
        return server - self._offset


class PostgresSendBudget:
    """Reservations in the ``send_budget`` table. ``now`` (seconds) replaces both the
    server's clock and this worker's in tests, so waits come out exact."""

    def __init__(self, engine: AsyncEngine, now: Callable[[], float] | None = None) -> None:
        # Every statement its own transaction: one round trip, and no lock held across it.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._now = now
        self._local = now or time.monotonic
        self.server_clock = ServerClock()
        self._count = 0

    async def reserve(
        self, buckets: Sequence[Bucket], *, up_to: float, hold: float = math.inf
    ) -> Booking:
        rules = {bucket.key: bucket for bucket in buckets}
        keys = sorted(rules)
        params = {
            "keys": keys,
            "periods": [rules[key].period for key in keys],
            "tolerances": [rules[key].tolerance for key in keys],
            # Without a shared bucket, nothing is held back by the others.
            "shared": [rules[key].shared or not any(b.shared for b in buckets) for key in keys],
            "count": len(keys),
            "up_to": _finite(up_to),
            "hold": _finite(hold),
            "now": self._now() if self._now is not None else None,
        }
        async with self._engine.connect() as connection:
            answer = await self._ask(connection, params)
            if answer.found < len(keys):
                # A bucket seen for the first time (a new chat): make it, then book.
                await connection.execute(_CREATE, {"keys": keys})
                answer = await self._ask(connection, params)
            self._count += 1
            if self._count % PRUNE_EVERY == 0:
                now = await connection.scalar(_NOW, {"now": params["now"]})
                await connection.execute(_PRUNE, {"before": float(now) - IDLE_SECONDS})
        wait = self.server_clock.local(answer.slot) - self._local()
        if answer.booked:
            # Below zero when the answer was read after the slot (the caller sees how late).
            return Booking(wait, booked=True)
        # Not booked: ask again once the slot is within reach. When the chat holds it
        # back, that is once the chat's own slot is within ``hold`` too.
        reach = up_to if answer.held <= hold else min(up_to, hold)
        return Booking(max(wait - reach, 0.0), booked=False)

    async def _ask(self, connection: AsyncConnection, params: dict[str, object]) -> _Answer:
        sent = self._local()
        server, slot, held, found, booked = (await connection.execute(_RESERVE, params)).one()
        self.server_clock.sample(float(server), sent, self._local())
        return _Answer(float(slot), float(held), int(found), bool(booked))


@dataclass(frozen=True, slots=True)
class _Answer:
    slot: float  # on the server's clock
    held: float
    found: int
    booked: bool


def _finite(seconds: float) -> float:
    return seconds if math.isfinite(seconds) else 1e9
