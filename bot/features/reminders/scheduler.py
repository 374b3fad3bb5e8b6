"""The reminder timer: APScheduler wakes the dispatcher when the next reminder is due.

There is no job per reminder. The reminders table is the truth, and two in-memory
APScheduler jobs drive one worker:

* ``reminders-wake``, a one-shot date job armed for the earliest ``next_fire_at`` /
  ``snooze_until`` of any active reminder, and re-armed after every pass and whenever a
  conversation reports a reminder that fires sooner (:class:`WakeUp`);
* ``reminders-tick``, a periodic safety net that also catches changes made by another
  process and prunes old delivery rows.

A claim whose lease runs out (its process died) counts as work too: the wake-up is
armed for it, and the pass that runs then sends it again or counts it lost. With several
workers, a third task looks for claims whose worker is gone whenever the registry sees a
worker leave (it checks every :data:`~bot.storage.workers.CHECK_EVERY`), and every
:data:`SWEEP_EVERY` besides; once the registry confirms the holder dead it gives them
back and wakes the dispatcher, so they go out within seconds instead of once the lease
runs out.

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
import time
from collections import deque
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.ports import Clock
from bot.features.reminders.dispatcher import Dispatcher, DrainReport, PassReport
from bot.features.reminders.wakeup import WakeUp
from bot.storage.errors import not_saved_reason

log = logging.getLogger(__name__)

WAKE_JOB = "reminders-wake"
TICK_JOB = "reminders-tick"
MAINTENANCE_EVERY = timedelta(hours=1)
# Also without a departure seen: for workers gone while this one could not look.
SWEEP_EVERY = 10.0  # seconds


class ReminderScheduler:
    """Lifecycle: ``await start()`` inside the running loop, then ``await stop()``.

    ``start`` recovers claims a stopped process left behind, sends what came due while
    the bot was down (within the grace window) and arms the timer; ``ready`` is set once
    that first pass has finished. ``stop`` stops claiming, lets each send in hand finish
    and releases the rest for the next process.
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
        self._reaper: asyncio.Task[None] | None = None
        self._kicked = asyncio.Event()
        self._armed_for: datetime | None = None
        self._wanted: datetime | None = None
        self._pruned_at = clock.now()
        self._stopping = False

    async def start(self) -> None:
        await self.dispatcher.recover()
        self._pruned_at = self.clock.now()
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
        if self.dispatcher.workers is not None:
            self._reaper = asyncio.create_task(self._release_dead(), name="reminder-reaper")
        self._kicked.set()  # catch up on whatever came due while we were down

    async def stop(self, drain_seconds: float = 5.0) -> DrainReport:
        """Stop the timer and claiming; let each send in hand finish (up to
        ``drain_seconds``, then it is cancelled); release every claim not finished, so
        the next process sends it. Logs and returns what was finished and released."""
        started = time.monotonic()
        self._stopping = True
        self.dispatcher.stop_claiming()
        self.wakeup.unsubscribe(self.changed)
        reaper, self._reaper = self._reaper, None
        if reaper is not None:
            reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reaper
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        cut_short = False
        if self._worker is not None:
            self._kicked.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), drain_seconds)
            except TimeoutError:
                cut_short = True
                self._worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._worker
            self._worker = None
        try:
            drained = await self.dispatcher.release_held()
        except Exception:
            # Their leases run out instead, and the next process sends them then.
            log.exception("reminder_release_failed held=%d", self.dispatcher.held)
            drained = DrainReport(self.dispatcher.finished_while_stopping, released=0)
        log.info(
            "reminders_drained finished=%d released=%d cut_short=%s seconds=%.1f",
            drained.finished,
            drained.released,
            str(cut_short).lower(),
            time.monotonic() - started,
        )
        return drained

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
            except Exception as exc:
                if not_saved_reason(exc) == "unreachable":
                    # The database is away: one line, no traceback; the safety tick
                    # (once a minute by default) tries again.
                    log.warning("reminder_pass_failed reason=database_unreachable")
                else:
                    log.exception("reminder_pass_failed")
                earliest = None
            wanted = [at for at in (earliest, self._wanted) if at is not None]
            if wanted and not self._stopping:
                self._arm(min(wanted))
            self.ready.set()

    async def _release_dead(self) -> None:
        """Claims of workers found dead: given back, and this worker woken to send them.
        First at once (a worker may have died before this one started)."""
        workers = self.dispatcher.workers
        assert workers is not None
        while not self._stopping:
            try:
                if await self.dispatcher.release_dead_holders():
                    self._kicked.set()
            except Exception as exc:  # the database is away: the pass says so
                log.debug("reminder_reaper_failed error=%s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(workers.departed.wait(), SWEEP_EVERY)
            workers.departed.clear()

    async def _maintain(self) -> None:
        now = self.clock.now()
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
