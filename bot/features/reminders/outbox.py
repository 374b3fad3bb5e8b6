"""The dispatcher's bookkeeping of each send, written as it goes.

Every reminder handed to a platform is recorded twice: as *attempted* (one more
attempt, lease renewed), committed before the send, and with its *outcome* after it.
The dispatcher marks attempts a few claims ahead, and caps the sends whose outcome is
not yet committed; this module only writes. Writes from all senders are coalesced:
the writer gathers for a moment, and whatever is waiting then goes into one
transaction, so a burst costs a transaction per several messages.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.features.reminders.store import Lease, ReminderRepository
from bot.storage.database import transaction

GATHER_SECONDS = 0.025


def worker_id() -> str:
    """This process's name on the claims it holds: host, pid and a random tail (a pid
    is reused after a restart, in a container always)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(slots=True)
class _Pending:
    attempted: list[int] = field(default_factory=list)
    finished: list[tuple[int, str]] = field(default_factory=list)
    renewed: set[int] = field(default_factory=set)
    waiters: list[asyncio.Future[None]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.attempted or self.finished or self.renewed)


class Ledger:
    """Records attempts, outcomes and lease renewals for one worker; each call returns
    once its write is committed (or raises what the transaction raised)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        worker: str,
        lease: timedelta,
        now: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.worker = worker
        self.lease = lease
        self._now = now
        self._pending = _Pending()
        self._writer: asyncio.Task[None] | None = None

    def lease_from(self, now: datetime) -> Lease:
        return Lease(self.worker, now + self.lease)

    async def attempted(self, delivery_ids: Collection[int]) -> None:
        """These claims are about to be handed to the platform; returns once committed."""
        self._pending.attempted.extend(delivery_ids)
        await self._submit()

    def finished(self, delivery_id: int, status: str) -> asyncio.Future[None]:
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

    def _submit(self) -> asyncio.Future[None]:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
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
                await self._write(batch)
            except Exception as exc:
                for waiter in batch.waiters:
                    if not waiter.done():
                        waiter.set_exception(exc)
            else:
                for waiter in batch.waiters:
                    if not waiter.done():
                        waiter.set_result(None)

    async def _write(self, batch: _Pending) -> None:
        now = self._now()
        lease = self.lease_from(now)
        async with transaction(self.sessions) as session:
            repo = ReminderRepository(session)
            await repo.mark_attempted(batch.attempted, lease)
            await repo.finish_deliveries(batch.finished, now)
            finished = {delivery_id for delivery_id, _ in batch.finished}
            await repo.renew(batch.renewed - finished, lease)
