"""The paced counts' timer: starts and stops counts with the steps, shows their beats.

A step saves its count (:meth:`CountRunner.begin`) or stops the running one
(:meth:`CountRunner.end`) in its own transaction; once it commits, the runner holds the
count in memory until the adapter that sent its opening message says how to edit it
(:meth:`CountRunner.opened`). From then on each :meth:`run_due` shows the newest beat
that is due, never sooner than :data:`~bot.core.counts.MIN_BEAT_GAP` after the last
edit (beats that came due meanwhile are skipped, not sent late in a burst), saves how
far it got, and at the end edits the message into the step's ``done`` reply.

APScheduler (``start``) calls ``run_due`` every ``tick``; times come from the injected
clock, so tests move it and call ``run_due`` themselves. A count still running when the
process stopped is, at the next ``start``, marked interrupted and reported once: one
line saying so, with the step's ``done`` reply, never its stale beats.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.counts import MIN_BEAT_GAP, CountScreen, PacedCount
from bot.core.messages import ConversationKey
from bot.core.ports import Adapter, Clock, Unreachable
from bot.core.stores import Database
from bot.core.turn import Turn
from bot.features.counts.store import CountRepository

log = logging.getLogger(__name__)

TICK_JOB = "counts-tick"
UNOPENED_AFTER = timedelta(seconds=60)
"""A count whose first message no adapter reported sent by then is given up."""


@dataclass(eq=False)
class _Live:
    id: int
    key: ConversationKey
    count: PacedCount
    started_at: datetime
    screen: CountScreen | None = None
    opened_at: datetime | None = None
    last_edit: datetime | None = None
    shown: int = 1  # the opening message shows the first beat
    halted: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(frozen=True, slots=True)
class Shown:
    """One edit of a count's message, for tests and the bench."""

    count: int
    platform: str
    at: datetime
    final: bool


