"""The shared send budget in PostgreSQL (:class:`~bot.delivery.budget.BudgetStore`).

One short transaction per send: lock the send's bucket rows (in key order, so two
workers never wait on each other in a cycle), compute the slot from their TATs and the
server's clock, and write the new TATs. The database server's clock is the only clock,
so workers on different hosts agree. A bucket row that is not there yet is created
(``ON CONFLICT DO NOTHING``, so two workers creating it at once both go on) and locked
in the same transaction. Chat and group rows whose TAT is well in the past limit
nothing and are pruned now and then.

Why PostgreSQL and not Redis: the workers share PostgreSQL already (it is what makes
them safe: claims, update ids, leases), a reservation costs a transaction of a few
milliseconds at 30 a second, and Redis would be a second server to run, secure and
monitor for a deployer, whose failure would need handling of its own. Measured in
``bench/scale_burst.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.budget import Bucket

PRUNE_EVERY = 1000  # reservations between prunes
IDLE_SECONDS = 600.0  # a chat bucket this far in the past is forgotten

_NOW = text("SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8")
_LOCK = text(
    "SELECT bucket, tat FROM send_budget WHERE bucket = ANY(:keys) ORDER BY bucket FOR UPDATE"
)
_CREATE = text(
    "INSERT INTO send_budget (bucket, tat) SELECT unnest(CAST(:keys AS text[])), 0 "
    "ON CONFLICT (bucket) DO NOTHING"
)
_SET = text(
    "UPDATE send_budget SET tat = v.tat FROM "
    "unnest(CAST(:keys AS text[]), CAST(:tats AS float8[])) AS v(bucket, tat) "
    "WHERE send_budget.bucket = v.bucket"
)
_PRUNE = text("DELETE FROM send_budget WHERE bucket LIKE '%:%:%' AND tat < :before")


class PostgresSendBudget:
    """Reservations in the ``send_budget`` table; ``now`` (seconds) replaces the server's
    clock in tests."""

    def __init__(self, engine: AsyncEngine, now: Callable[[], float] | None = None) -> None:
        self._engine = engine
        self._now = now
        self._count = 0

    async def reserve(self, buckets: Sequence[Bucket], *, up_to: float) -> float:
        keys = sorted({bucket.key for bucket in buckets})
        rules = {bucket.key: bucket for bucket in buckets}
        async with self._engine.begin() as connection:
            tats = dict((await connection.execute(_LOCK, {"keys": keys})).tuples().all())
            if len(tats) < len(keys):
                await connection.execute(_CREATE, {"keys": [k for k in keys if k not in tats]})
                tats = dict((await connection.execute(_LOCK, {"keys": keys})).tuples().all())
            now = self._now() if self._now is not None else await connection.scalar(_NOW)
            assert now is not None
            slot = max([now] + [tats[key] - rules[key].tolerance for key in keys])
            wait = slot - now
            if wait > up_to:
                return wait  # nothing written; the transaction ends with no change
            new = [max(tats[key], slot) + rules[key].period for key in keys]
            await connection.execute(_SET, {"keys": keys, "tats": new})
            self._count += 1
            if self._count % PRUNE_EVERY == 0:
                await connection.execute(_PRUNE, {"before": now - IDLE_SECONDS})
        return max(wait, 0.0)
