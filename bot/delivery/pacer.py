"""Outbound pacing below a platform's flood limits, interactive replies first.

:class:`PaceSchedule` decides, for a given moment, which queued message may go out
(pure: times are passed in, so it is tested with exact numbers). :class:`Pacer` wraps it
for asyncio: ``await pacer.acquire(chat)`` returns when a message to ``chat`` may be
sent.

Limits are token buckets (overall and per chat, with a burst allowance) and a sliding
window per group chat (Telegram's "20 messages a minute in a group" is a window: a bucket
would let a full burst through again right after the first one).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol

log = logging.getLogger(__name__)


class Priority(IntEnum):
    """Interactive replies always go before queued bulk sends such as reminders."""

    INTERACTIVE = 0
    BULK = 1


@dataclass(frozen=True, slots=True)
class PaceLimits:
    """A platform's limits; a per-chat or per-group limit of ``None`` is not enforced."""

    overall_per_second: float
    overall_burst: int = 1
    per_chat_per_second: float | None = None
    per_chat_burst: int = 1
    per_group_per_minute: int | None = None

    def __post_init__(self) -> None:
        if self.overall_per_second <= 0 or self.overall_burst < 1 or self.per_chat_burst < 1:
            raise ValueError("rates must be positive and bursts at least 1")
        if self.per_chat_per_second is not None and self.per_chat_per_second <= 0:
            raise ValueError("per-chat rate must be positive")
        if self.per_group_per_minute is not None and self.per_group_per_minute < 1:
            raise ValueError("per-group limit must be at least 1")


@dataclass(eq=False, slots=True)
class Ticket:
    """One message waiting for its turn."""

    seq: int
    chat: str
    group: bool
    priority: Priority


