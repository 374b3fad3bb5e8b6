"""A platform's send limits shared by every worker of one bot.

Each worker's :class:`~bot.delivery.pacer.Pacer` keeps its own order (interactive replies
first, a chat's messages in turn) and its own copy of the limits; that is all one process
needs. Several workers pacing themselves each to the whole limit would together send N
times too fast, so with a :class:`SharedBudget` every send also reserves its slot in
buckets kept where all workers see them (:class:`BudgetStore`, PostgreSQL in
:mod:`bot.storage.send_budget`).

The buckets follow GCRA (the "virtual scheduling" form of a token bucket): each keeps the
theoretical arrival time (TAT) of its next send. A send is allowed at ``t`` when
``t >= TAT - tolerance``; it moves TAT to ``max(TAT, t) + period``. One bucket for the bot
(period 1/29 s, no tolerance: evenly spaced, so no one-second window ever holds more than
30), one per chat (1 s, a burst of 3) and one per group (60/17 s, a burst of 3: at most 20
in any minute, which a burst allowance on a 3 s period would break). The bursts are cut
by ``JITTER`` so that sends arriving a little late after their slots stay within limits.

A send books its slot in all its buckets at once, so the bot-wide TAT moves to that slot.
A send held back by its own chat's limit (a runner who writes faster than one reply a
second) would then hold every other chat's sends back with it, up to a second of the
whole bot's sending lost each time. So a send books only when its chat's and group's
buckets put its slot at most ``HOLD`` bot-wide periods after the slot the bot-wide bucket
alone would give; otherwise it books nothing and asks again when its chat allows it.

Priority across workers: an interactive reply books the next free slot at once, however
far ahead, and waits for it; a bulk send (a reminder) books a slot only when it is at most
``BULK_AHEAD`` bot-wide periods (0.1 s) away, and otherwise asks again then. So an
interactive reply waits at most about 0.1 s for bulk slots booked before it, however many
workers there are. Booking a little ahead, with up to ``BULK_BOOKINGS`` bulk slots held
by a worker at once, rather than only a slot that is free now, keeps the slots back to
back: a worker that comes late to its slot (a busy machine, a slow round trip) does not
push every later slot back.

If the store fails (the database is away), the send goes on under the worker's own pacing,
with one warning a minute: a runner's reply is never held back by the budget's bookkeeping.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.delivery.pacer import PaceLimits

log = logging.getLogger(__name__)

LATE_LIMIT = 0.02  # seconds late for a booked slot before it is given up
REBOOK_TRIES = 3  # slots given up before a send goes late anyway
MIN_RETRY = 0.002  # seconds: a bulk send asks again no sooner than this
# Bulk slots one worker may hold booked at once: more keeps the slots back to back on a
# slow machine, but a worker whose loop stalls then fires them together when it wakes,
# closer than the bot-wide spacing (measured: a 429 in the three-worker test with 3).
BULK_BOOKINGS = 1
BULK_AHEAD = 3  # bot-wide periods a bulk send may book ahead (0.1 s at 29 a second)
WARN_EVERY = 60.0  # seconds between warnings about a failing store
GROUP_BURST = 3
# Seconds of lateness a send may have after its slot (the reservation's commit, a busy
# machine) without the platform seeing two sends to one chat too close: the burst
# allowance is cut by this much. (A late send followed by one on time arrive closer
# together than their slots; with the allowance cut by m, up to m of difference is safe.)
JITTER = 0.25
# Bot-wide periods a send's own chat or group limit may hold its slot back past the
# bot-wide one; further, it books nothing yet (see the module docstring).
HOLD = 1


@dataclass(frozen=True, slots=True)
class Bucket:
    """One limit: a send every ``period`` seconds, up to ``tolerance`` seconds early.
    ``shared``: the bot-wide bucket, which every chat's sends draw on."""

    key: str
    period: float
    tolerance: float = 0.0
    shared: bool = False


@dataclass(frozen=True, slots=True)
class Booking:
    """What a reservation got: when ``booked``, the slot is the caller's in ``wait``
    seconds (wait that long, then send; below zero, the slot passed that long ago);
    otherwise nothing was reserved, and asking again in ``wait`` seconds may book."""

    wait: float
    booked: bool


