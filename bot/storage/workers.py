"""Workers on one database: each one registered while it lives, and one at a time for
the start-up work.

A worker is one ``python -m bot run`` process. On PostgreSQL it registers by holding a
session advisory lock ``(WORKER_CLASS, worker id)`` on a connection of its own; the
server drops the lock the moment that connection goes, however the process ends
(SIGKILL included), so "is worker W alive?" is "is its lock held?" (``pg_locks``,
this database's only). The ids are random, so two workers never share one.

A live worker can lose its lock too, when the server ends its session (a restart, an
administrator's ``pg_terminate_backend``). It checks every :data:`CHECK_EVERY` and takes
the lock again, and the others count a worker dead only once it is still missing after
:data:`CONFIRM_AFTER`: otherwise they would send the replies it is still sending.

A worker found dead has its claims released by the others at once (see
:meth:`WorkerRegistry.fence`), so what it held goes out within seconds, not once a lease
runs out. What guards a send is that its attempt is written on the registration's own
connection (:meth:`WorkerRegistry.run_registered`): committed only while the worker holds
its lock (each such write checks that its session holds it), and never while another
one holds the fence, which excludes the lock. So a
worker taken for dead that was only slow finds its claims gone and sends none of them.

The start-up work that must happen once per deploy, not once per worker (Telegram's
``setWebhook`` and command menu), runs under :meth:`WorkerRegistry.exclusive`: a
transaction-free advisory lock that a second worker starting at the same moment waits
for, after which it finds the work done (the adapter keeps a digest of what it set).

On SQLite there is one process: it is always the only worker, and the lock is a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from sqlalchemy import Row, Update, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from bot.ops.metrics import LEADER, WORKERS

log = logging.getLogger(__name__)

# The first half of the two-key advisory locks of worker registrations ("HipW").
WORKER_CLASS = 0x48697057
# How often the registry checks that it still holds its lock, and counts the live
# workers for the metric. Well inside the others' adoption period (5 s), so a worker
# whose connection went is back before they would take its replies over.
CHECK_EVERY = 1.0
# A worker missing from the registrations is dead once it is still missing after this
# long: a live one whose session went has taken its lock again by then.
CONFIRM_AFTER = 2.5 * CHECK_EVERY

WORKER_ID = secrets.randbelow(2**31 - 2) + 1
"""This process's worker id (positive, so it compares with ``pg_locks.objid``)."""

# This database's registrations only: other databases on the server are other bots.
_ALIVE = text(
    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid = :c "
    "AND objsubid = 2 AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
# In a statement on the registration's own connection: this session holds the lock.
_HELD_HERE = text(
    "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
    "AND classid = :held_c AND objid = :held_w AND objsubid = 2 AND granted)"
)
# On the registration's own connection: is the lock still this session's?
_HELD = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
    "AND classid = :c AND objid = :w AND objsubid = 2 AND granted"
)


class NotRegistered(Exception):
    """This worker's registration is lost for now (it is being taken again)."""