class CountRunner:
    """The core's :class:`~bot.core.counts.Counts` and
    :class:`~bot.core.counts.CountScreens`, and the timer behind them.

    Lifecycle: ``attach`` the started adapters, ``await start()`` (reports counts a
    stopped process left running, then arms the timer), ``await stop()``.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        restarted: str,
        *,
        tick: timedelta = timedelta(milliseconds=500),
        min_gap: float = MIN_BEAT_GAP,
    ) -> None:
        self.database = database
        self.clock = clock
        self.restarted = restarted
        self.tick = tick
        self.min_gap = timedelta(seconds=min_gap)
        self.adapters: dict[str, Adapter] = {}
        self.shown: list[Shown] = []
        self._live: dict[int, _Live] = {}
        self._scheduler: AsyncIOScheduler | None = None
        self._worker: asyncio.Task[None] | None = None
        self._kicked = asyncio.Event()

    # --- the core's ports ---

    async def begin(self, turn: Turn, count: PacedCount) -> str:
        repo = turn.store(CountRepository)
        ended = await repo.end_running(turn.key, "stopped", turn.now)
        count_id = await repo.add(turn.user.id, turn.key, count, turn.now)
        turn.counting = str(count_id)
        turn.after_commit.append(functools.partial(self._started, ended, count_id, turn.key, count))
        return str(count_id)

    async def end(self, turn: Turn) -> bool:
        ended = await turn.store(CountRepository).end_running(turn.key, "stopped", turn.now)
        # And any held here whose row is gone already (the step erased the runner).
        held = [live.id for live in self._live.values() if live.key == turn.key]
        if ended or held:
            turn.after_commit.append(functools.partial(self._halt, [*ended, *held]))
        return bool(ended)

    def opened(self, count: str, key: ConversationKey, screen: CountScreen) -> None:
        live = self._live.get(int(count)) if count.isdigit() else None
        if live is None or live.key != key or live.screen is not None or live.halted:
            return  # stopped already, or left by a process before this one
        now = self.clock.now()
        live.screen, live.opened_at, live.last_edit = screen, now, now
        self._kicked.set()

    # --- lifecycle ---

    def attach(self, adapters: Mapping[str, Adapter]) -> None:
        self.adapters = dict(adapters)

    async def start(self) -> None:
        await self.recover()
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 5},
        )
        scheduler.start()
        scheduler.add_job(
            self._signal,
            IntervalTrigger(seconds=self.tick.total_seconds(), timezone=UTC),
            id=TICK_JOB,
        )
        self._scheduler = scheduler
        self._worker = asyncio.create_task(self._work(), name="paced-counts")

    async def stop(self) -> None:
        """Stop the timer; an edit in flight finishes. Counts still running stay so in
        the database, and the next start reports them."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        for live in list(self._live.values()):
            live.halted = True
            async with live.lock:
                pass
        self._live.clear()

    async def recover(self) -> int:
        """Tell each runner whose count a stopped process left running, once: one line and
        the step the count would have ended on. Returns how many were told."""
        async with self.database.transaction() as tx:
            taken = await CountRepository(tx).take_all_running(
                list(self.adapters), self.clock.now()
            )
        for saved in taken:
            done = saved.count.done
            reply = replace(done, text=f"{self.restarted}\n\n{done.text}")
            try:
                await self.adapters[saved.key.platform].send(saved.key, reply)
            except Exception as exc:
                log.warning(
                    "count_restart_note_failed count=%d error=%s", saved.id, type(exc).__name__
                )
        if taken:
            log.info("counts_interrupted_by_restart count=%d", len(taken))
        return len(taken)

    # --- the timer ---

    @property
    def running(self) -> int:
        """Counts held in memory (started, not yet ended)."""
        return len(self._live)

    @property
    def showing(self) -> int:
        """Counts whose message is out and being edited."""
        return sum(live.screen is not None for live in self._live.values())

    async def run_due(self) -> None:
        """Show what is due now on every open count (at most one edit each). A count
        whose edit is still under way (its chat's pace holds it) is left for the next
        pass, so one slow chat holds up no other."""
        now = self.clock.now()
        for live in list(self._live.values()):
            if live.screen is None and now - live.started_at > UNOPENED_AFTER:
                await self._unopened(live, now)
        lives = [
            live
            for live in self._live.values()
            if live.screen is not None and not live.lock.locked()
        ]
        await asyncio.gather(*(self._advance(live, now) for live in lives))

    async def _unopened(self, live: _Live, now: datetime) -> None:
        """Its opening message never went out (the platform refused it): nothing to edit."""
        async with self.database.transaction() as tx:
            await CountRepository(tx).finish(live.id, "unopened", now)
        self._drop(live, "unopened")

    async def _signal(self) -> None:
        self._kicked.set()

    async def _work(self) -> None:
        while True:
            await self._kicked.wait()
            self._kicked.clear()
            try:
                await self.run_due()
            except Exception:
                log.exception("count_pass_failed")

    async def _started(
        self, ended: list[int], count_id: int, key: ConversationKey, count: PacedCount
    ) -> None:
        await self._halt(ended)
        self._live[count_id] = _Live(count_id, key, count, self.clock.now())

    async def _halt(self, ended: list[int]) -> None:
        """No beat of these counts is shown after this returns (an edit in flight ends)."""
        for count_id in ended:
            live = self._live.pop(count_id, None)
            if live is None:
                continue
            live.halted = True
            async with live.lock:
                pass

    async def _advance(self, live: _Live, now: datetime) -> None:
        async with live.lock:
            if live.halted or live.screen is None or live.opened_at is None:
                return
            if live.last_edit is not None and now - live.last_edit < self.min_gap:
                return  # too soon after the last edit: what is due waits, coalesced
            elapsed = (now - live.opened_at).total_seconds()
            beats = live.count.beats
            if elapsed >= live.count.ends_after:
                await self._finish(live, now)
                return
            due = max(i for i, beat in enumerate(beats) if beat.at <= elapsed) + 1
            if due <= live.shown:
                return
            beat = beats[due - 1]
            try:
                await live.screen.show(beat.text, live.count.controls)
            except Unreachable:
                self._drop(live, "unreachable")
                return
            except Exception as exc:
                log.warning("count_edit_failed count=%d error=%s", live.id, type(exc).__name__)
            live.shown, live.last_edit = due, now
            self._record(live, now, final=False)
            async with self.database.transaction() as tx:
                still = await CountRepository(tx).progress(live.id, due, now)
            if not still:
                self._drop(live, "ended_elsewhere")

    async def _finish(self, live: _Live, now: datetime) -> None:
        async with self.database.transaction() as tx:
            finished = await CountRepository(tx).finish(live.id, "finished", now)
        self._drop(live, "finished" if finished else "ended_elsewhere")
        if not finished:
            return
        done = live.count.done
        assert live.screen is not None
        try:
            await live.screen.show(done.text, done.choices)
        except Exception as exc:
            # The message can't be edited: the step's buttons come as a message instead.
            log.warning("count_final_edit_failed count=%d error=%s", live.id, type(exc).__name__)
            adapter = self.adapters.get(live.key.platform)
            if adapter is not None:
                with contextlib.suppress(Exception):
                    await adapter.send(live.key, done)
        self._record(live, now, final=True)

    def _drop(self, live: _Live, why: str) -> None:
        live.halted = True
        self._live.pop(live.id, None)
        log.info("count_ended count=%d platform=%s why=%s", live.id, live.key.platform, why)

    def _record(self, live: _Live, now: datetime, *, final: bool) -> None:
        self.shown.append(Shown(live.id, live.key.platform, now, final))
        del self.shown[:-1000]