class BudgetStore(Protocol):
    async def reserve(
        self, buckets: Sequence[Bucket], *, up_to: float, hold: float = math.inf
    ) -> Booking:
        """Reserve one send in every bucket at once, if its slot is at most ``up_to``
        seconds away and the buckets that are not ``shared`` put it at most ``hold``
        seconds after the slot the shared ones alone would give."""
        ...


Sleep = Callable[[float], Awaitable[None]]


def chat_tag(chat: str) -> str:
    """A chat's bucket name part: a hash, so no chat id is stored outside its user's rows."""
    return hashlib.sha256(chat.encode()).hexdigest()[:24]


class SharedBudget:
    """One platform's limits across workers; ``take`` returns when a send may go."""

    def __init__(
        self,
        store: BudgetStore,
        platform: str,
        limits: PaceLimits,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._platform = platform
        self._limits = limits
        self._sleep = sleep
        self._clock = clock
        self._bulk = asyncio.Semaphore(BULK_BOOKINGS)
        self._warned_at: float | None = None
        self.failures = 0

    def buckets(self, chat: str, *, group: bool) -> list[Bucket]:
        lim = self._limits
        found = [Bucket(f"{self._platform}:all", 1.0 / lim.overall_per_second, shared=True)]
        if lim.per_chat_per_second is not None:
            period = 1.0 / lim.per_chat_per_second
            burst = max(period * (lim.per_chat_burst - 1) - JITTER, 0.0)
            found.append(Bucket(f"{self._platform}:c:{chat_tag(chat)}", period, burst))
        if group and lim.per_group_per_minute is not None:
            # GCRA with a burst b stays within n a minute only if 60/period + b - 1 < n + 1.
            period = 60.0 / (lim.per_group_per_minute - GROUP_BURST)
            burst = period * (GROUP_BURST - 1) - JITTER
            found.append(Bucket(f"{self._platform}:g:{chat_tag(chat)}", period, burst))
        return found

    async def take(self, chat: str, *, group: bool = False, bulk: bool = False) -> None:
        buckets = self.buckets(chat, group=group)
        hold = buckets[0].period * HOLD
        tries = 0
        if not bulk:
            while True:
                booking = await self._reserve(buckets, up_to=math.inf, hold=hold)
                if not booking.booked:
                    # Its chat's own limit: asked again once that comes near.
                    await self._sleep(max(booking.wait, MIN_RETRY))
                elif await self._in_time(booking.wait, last=tries >= REBOOK_TRIES):
                    return
                else:
                    tries += 1
        ahead = buckets[0].period * BULK_AHEAD
        while True:
            async with self._bulk:
                booking = await self._reserve(buckets, up_to=ahead, hold=hold)
                if booking.booked:
                    # Booked: hold this booking's turn until the slot comes.
                    if await self._in_time(booking.wait, last=tries >= REBOOK_TRIES):
                        return
                    tries += 1
                    continue
            # Not booked (a chat's own limit, or other slots ahead): let this worker's
            # other sends ask meanwhile.
            await self._sleep(max(booking.wait, MIN_RETRY))

    async def _in_time(self, wait: float, *, last: bool) -> bool:
        """Wait for a booked slot. False when this worker woke too late for it (a stalled
        loop, or an answer read late): sent now it would arrive bunched with the next
        workers' sends, so the slot is given up (a lower rate, never a burst) and the
        caller books again."""
        due = self._clock() + wait
        if wait > 0:
            await self._sleep(wait)
        return last or self._clock() - due <= LATE_LIMIT

    async def _reserve(self, buckets: Sequence[Bucket], *, up_to: float, hold: float) -> Booking:
        try:
            return await self._store.reserve(buckets, up_to=up_to, hold=hold)
        except Exception as exc:
            self.failures += 1
            now = self._clock()
            if self._warned_at is None or now - self._warned_at >= WARN_EVERY:
                self._warned_at = now
                original = getattr(exc, "orig", None) or exc
                said = (str(original).strip().splitlines() or [""])[0][:200]
                log.warning(
                    "send_budget_unavailable platform=%s error=%s: %s; pacing this worker alone",
                    self._platform,
                    type(exc).__name__,
                    said,
                )
            return Booking(0.0, booked=True)