def exclusive_key(name: str) -> int:
    digest = hashlib.sha256(f"hipcoach:exclusive:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class WorkerRegistry:
    """This worker's registration, and who else is alive."""

    def __init__(
        self,
        engine: AsyncEngine,
        worker: int = WORKER_ID,
        *,
        confirm_after: float = CONFIRM_AFTER,
        watch: bool = True,
    ) -> None:
        """``watch``: check the registration every :data:`CHECK_EVERY` (off, only
        :meth:`ensure_registered` does)."""
        self.worker = worker
        self._watching = watch
        self._confirm_after = confirm_after
        self._engine = engine
        self._server = engine.dialect.name != "sqlite"
        self._connection: AsyncConnection | None = None
        # One user of the registration's connection at a time: the checks and the writes
        # that must commit only while this worker is registered.
        self._using = asyncio.Lock()
        self._counter: asyncio.Task[None] | None = None
        # Set when a worker seen registered at the last check is missing at this one.
        self.departed = asyncio.Event()
        self._seen: set[int] = set()

    @property
    def shared(self) -> bool:
        """Several workers may share this database."""
        return self._server

    async def register(self) -> None:
        if not self._server:
            WORKERS.set(1)
            return
        await self._lock()
        if self._watching:
            self._counter = asyncio.create_task(self._watch(), name="worker-watch")
        log.info("worker_registered worker=%d", self.worker)

    async def _lock(self) -> None:
        connection = await self._engine.connect()
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(
            text("SELECT pg_advisory_lock(:c, :w)"), {"c": WORKER_CLASS, "w": self.worker}
        )
        self._connection = connection

    async def ensure_registered(self) -> bool:
        """Take the lock again if its connection went (the server restarted, or an
        administrator ended the session): without it, the other workers would take
        this one for dead and send the replies it is still sending. True if it was."""
        async with self._using:
            return await self._ensure_registered()

    async def _ensure_registered(self) -> bool:
        connection = self._connection
        if connection is None:
            return True
        try:
            held = await connection.scalar(_HELD, {"c": WORKER_CLASS, "w": self.worker})
        except Exception:
            held = 0
        if held:
            return True
        log.warning("worker_registration_lost worker=%d", self.worker)
        self._connection = None
        with contextlib.suppress(Exception):
            await connection.invalidate()
        try:
            await self._lock()
        except Exception as exc:  # the database is away; the next check tries again
            log.warning("worker_not_registered worker=%d error=%s", self.worker, type(exc).__name__)
            self._connection = connection  # checked again, and found gone, next time
            return False
        log.info("worker_registered_again worker=%d", self.worker)
        return False

    async def unregister(self) -> None:
        counter, self._counter = self._counter, None
        if counter is not None:
            counter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await counter
        async with self._using:  # a write in hand commits first
            connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            # Closed, the connection would go back to the pool still holding the lock.
            await connection.execute(
                text("SELECT pg_advisory_unlock(:c, :w)"), {"c": WORKER_CLASS, "w": self.worker}
            )
            await connection.close()
        except Exception:
            with contextlib.suppress(Exception):
                await connection.invalidate()  # the server lets go with the session

    async def run_registered(self, statement: Update) -> Sequence[Row[Any]]:
        """Run one ``UPDATE … RETURNING`` on the registration's own connection, committed
        at once, only where this session holds the worker's lock as it runs, and return
        its rows. So it commits only while this worker is registered: not on a session
        the driver opened again after the lock's went, and never while another worker
        holds the :meth:`fence` on this one. Raises :class:`NotRegistered` (or the
        driver's error) when the lock is not held."""
        async with self._using:
            connection = self._connection
            if connection is None:
                raise NotRegistered(f"worker {self.worker} is not registered")
            guarded = statement.where(
                _HELD_HERE.bindparams(held_c=WORKER_CLASS, held_w=self.worker)
            )
            rows = list((await connection.execute(guarded)).all())
            if not rows and not await connection.scalar(
                _HELD, {"c": WORKER_CLASS, "w": self.worker}
            ):
                raise NotRegistered(f"worker {self.worker} lost its registration")
            return rows

    async def fence(self, session: AsyncSession, worker: int) -> bool:
        """Keep ``worker``, found dead, from registering again until ``session``'s
        transaction ends, so that transaction can take back what it held: nothing that
        worker writes with :meth:`run_registered` commits meanwhile. False if it holds
        its registration after all (or another worker is fencing it now)."""
        if not self._server:
            return True
        got = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:c, :w)"), {"c": WORKER_CLASS, "w": worker}
        )
        return bool(got)

    async def alive(self) -> set[int]:
        """The ids of the workers registered now (this one included)."""
        if not self._server:
            return {self.worker}
        async with self._engine.connect() as connection:
            rows = await connection.execute(_ALIVE, {"c": WORKER_CLASS})
            return {int(row[0]) for row in rows} | {self.worker}

    async def dead(self, workers: Iterable[int | None]) -> set[int | None]:
        """Those of ``workers`` no longer registered (``None``: a single process's),
        still missing after ``confirm_after`` seconds (see :data:`CONFIRM_AFTER`)."""
        wanted = set(workers)
        if not wanted:
            return set()
        live = await self.alive()
        missing = {w for w in wanted if w is not None and w not in live}
        if missing and self._confirm_after > 0:
            await asyncio.sleep(self._confirm_after)
            missing -= await self.alive()
        return missing | ({None} & wanted)

    @contextlib.asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """One worker at a time in the block; the others wait their turn."""
        if not self._server:
            yield
            return
        key = exclusive_key(name)
        async with self._engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            LEADER.labels(name).set(1)
            try:
                yield
            finally:
                LEADER.labels(name).set(0)
                with contextlib.suppress(Exception):
                    await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(CHECK_EVERY)
            try:
                await self.ensure_registered()
                live = await self.alive()
                if self._seen - live:
                    self.departed.set()
                self._seen = live
                WORKERS.set(len(live))
            except Exception as exc:  # the database is away; readiness says so
                log.debug("worker_check_failed error=%s", type(exc).__name__)