@dataclass(slots=True)
class _Bucket:
    rate: float
    capacity: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)

    def wait(self, now: float) -> float:
        self.refill(now)
        # Tolerate float dust: a token 1e-12 short would otherwise ask for a 1e-13 s wait.
        return 0.0 if self.tokens >= 1.0 - 1e-9 else (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self.refill(now)
        self.tokens = max(0.0, self.tokens - 1.0)


@dataclass(slots=True)
class _Window:
    limit: int
    span: float
    sent: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        while self.sent and self.sent[0] <= now - self.span:
            self.sent.popleft()
        return 0.0 if len(self.sent) < self.limit else self.sent[0] + self.span - now

    def take(self, now: float) -> None:
        self.sent.append(now)


class PaceSchedule:
    """Which queued message may go now, under the limits; all times in seconds, passed in."""

    SWEEP_EVERY = 1000  # grants between forgetting idle chats' state

    def __init__(self, limits: PaceLimits, now: float = 0.0) -> None:
        self.limits = limits
        self._overall = _Bucket(
            limits.overall_per_second, limits.overall_burst, limits.overall_burst, now
        )
        self._chats: dict[str, _Bucket] = {}
        self._groups: dict[str, _Window] = {}
        self._held: dict[str, float] = {}
        self._held_all = -math.inf
        # Per priority, per chat, that chat's queue (FIFO): messages to one chat keep their order.
        self._pending: dict[Priority, dict[str, deque[Ticket]]] = {p: {} for p in Priority}
        self._seq = itertools.count()
        self._grants = 0

    def __len__(self) -> int:
        return sum(len(q) for by_chat in self._pending.values() for q in by_chat.values())

    def add(
        self, chat: str, *, group: bool = False, priority: Priority = Priority.INTERACTIVE
    ) -> Ticket:
        ticket = Ticket(next(self._seq), chat, group, priority)
        self._pending[priority].setdefault(chat, deque()).append(ticket)
        return ticket

    def cancel(self, ticket: Ticket) -> None:
        """Forget a ticket that was not granted (its sender gave up)."""
        queue = self._pending[ticket.priority].get(ticket.chat)
        if queue is not None and ticket in queue:
            queue.remove(ticket)
            if not queue:
                del self._pending[ticket.priority][ticket.chat]

    def defer(self, chat: str | None, until: float) -> None:
        """Send nothing to ``chat`` (to anyone, when ``None``) before ``until``: the platform
        asked us to wait (Telegram's 429 ``retry_after``)."""
        if chat is None:
            self._held_all = max(self._held_all, until)
        else:
            self._held[chat] = max(self._held.get(chat, -math.inf), until)

    def take(self, now: float) -> Ticket | float | None:
        """The ticket that may go now (its tokens spent), else seconds to wait, else ``None``
        when nothing is queued."""
        if not len(self):
            return None
        overall_wait = max(self._overall.wait(now), self._held_all - now)
        if overall_wait > 0:
            return overall_wait
        soonest = math.inf
        for priority in Priority:
            best: Ticket | None = None
            for queue in self._pending[priority].values():
                head = queue[0]
                wait = self._chat_wait(head, now)
                if wait > 0:
                    soonest = min(soonest, wait)
                elif best is None or head.seq < best.seq:
                    best = head
            if best is not None:
                self._grant(best, now)
                return best
        return soonest

    def _chat_wait(self, ticket: Ticket, now: float) -> float:
        waits = [self._held.get(ticket.chat, -math.inf) - now, 0.0]
        bucket = self._chat_bucket(ticket.chat, now)
        if bucket is not None:
            waits.append(bucket.wait(now))
        window = self._group_window(ticket) if ticket.group else None
        if window is not None:
            waits.append(window.wait(now))
        return max(waits)

    def _chat_bucket(self, chat: str, now: float) -> _Bucket | None:
        rate = self.limits.per_chat_per_second
        if rate is None:
            return None
        bucket = self._chats.get(chat)
        if bucket is None:
            burst = self.limits.per_chat_burst
            bucket = self._chats[chat] = _Bucket(rate, burst, burst, now)
        return bucket

    def _group_window(self, ticket: Ticket) -> _Window | None:
        limit = self.limits.per_group_per_minute
        if limit is None:
            return None
        window = self._groups.get(ticket.chat)
        if window is None:
            window = self._groups[ticket.chat] = _Window(limit, 60.0)
        return window

    def _grant(self, ticket: Ticket, now: float) -> None:
        queue = self._pending[ticket.priority][ticket.chat]
        queue.popleft()
        if not queue:
            del self._pending[ticket.priority][ticket.chat]
        self._overall.take(now)
        bucket = self._chat_bucket(ticket.chat, now)
        if bucket is not None:
            bucket.take(now)
        window = self._group_window(ticket) if ticket.group else None
        if window is not None:
            window.take(now)
        self._grants += 1
        if self._grants % self.SWEEP_EVERY == 0:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop state that no longer limits anything, so memory follows active chats only."""
        for chat, bucket in list(self._chats.items()):
            bucket.refill(now)
            if bucket.tokens >= bucket.capacity:
                del self._chats[chat]
        for chat, window in list(self._groups.items()):
            if window.wait(now) == 0 and not window.sent:
                del self._groups[chat]
        for chat, until in list(self._held.items()):
            if until <= now:
                del self._held[chat]


class SharedLimits(Protocol):
    """The limits every worker of the bot shares (:class:`~bot.delivery.budget.SharedBudget`)."""

    async def take(self, chat: str, *, group: bool = False, bulk: bool = False) -> None: ...


class Pacer:
    """asyncio front of :class:`PaceSchedule`: one per platform connection.

    ``acquire`` returns when one message may be sent; the caller sends right away.
    A caller cancelled while waiting gives up its place. ``close`` stops the scheduler
    task; call it after the last send.
    """

    def __init__(
        self,
        limits: PaceLimits,
        clock: Callable[[], float] = time.monotonic,
        *,
        shared: SharedLimits | None = None,
    ) -> None:
        self._clock = clock
        self._shared = shared
        self._schedule = PaceSchedule(limits, clock())
        self._waiters: dict[Ticket, asyncio.Future[None]] = {}
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        return len(self._schedule)

    async def acquire(self, chat: str, *, group: bool = False, bulk: bool = False) -> None:
        """Return when a message to ``chat`` may go: first this process's turn (priority
        and limits), then, with ``shared`` limits, the slot all workers share."""
        await self._local(chat, group=group, bulk=bulk)
        if self._shared is not None:
            await self._shared.take(chat, group=group, bulk=bulk)

    async def _local(self, chat: str, *, group: bool, bulk: bool) -> None:
        priority = Priority.BULK if bulk else Priority.INTERACTIVE
        alone = not len(self._schedule)
        ticket = self._schedule.add(chat, group=group, priority=priority)
        # Nobody waiting and the limits allow it: go now, without a round trip through
        # the scheduler task (two turns of a busy event loop).
        if alone and self._schedule.take(self._clock()) is ticket:
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[ticket] = granted
        self._ensure_running()
        self._wakeup.set()
        try:
            await granted
        except asyncio.CancelledError:
            self._schedule.cancel(ticket)
            self._waiters.pop(ticket, None)
            raise

    def defer(self, chat: str | None, seconds: float) -> None:
        """Hold ``chat`` (everything, when ``None``) for ``seconds`` from now."""
        self._schedule.defer(chat, self._clock() + seconds)
        self._wakeup.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="pacer")

    async def _run(self) -> None:
        try:
            while True:
                result = self._schedule.take(self._clock())
                if isinstance(result, Ticket):
                    waiter = self._waiters.pop(result, None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(None)
                    continue
                self._wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(result):
                        await self._wakeup.wait()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # Never leave senders hanging on a broken scheduler: fail them loudly.
            log.exception("pacer stopped unexpectedly")
            for waiter in self._waiters.values():
                if not waiter.done():
                    waiter.set_exception(RuntimeError("pacer stopped"))
            self._waiters.clear()
            raise RuntimeError("pacer stopped") from exc
