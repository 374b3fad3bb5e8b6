"""The dispatcher's bookkeeping of each send, written as it goes.

Every reminder handed to a platform is recorded twice: as *attempted* (one more
attempt, lease renewed), committed before the send, and with its *outcome* after it.
The dispatcher marks attempts a few claims ahead, and caps the sends whose outcome is
not yet committed; this module only writes. Writes from all senders are coalesced:
the writer gathers for a moment, and whatever is waiting then goes into one
transaction, so a burst costs a transaction per several messages.

With several workers the attempts are written on the worker's registration connection
(:meth:`bot.storage.workers.WorkerRegistry.run_registered`), and only claims this worker
still holds are marked: a claim the others took back, its worker found dead, is not sent.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.features.reminders.store import Lease, ReminderRepository, attempt_statement
from bot.storage.database import transaction
from bot.storage.workers import WorkerRegistry

GATHER_SECONDS = 0.025
_REGISTERED_AS = re.compile(r":w(\d+)$")


def worker_id(registered_as: int | None = None) -> str:
    """This process's name on the claims it holds: host, pid and a tail a restart won't
    reuse (a pid is reused, in a container always): its id in the worker registry where
    it has one, so the other workers can tell when the holder is gone; else random."""
    tail = secrets.token_hex(4) if registered_as is None else f"w{registered_as}"
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{tail}"


def registered_as(holder: str) -> int | None:
    """The registry id in a claim's holder name (None: a name from before they had one)."""
    found = _REGISTERED_AS.search(holder)
    return int(found.group(1)) if found else None


@dataclass(slots=True)
class _Pending:
    attempted: list[int] = field(default_factory=list)
    finished: list[tuple[int, str]] = field(default_factory=list)
    renewed: set[int] = field(default_factory=set)
    # Each is told the claims its batch marked attempted (those this worker still held).
    waiters: list[asyncio.Future[frozenset[int]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.attempted or self.finished or self.renewed)


class Ledger:
    """Records attempts, outcomes and lease renewals for one worker; each call returns
    once its write is committed (or raises what the transaction raised).

    ``registry``: a worker on a shared database writes its attempts on its registration
    connection (see the module docstring); None: in the writes' own transaction."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        worker: str,
        lease: timedelta,
        now: Callable[[], datetime],
        registry: WorkerRegistry | None = None,
    ) -> None:
        self.sessions = sessions
        self.worker = worker
        self._registry = registry if registry is not None and registry.shared else None
        self.lease = lease
        self._now = now
        self._pending = _Pending()
        self._writer: asyncio.Task[None] | None = None

    def lease_from(self, now: datetime) -> Lease:
        return Lease(self.worker, now + self.lease)

    async def attempted(self, delivery_ids: Collection[int]) -> frozenset[int]:
        """These claims are about to be handed to the platform; returns once committed,
        with those of them this worker still held (only those may be sent)."""
        self._pending.attempted.extend(delivery_ids)
        marked = await self._submit()
        return marked & frozenset(delivery_ids)

    def finished(self, delivery_id: int, status: str) -> asyncio.Future[frozenset[int]]:
        """Record a send's outcome; the future is done once it is committed (or failed)."""
        self._pending.finished.append((delivery_id, status))
        return self._submit()

    async def renew(self, delivery_ids: Collection[int]) -> None:
        self._pending.renewed.update(delivery_ids)
        await self._submit()

    async def idle(self) -> None:
        """Until every write asked for so far is done."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    def _submit(self) -> asyncio.Future[frozenset[int]]:
        done: asyncio.Future[frozenset[int]] = asyncio.get_running_loop().create_future()
        self._pending.waiters.append(done)
        self._start_writer()
        return done

    def _start_writer(self) -> None:
        if self._writer is None or self._writer.done():
            # Its own task: a sender cancelled while waiting (a drain that ran out) does
            # not cancel the write other senders wait for.
            self._writer = asyncio.create_task(self._write_all(), name="reminder-ledger")

    async def _write_all(self) -> None:
        while self._pending:
            # Let the other senders' writes of this moment join the same transaction: in
            # a burst a transaction per message would cost more event-loop time than the
            # sends themselves, while a send waiting this much longer costs nothing (the
            # pacer ahead of it still holds the other senders' messages).
            await asyncio.sleep(GATHER_SECONDS)
            batch, self._pending = self._pending, _Pending()
            try:
                marked = await self._write(batch)
            except Exception as exc:
                for waiter in batch.waiters:
                    if not waiter.done():
                        waiter.set_exception(exc)
            else:
                for waiter in batch.waiters:
                    if not waiter.done():
                        waiter.set_result(marked)

    async def _write(self, batch: _Pending) -> frozenset[int]:
        now = self._now()
        lease = self.lease_from(now)
        marked: frozenset[int] = frozenset()
        registry = self._registry
        async with transaction(self.sessions) as session:
            repo = ReminderRepository(session)
            if batch.attempted and registry is None:
                marked = await repo.mark_attempted(batch.attempted, lease)
            await repo.finish_deliveries(batch.finished, now)
            finished = {delivery_id for delivery_id, _ in batch.finished}
            await repo.renew(batch.renewed - finished, lease)
        if batch.attempted and registry is not None:
            rows = await registry.run_registered(attempt_statement(batch.attempted, lease))
            marked = frozenset(int(row[0]) for row in rows)
        return marked
