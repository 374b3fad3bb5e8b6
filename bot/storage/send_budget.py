"""The shared send budget in PostgreSQL (:class:`~bot.delivery.budget.BudgetStore`).

One statement per send: lock the send's bucket rows (in key order, so two workers never
wait on each other in a cycle), compute the slot from their TATs and the server's clock,
and write the new TATs, all inside the server, so a row stays locked only until the
commit, not across a busy worker's own work. The database server's clock is the only clock,
so workers on different hosts agree. A bucket row that is not there yet is created
(``ON CONFLICT DO NOTHING``, so two workers creating it at once both go on) and the
statement run again. Chat and group rows whose TAT is well in the past limit
nothing and are pruned now and then.

Why PostgreSQL and not Redis: the workers share PostgreSQL already (it is what makes
them safe: claims, update ids, leases), a reservation costs a transaction of a few
milliseconds at 30 a second, and Redis would be a second server to run, secure and
monitor for a deployer, whose failure would need handling of its own. Measured in
``bench/scale_burst.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.budget import Booking, Bucket

PRUNE_EVERY = 1000  # reservations between prunes
IDLE_SECONDS = 600.0  # a chat bucket this far in the past is forgotten

# One statement, committed at once: the bucket rows stay locked for the time the server
# takes to run it and the commit's round trip, never across the worker's own work. It
# returns the wait until the slot, how far the buckets that are not shared hold it back
# past the shared ones' slot, how many of the buckets exist, and whether it booked.
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
SELECT slot.at - clock.now, slot.at - slot.shared_at, slot.n, (SELECT COUNT(*) FROM booked)
FROM slot, clock
"""
)
_CREATE = text(
    "INSERT INTO send_budget (bucket, tat) SELECT unnest(CAST(:keys AS text[])), 0 "
    "ON CONFLICT (bucket) DO NOTHING"
)
_PRUNE = text("DELETE FROM send_budget WHERE bucket LIKE '%:%:%' AND tat < :before")
_NOW = text("SELECT COALESCE(CAST(:now AS float8), EXTRACT(EPOCH FROM clock_timestamp()))")


class PostgresSendBudget:
    """Reservations in the ``send_budget`` table; ``now`` (seconds) replaces the server's
    clock in tests."""

    def __init__(self, engine: AsyncEngine, now: Callable[[], float] | None = None) -> None:
        self._engine = engine
        self._now = now
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
        async with self._engine.begin() as connection:
            wait, held, found, booked = (await connection.execute(_RESERVE, params)).one()
            if found < len(keys):
                # A bucket seen for the first time (a new chat): make it, then book.
                await connection.execute(_CREATE, {"keys": keys})
                wait, held, found, booked = (await connection.execute(_RESERVE, params)).one()
            self._count += 1
            if self._count % PRUNE_EVERY == 0:
                now = await connection.scalar(_NOW, {"now": params["now"]})
                await connection.execute(_PRUNE, {"before": float(now) - IDLE_SECONDS})
        wait, held = float(wait), float(held)
        if booked:
            return Booking(max(wait, 0.0), booked=True)
        # Not booked: ask again once the slot is within reach. When the chat holds it
        # back, that is once the chat's own slot is within ``hold`` too.
        reach = up_to if held <= hold else min(up_to, hold)
        return Booking(max(wait - reach, 0.0), booked=False)


def _finite(seconds: float) -> float:
    return seconds if math.isfinite(seconds) else 1e9
