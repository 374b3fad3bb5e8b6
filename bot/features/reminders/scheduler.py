"""The reminder timer: APScheduler wakes the dispatcher when the next reminder is due.

There is no job per reminder. The reminders table is the truth, and two in-memory
APScheduler jobs drive one worker:

* ``reminders-wake``, a one-shot date job armed for the earliest ``next_fire_at`` /
  ``snooze_until`` of any active reminder, and re-armed after every pass and whenever a
  conversation reports a reminder that fires sooner (:class:`WakeUp`);
* ``reminders-tick``, a periodic safety net that also catches changes made by another
  process, marks crashed claims as lost and prunes old delivery rows.

Both jobs only signal the worker task, which runs one dispatcher pass at a time, so a
burst never overlaps itself and APScheduler never drops a wake-up for "too many
running instances". Wake-ups that come late (a stalled loop, a suspended laptop) still
run within ``misfire_grace``; the dispatcher, not the timer, decides what is too late to
send. Times come from the injected clock, so tests can move it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.ports import Clock
from bot.features.reminders.dispatcher import Dispatcher, PassReport
from bot.features.reminders.wakeup import WakeUp

log = logging.getLogger(__name__)

WAKE_JOB = "reminders-wake"
TICK_JOB = "reminders-tick"
MAINTENANCE_EVERY = timedelta(hours=1)


class ReminderScheduler:
    """Lifecycle: ``await start()`` inside the running loop, then ``await stop()``.

    ``start`` recovers crashed claims, sends what came due while the bot was down
    (within the grace window) and arms the timer; ``ready`` is set once that first pass
    has finished.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        clock: Clock,
        wakeup: WakeUp,
        *,
        tick: timedelta = timedelta(seconds=60),
        misfire_grace: timedelta = timedelta(minutes=15),
    ) -> None:
        self.dispatcher = dispatcher
        self.clock = clock
        self.wakeup = wakeup
        self.tick = tick
        self.misfire_grace = misfire_grace
        self.ready = asyncio.Event()
        # The latest pass reports, newest last (for logs, tests and the bench).
        self.passes: deque[PassReport] = deque(maxlen=100)
        self._scheduler: AsyncIOScheduler | None = None
        self._worker: asyncio.Task[None] | None = None
        self._kicked = asyncio.Event()
        self._armed_for: datetime | None = None
        self._wanted: datetime | None = None
        self._recovered_at = self._pruned_at = clock.now()
        self._stopping = False

    async def start(self) -> None:
        await self.dispatcher.recover()
        self._recovered_at = self._pruned_at = self.clock.now()
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(self.misfire_grace.total_seconds()),
            },
        )
        scheduler.start()
        scheduler.add_job(
            self._signal,
            IntervalTrigger(seconds=self.tick.total_seconds(), timezone=UTC),
            id=TICK_JOB,
        )
        self._scheduler = scheduler
        self.wakeup.subscribe(self.changed)
        self._worker = asyncio.create_task(self._work(), name="reminder-dispatcher")
        self._kicked.set()  # catch up on whatever came due while we were down

    async def stop(self, drain_seconds: float = 10.0) -> None:
        """Stop the timer; let a pass in progress finish its sends (up to ``drain_seconds``)."""
        self._stopping = True
        self.wakeup.unsubscribe(self.changed)
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._worker is not None:
            self._kicked.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), drain_seconds)
            except TimeoutError:
                self._worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._worker
            self._worker = None

    def changed(self, fire_at: datetime) -> None:
        """A reminder now fires at ``fire_at``: wake sooner if that is sooner."""
        self._wanted = fire_at if self._wanted is None else min(self._wanted, fire_at)
        if self._armed_for is None or fire_at < self._armed_for:
            self._arm(fire_at)

    @property
    def armed_for(self) -> datetime | None:
        """When (by the injected clock) the next wake-up is due."""
        return self._armed_for

    async def _signal(self) -> None:
        self._kicked.set()

    async def _work(self) -> None:
        while not self._stopping:
            await self._kicked.wait()
            self._kicked.clear()
            if self._stopping:
                return
            self._wanted = None
            self._armed_for = None
            try:
                await self._maintain()
                self.passes.append(await self.dispatcher.run_once())
                earliest = await self.dispatcher.earliest()
            except Exception:
                log.exception("reminder_pass_failed")
                earliest = None
            wanted = [at for at in (earliest, self._wanted) if at is not None]
            if wanted and not self._stopping:
                self._arm(min(wanted))
            self.ready.set()

    async def _maintain(self) -> None:
        now = self.clock.now()
        if now - self._recovered_at >= self.tick:
            await self.dispatcher.recover()
            self._recovered_at = now
        if now - self._pruned_at >= MAINTENANCE_EVERY:
            pruned = await self.dispatcher.prune()
            if pruned:
                log.info("reminder_deliveries_pruned count=%d", pruned)
            self._pruned_at = now

    def _arm(self, at: datetime) -> None:
        if self._scheduler is None:
            return
        self._armed_for = at
        # The clock may be a test clock: convert "how long from now" into wall time.
        delay = max((at - self.clock.now()).total_seconds(), 0.0)
        run_date = datetime.now(UTC) + timedelta(seconds=delay)
        self._scheduler.add_job(
            self._signal,
            DateTrigger(run_date=run_date, timezone=UTC),
            id=WAKE_JOB,
            replace_existing=True,
        )
