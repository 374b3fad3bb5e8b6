"""Claims due reminder occurrences from the database and hands them to the adapters.

Delivery is an **outbox, at least once**. A pass claims a batch of due reminders in one
transaction: it decides each (send, send late, skip), writes a delivery row per
occurrence (unique per reminder and occurrence) held under this worker's *lease*, and
moves ``next_fire_at`` on; commits; then sends, ``concurrency`` at a time. Each send is
recorded as it goes (:mod:`bot.features.reminders.outbox`): its attempt is committed
before it is handed to the platform (marked ``MARK_AHEAD`` claims at a time), its
outcome right after; sends whose outcome is not yet committed are capped at
``concurrency``. While the pass works it renews the leases of what it holds.

A claim nobody holds any more (released by a process that stopped, or whose lease ran
out because its process died, or given back for it by a worker that found it dead) is
taken over by the next pass of any dispatcher: sent again if still inside the grace
window, with a line saying it may be a repeat when it had been attempted; past the grace
window it is marked lost and counted in the log at once. So a crash loses nothing
inside the grace window and repeats at most the sends that were in flight,
``concurrency``; the line goes on at most ``MARK_AHEAD`` more. On
a database one bot process uses (SQLite) a starting dispatcher takes over every claim on
its platforms at once. On PostgreSQL, where another worker may be alive, claims name
their worker's registry id (:func:`~bot.features.reminders.outbox.worker_id`): once
the registry confirms a holder dead, :meth:`Dispatcher.release_dead_holders` gives its
claims back at once, fenced so that a holder that was only slow can't mark (and so
can't send) any of them after that; the lease is the last resort, for a worker alive
but stuck.

Two dispatchers never claim the same row: due reminders and left-behind claims are
locked with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's ``BEGIN IMMEDIATE``
makes each transaction exclusive), and every update re-checks the row's state. A
failed send is recorded and not retried, since the platform may have delivered it.
Within one process a lock makes passes run one at a time.

Other features' scheduled messages (club runs: :class:`~bot.core.ports.ScheduledMessages`)
go out on the same passes, after the reminders, under the same worker's leases.

Stopping (:meth:`Dispatcher.stop_claiming`, then :meth:`Dispatcher.release_held`): no
new claims; each sender finishes the send in hand; what is claimed and not yet handed
over is released for the next process, never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core import payloads
from bot.core.calendar import UnknownZone
from bot.core.messages import Choice, ConversationKey, Reply
from bot.core.ports import (
    Adapter,
    CheckinQuestion,
    Clock,
    Dispatch,
    ReminderFocus,
    RunToAsk,
    ScheduledMessages,
    Unreachable,
)
from bot.features.reminders.catchup import RULE, Action, Plan, plan
from bot.features.reminders.checkin_store import DROPPED, CheckinRepository, NewCheckin
from bot.features.reminders.checkin_timing import (
    DEFAULT_DELAY_MINUTES,
    Night,
    checkin_due,
    next_run_after,
)
from bot.features.reminders.outbox import Ledger, registered_as, worker_id
from bot.features.reminders.payloads import DeliveryVerb, on_delivery, start_warmup
from bot.features.reminders.rules import InvalidRule, next_occurrence
from bot.features.reminders.store import (
    ACTIVE,
    CHECKIN,
    CLAIMED,
    DONE,
    PAUSED,
    AbandonedDelivery,
    Advance,
    DueReminder,
    NewDelivery,
    ReminderRepository,
    rule_of,
)
from bot.features.reminders.texts import ReminderTexts
from bot.ops.metrics import REMINDERS
from bot.storage.database import transaction
from bot.storage.workers import WorkerRegistry

log = logging.getLogger(__name__)

# A message this late (after downtime) says so; ordinary timer jitter does not.
LATE_NOTE_AFTER = timedelta(minutes=1)
DELIVERY_HISTORY = timedelta(days=35)
# Attempts are marked this many claims at a time, so most sends don't wait for a write of
# their own; after a crash, up to this many more than were in flight say "may be a repeat".
MARK_AHEAD = 8
_SKIP_LOG_LINES = 50

OnUnreachable = Callable[[ConversationKey], Awaitable[None]]
# Tight spots reported this recently are named in the reminder.
FOCUS_WINDOW = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    grace: timedelta = timedelta(minutes=15)
    snooze_minutes: int = 10
    batch_size: int = 100
    concurrency: int = 32
    # How long a claim stays this worker's without renewal (renewed every third of it
    # while the pass works); after that another dispatcher sends it again.
    lease: timedelta = timedelta(seconds=30)
    # After-run check-ins: the delay for runners who chose none (None: off by default),
    # and the local hours they are never sent in.
    checkin_delay_minutes: int | None = DEFAULT_DELAY_MINUTES
    night: Night = field(default_factory=Night)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed occurrence, ready to send."""

    delivery_id: int
    reminder_id: int
    owner_id: int
    key: ConversationKey
    run_time: str
    late_by: timedelta
    # Times it was handed to the platform before (it was left behind by a process that
    # stopped): above zero, the runner may have it already.
    attempts: int = 0
    focus: str | None = None
    # "rule" or "snooze": a reminder; "checkin": the after-run question about ``run_at``.
    kind: str = RULE
    run_at: datetime | None = None
    zone: str = "UTC"


@dataclass(slots=True)
class PassReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    unreachable: int = 0
    invalid: int = 0
    # Left behind by a process that stopped: sent again after an earlier attempt, so
    # with the "may be a repeat" line (counted in ``sent`` too); and found past the grace
    # window, so lost.
    resent: int = 0
    lost: int = 0


@dataclass(frozen=True, slots=True)
class DrainReport:
    """What stopping did with the claims in hand."""

    finished: int  # sends in flight when the stop came, completed
    released: int  # claims given back, for the next process to send


class Dispatcher:
    """Sends every due reminder through the adapter of its platform.

    Only platforms with an adapter are claimed, so a terminal session on a shared
    database never swallows Telegram or Discord reminders.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        texts: ReminderTexts,
        adapters: Mapping[str, Adapter],
        clock: Clock,
        settings: DispatchSettings | None = None,
        *,
        on_unreachable: OnUnreachable | None = None,
        focus: ReminderFocus | None = None,
        buttons: payloads.Buttons | None = None,
        worker: str | None = None,
        takeover_at_start: bool = False,
        scheduled: Sequence[ScheduledMessages] = (),
        question: CheckinQuestion | None = None,
        workers: WorkerRegistry | None = None,
    ) -> None:
        """``workers``: this worker's registration, where several share the database."""
        self.sessions = sessions
        self.scheduled = tuple(scheduled)
        self._scheduled_taken_over = False
        # Without it no after-run questions are planned (nor sent).
        self.question = question
        self.buttons = buttons or payloads.process_buttons()
        self.texts = texts
        self.focus = focus
        self.adapters = dict(adapters)
        self.clock = clock
        self.settings = settings or DispatchSettings()
        self.on_unreachable = on_unreachable
        self.workers = workers if workers is not None and workers.shared else None
        self.worker = worker or (worker_id() if workers is None else worker_id(workers.worker))
        # Only where one bot process uses the database: see the module docstring.
        self.takeover_at_start = takeover_at_start
        self._ledger = Ledger(
            sessions, self.worker, self.settings.lease, clock.now, registry=self.workers
        )
        self._lock = asyncio.Lock()
        # Claims this worker holds and has not finished, by delivery id.
        self._held: dict[int, Outgoing] = {}
        self._stopping = False
        self._finished_stopping = 0
        # Sends handed to the platform whose outcome is not yet committed: what a crash
        # could repeat. Capped at ``concurrency``.
        self._unsettled = asyncio.Semaphore(self.settings.concurrency)
        # Held claims whose attempt was counted ahead but which were never handed over.
        self._marked_ahead: set[int] = set()
        # Claims of a dead worker were given back: a pass under way takes them next.
        self._given_back = False

    @property
    def held(self) -> int:
        """Claims this worker holds and has not finished."""
        return len(self._held)

    @property
    def finished_while_stopping(self) -> int:
        """Sends completed after :meth:`stop_claiming` (they were in flight)."""
        return self._finished_stopping

    # --- bookkeeping ---
    async def recover(self) -> int:
        """At start: take over claims a stopped process left behind (on SQLite, every
        claim on these platforms) and mark those past the grace window lost, logging
        the exact count now. The rest are sent by the first pass. Returns the lost."""
        now = self.clock.now()
        platforms = list(self.adapters)
        taken = 0
        async with transaction(self.sessions) as session:
            repo = ReminderRepository(session)
            if self.takeover_at_start:
                taken = await repo.expire_claims(platforms, self.worker, now)
            lost = await repo.mark_abandoned_lost(platforms, now, now - self.settings.grace)
        if taken:
            log.info("reminder_claims_taken_over count=%d", taken)
        self._log_lost(lost)
        return lost

    async def release_dead_holders(self) -> int:
        """Give back the claims of workers the registry confirms dead (its lock free for
        :data:`~bot.storage.workers.CONFIRM_AFTER`), for the next pass to send: its
        reminders in one transaction under its fence, then each feature's scheduled
        messages likewise. Once a fence was held, nothing that holder marked commits, so
        a holder that was only slow sends none of them. Returns how many were given back."""
        workers = self.workers
        if workers is None:
            return 0
        async with self.sessions() as session:
            names = await ReminderRepository(session).holders()
        for source in self.scheduled:
            names |= await source.holders()
        by_worker: dict[int, list[str]] = {}
        for name in names - {self.worker}:
            registered = registered_as(name)
            if registered is not None:
                by_worker.setdefault(registered, []).append(name)
        if not by_worker:
            return 0
        released = 0
        for gone in await workers.dead(by_worker):
            if gone is None:
                continue
            async with transaction(self.sessions) as session:
                if not await workers.fence(session, gone):
                    continue  # back after all, or another worker is giving them back
                count = await ReminderRepository(session).release_holders(by_worker[gone])
            for source in self.scheduled:
                count += await source.release_dead(gone, by_worker[gone])
            if count:
                self._given_back = True
                log.warning(
                    "reminder_claims_of_dead_worker_released worker=%d count=%d", gone, count
                )
            released += count
        return released

    async def prune(self) -> int:
        async with transaction(self.sessions) as session:
            return await ReminderRepository(session).prune_deliveries(
                self.clock.now() - DELIVERY_HISTORY
            )

    async def earliest(self) -> datetime | None:
        platforms = list(self.adapters)
        async with self.sessions() as session:
            found = await ReminderRepository(session).earliest_due(platforms)
        for source in self.scheduled:
            other = await source.earliest(platforms)
            if other is not None and (found is None or other < found):
                found = other
        return found

    # --- stopping ---
    def stop_claiming(self) -> None:
        """No new claims from now on; each sender stops after the send in hand."""
        self._stopping = True

    async def release_held(self) -> DrainReport:
        """Give back every claim still held (call once the pass has ended or been
        cancelled): the next dispatcher sends them. Counts what the stop finished too."""
        await self._ledger.idle()
        ids = list(self._held)
        never_sent = self._marked_ahead & set(ids)
        self._held.clear()
        self._marked_ahead.clear()
        released = 0
        if ids:
            async with transaction(self.sessions) as session:
                released = await ReminderRepository(session).release(
                    ids, self.worker, not_attempted=never_sent
                )
        return DrainReport(finished=self._finished_stopping, released=released)

    # --- a pass ---
    async def run_once(self) -> PassReport:
        """Send everything due now; returns when every claimed message has been handed
        over and recorded (or, once :meth:`stop_claiming` was called, when the sends in
        hand are)."""
        async with self._lock:
            report = PassReport()
            queue: deque[Outgoing] = deque()
            more = True
            refilling = asyncio.Lock()

            async def refill() -> None:
                nonlocal more
                async with refilling:
                    while not queue and more and not self._stopping:
                        self._given_back = False
                        items, more = await self._claim(self.clock.now(), report)
                        queue.extend(await self._with_focus(items))

            async def take_back() -> None:
                """A dead worker's claims, given back during this pass: sent next, ahead
                of this pass's own (theirs have waited since that worker died)."""
                async with refilling:
                    if not self._given_back or self._stopping:
                        return
                    self._given_back = False
                    items, _ = await self._claim(self.clock.now(), report)
                    queue.extendleft(reversed(await self._with_focus(items)))

            # Attempts are marked MARK_AHEAD claims at a time, in one write, so most sends
            # find theirs committed already: delivery id → the write marking it.
            marking: dict[int, asyncio.Future[frozenset[int]]] = {}
            mark_ahead = min(MARK_AHEAD, self.settings.concurrency)

            async def attempt(item: Outgoing) -> bool:
                marked = marking.get(item.delivery_id)
                if marked is None:
                    ahead = [q.delivery_id for q in queue if q.delivery_id not in marking]
                    chunk = [item.delivery_id, *ahead[: mark_ahead - 1]]
                    marked = asyncio.ensure_future(self._ledger.attempted(chunk))
                    marking.update(dict.fromkeys(chunk, marked))
                    self._marked_ahead.update(chunk)
                try:
                    # Shared with other senders: one cancelled must not cancel it.
                    return item.delivery_id in await asyncio.shield(marked)
                finally:
                    marking.pop(item.delivery_id, None)

            async def send_all() -> None:
                while not self._stopping:
                    # A slot first, then a claim: none waits, popped, for a slot.
                    await self._unsettled.acquire()
                    try:
                        if self._given_back:
                            await take_back()
                        if not queue:
                            await refill()
                    except BaseException:
                        self._unsettled.release()
                        raise
                    if not queue or self._stopping:
                        self._unsettled.release()
                        return
                    await self._deliver(queue.popleft(), report, attempt)

            renewing = asyncio.create_task(self._renew_leases())
            try:
                async with asyncio.TaskGroup() as senders:
                    for _ in range(self.settings.concurrency):
                        senders.create_task(send_all())
            finally:
                renewing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewing
            await self._ledger.idle()  # every outcome written before the pass returns
            if self._held and not self._stopping:
                await self._release_unfinished()
            for source in self.scheduled:
                await self._send_scheduled(source, report)
            return report

    async def _send_scheduled(self, source: ScheduledMessages, report: PassReport) -> None:
        """A feature's due messages: claimed, each attempt and outcome committed around
        its send, ``concurrency`` at a time; what a stop leaves unsent is released."""
        while not self._stopping:
            now = self.clock.now()
            take_over = self.takeover_at_start and not self._scheduled_taken_over
            self._scheduled_taken_over = True
            claimed = await source.claim(
                list(self.adapters),
                now,
                self.worker,
                now + self.settings.lease,
                limit=self.settings.batch_size,
                take_over=take_over,
            )
            if not claimed:
                return
            slots = asyncio.Semaphore(self.settings.concurrency)
            unsent: list[int] = []
            await asyncio.gather(
                *(self._scheduled_one(source, item, slots, unsent, report) for item in claimed)
            )
            if unsent:
                await source.release(unsent, self.worker)
                return

    async def _scheduled_one(
        self,
        source: ScheduledMessages,
        item: Dispatch,
        slots: asyncio.Semaphore,
        unsent: list[int],
        report: PassReport,
    ) -> None:
        async with slots:
            if self._stopping:
                unsent.append(item.id)
                return
            lease_until = self.clock.now() + self.settings.lease
            if item.id not in await source.attempted([item.id], self.worker, lease_until):
                # Given back while this worker was taken for dead: another one sends it.
                log.warning("scheduled_claim_taken_back platform=%s", item.key.platform)
                return
            status = await self._send_one(item, report)
            await source.finished([(item.id, status)], self.clock.now())
        if status == "unreachable":
            await self._unreachable(item.key)

    async def _send_one(self, item: Dispatch, report: PassReport) -> str:
        try:
            await self.adapters[item.key.platform].send(item.key, item.reply, bulk=True)
        except Unreachable:
            report.unreachable += 1
            log.info("scheduled_unreachable platform=%s", item.key.platform)
            return "unreachable"
        except Exception:
            report.failed += 1
            log.exception("scheduled_send_failed platform=%s", item.key.platform)
            return "failed"
        report.sent += 1
        return "sent"

    async def _renew_leases(self) -> None:
        every = self.settings.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            if self._held:
                try:
                    await self._ledger.renew(list(self._held))
                except Exception:
                    log.exception("reminder_lease_renewal_failed held=%d", len(self._held))

    async def _release_unfinished(self) -> None:
        """Claims a pass left unsent (a recording failed): back for the next pass."""
        try:
            released = (await self.release_held()).released
        except Exception:
            log.exception("reminder_release_failed")  # their leases run out instead
            return
        log.warning("reminder_claims_released count=%d", released)

    async def _claim(self, now: datetime, report: PassReport) -> tuple[list[Outgoing], bool]:
        """One transaction's claims, and whether there may be more: first what stopped
        processes left behind, then due reminders."""
        platforms = list(self.adapters)
        async with transaction(self.sessions) as session:
            repo = ReminderRepository(session)
            lost = await repo.mark_abandoned_lost(platforms, now, now - self.settings.grace)
            left = await repo.lock_abandoned(now, platforms, self.settings.batch_size)
            if left:
                outgoing = await self._take_over(repo, left, now, report)
                more = True  # due reminders next time round
            else:
                outgoing, locked = await self._claim_due(repo, now, report)
                room = self.settings.batch_size - len(outgoing)
                asks = await self._claim_checkins(CheckinRepository(session), now, room)
                outgoing += asks
                more = locked >= self.settings.batch_size or len(asks) >= room
        report.lost += lost
        self._log_lost(lost)
        for item in outgoing:
            self._held[item.delivery_id] = item
        return outgoing, more

    async def _take_over(
        self,
        repo: ReminderRepository,
        left: Sequence[AbandonedDelivery],
        now: datetime,
        report: PassReport,
    ) -> list[Outgoing]:
        paused = [row.id for row in left if row.reminder_status == PAUSED]
        resend = [row for row in left if row.reminder_status != PAUSED]
        await repo.drop_abandoned(paused, now)
        await repo.take_over([row.id for row in resend], self._ledger.lease_from(now), now)
        if resend:
            log.info(
                "reminder_claims_resumed count=%d attempted_before=%d",
                len(resend),
                sum(1 for row in resend if row.attempts),
            )
        return [
            Outgoing(
                delivery_id=row.id,
                reminder_id=row.reminder_id,
                owner_id=row.user_id,
                key=ConversationKey(row.platform, row.chat_id, row.platform_user_id),
                run_time=row.run_time,
                late_by=now - row.planned_at,
                attempts=row.attempts,
                kind=row.kind,
                run_at=row.occurrence_at,
                zone=row.time_zone,
            )
            for row in resend
        ]

    async def _claim_due(
        self, repo: ReminderRepository, now: datetime, report: PassReport
    ) -> tuple[list[Outgoing], int]:
        due = await repo.lock_due(now, list(self.adapters), self.settings.batch_size)
        decided = [(row, self._plan(row, now, report)) for row in due]
        firings = [
            (row.id, firing)
            for row, (_, fired) in decided
            if fired is not None
            for firing in fired.firings
        ]
        known = await repo.claimed_already(
            [reminder_id for reminder_id, _ in firings],
            min((firing.occurrence_at for _, firing in firings), default=now),
        )
        rows: list[NewDelivery] = []
        for reminder_id, firing in firings:
            if (reminder_id, firing.occurrence_at) in known:
                log.warning("reminder_already_claimed reminder_id=%d", reminder_id)
                continue
            sending = firing.action is Action.SEND
            rows.append(
                NewDelivery(
                    reminder_id,
                    firing.occurrence_at,
                    firing.kind,
                    CLAIMED if sending else "skipped",
                )
            )
            if not sending:
                self._log_skip(reminder_id, firing.occurrence_at, now, report)
                report.skipped += 1
                REMINDERS.labels("skipped").inc()
        claimed = await repo.record(rows, now, self._ledger.lease_from(now))
        await repo.advance([change for _, (change, _) in decided], now)
        sent_runs = [
            (row, firing.occurrence_at)
            for row, (_, fired) in decided
            if fired is not None
            for firing in fired.firings
            if firing.kind == RULE and firing.action is Action.SEND
        ]
        await self._plan_checkins(CheckinRepository(repo.session), sent_runs, now)
        sends = {row.reminder_id: row.occurrence_at for row in rows if row.status == CLAIMED}
        outgoing = [
            self._outgoing(row, claimed[row.id], now - sends[row.id])
            for row, _ in decided
            if row.id in sends
        ]
        return outgoing, len(due)

    # --- after-run check-ins ---
    async def _plan_checkins(
        self,
        repo: CheckinRepository,
        fired: Sequence[tuple[DueReminder, datetime]],
        now: datetime,
    ) -> None:
        """Schedule the question about each run just reminded of, in the same transaction
        as the reminder's claim: a run is planned once, so it is asked about once."""
        if self.question is None or not fired:
            return
        owners = {row.user_id for row, _ in fired}
        delays = await repo.delays(owners)
        rules = await repo.rules_of(owners)
        known = await repo.scheduled_already(
            [row.id for row, _ in fired], min(at for _, at in fired)
        )
        planned: list[NewCheckin] = []
        for row, fire_at in fired:
            minutes = delays.get(row.user_id, self.settings.checkin_delay_minutes)
            if minutes is None:
                continue  # check-ins off
            run_at = fire_at + timedelta(minutes=row.lead_minutes)
            if (row.id, run_at) in known:
                continue
            try:
                next_run = next_run_after(rules.get(row.user_id, []), run_at)
                due = checkin_due(
                    run_at, timedelta(minutes=minutes), row.time_zone, next_run, self.settings.night
                )
            except (InvalidRule, UnknownZone, ValueError):
                continue
            if due is None:
                log.info("checkin_dropped reminder_id=%d reason=next_run_first", row.id)
                continue
            planned.append(NewCheckin(row.id, run_at, due))
        await repo.schedule(planned, now)

    async def _claim_checkins(
        self, repo: CheckinRepository, now: datetime, room: int
    ) -> list[Outgoing]:
        """Questions due now: claimed like reminders, unless their reminder was paused or
        they are past the grace window (then dropped, never sent as a burst)."""
        if self.question is None or room <= 0:
            return []
        due = await repo.lock_due(now, list(self.adapters), room)
        stale = [
            row.id
            for row in due
            if row.reminder_status == PAUSED or now - row.due_at > self.settings.grace
        ]
        await repo.close(stale, DROPPED)
        fresh = [row for row in due if row.id not in set(stale)]
        await repo.claim([row.id for row in fresh], self._ledger.lease_from(now), now)
        return [
            Outgoing(
                delivery_id=row.id,
                reminder_id=row.reminder_id,
                owner_id=row.user_id,
                key=ConversationKey(row.platform, row.chat_id, row.platform_user_id),
                run_time=row.run_time,
                late_by=now - row.due_at,
                kind=CHECKIN,
                run_at=row.run_at,
                zone=row.time_zone,
            )
            for row in fresh
        ]

    def _log_lost(self, lost: int) -> None:
        """Logged and counted (``hipcoach_reminders_total{outcome="lost"}``) at once."""
        if lost:
            REMINDERS.labels("lost").inc(lost)
            # Claimed by a process that stopped, and found past the grace window: exact.
            log.warning(
                "reminders_lost_in_crash count=%d grace_minutes=%d",
                lost,
                self.settings.grace // timedelta(minutes=1),
            )

    def _plan(
        self, row: DueReminder, now: datetime, report: PassReport
    ) -> tuple[Advance, Plan | None]:
        try:
            rule = rule_of(row)
            decided = plan(rule, row.next_fire_at, row.snooze_until, now, self.settings.grace)
        except (InvalidRule, UnknownZone, ValueError):
            # A rule that can no longer be computed (a zone dropped from tzdata): park
            # it rather than retry it on every pass.
            log.error("reminder_invalid reminder_id=%d", row.id)
            report.invalid += 1
            return Advance(row.id, row.next_fire_at, None, PAUSED, "invalid"), None
        next_fire_at = decided.next_fire_at
        if next_fire_at is not None and next_fire_at <= now:
            occurrence = next_occurrence(rule, now)  # never leave a row due after its pass
            next_fire_at = None if occurrence is None else occurrence.fire_at
        status = DONE if next_fire_at is None and decided.snooze_until is None else ACTIVE
        return Advance(row.id, next_fire_at, decided.snooze_until, status), decided

    def _outgoing(self, row: DueReminder, delivery_id: int, late_by: timedelta) -> Outgoing:
        return Outgoing(
            delivery_id=delivery_id,
            reminder_id=row.id,
            owner_id=row.user_id,
            key=ConversationKey(row.platform, row.chat_id, row.platform_user_id),
            run_time=row.run_time,
            late_by=late_by,
        )

    def _log_skip(
        self, reminder_id: int, occurrence_at: datetime, now: datetime, report: PassReport
    ) -> None:
        if report.skipped < _SKIP_LOG_LINES:
            log.info(
                "reminder_skipped reminder_id=%d occurrence=%s missed_by_minutes=%d",
                reminder_id,
                occurrence_at.isoformat(),
                (now - occurrence_at) // timedelta(minutes=1),
            )
        elif report.skipped == _SKIP_LOG_LINES:
            log.info("reminder_skipped more=true (further skips counted, not listed)")

    # --- sending ---
    async def _with_focus(self, outgoing: Sequence[Outgoing]) -> list[Outgoing]:
        """Each item with its owner's recent tight-spot areas, in words, if any."""
        if not outgoing or self.focus is None:
            return list(outgoing)
        owners = sorted({item.owner_id for item in outgoing})
        try:
            focus = await self.focus(owners, self.clock.now() - FOCUS_WINDOW)
        except Exception:
            # The reminder matters more than its extra line.
            log.exception("reminder_focus_lookup_failed")
            return list(outgoing)
        return [replace(item, focus=focus.get(item.owner_id)) for item in outgoing]

    async def _deliver(
        self,
        item: Outgoing,
        report: PassReport,
        attempt: Callable[[Outgoing], Awaitable[bool]],
    ) -> None:
        """Send ``item`` once its attempt is committed; its outcome is written after. The
        caller holds an unsettled slot for it, released once the outcome is committed."""
        settling = False
        try:
            try:
                held = await attempt(item)
            except Exception:
                # Not sent, nor counted: still held, so released for the next pass.
                self._marked_ahead.discard(item.delivery_id)
                log.exception("reminder_attempt_not_recorded reminder_id=%d", item.reminder_id)
                return
            self._marked_ahead.discard(item.delivery_id)
            if not held:
                # Given back while this worker was taken for dead: another one sends it.
                self._held.pop(item.delivery_id, None)
                log.warning("reminder_claim_taken_back reminder_id=%d", item.reminder_id)
                return
            # Handed over now, for real.
            status = await self._send(item, report)
            self._ledger.finished(item.delivery_id, status).add_done_callback(
                functools.partial(self._settled, item)
            )
            settling = True
        finally:
            if not settling:
                self._unsettled.release()
        if status == "unreachable":
            await self._unreachable(item.key)

    async def _send(self, item: Outgoing, report: PassReport) -> str:
        adapter = self.adapters[item.key.platform]
        try:
            await adapter.send(item.key, self.compose(item), bulk=True)
        except Unreachable:
            status = "unreachable"
            report.unreachable += 1
            log.info("reminder_unreachable reminder_id=%d", item.reminder_id)
        except Exception:
            status = "failed"
            report.failed += 1
            log.exception("reminder_send_failed reminder_id=%d", item.reminder_id)
        else:
            status = "sent"
            report.sent += 1
            REMINDERS.labels("sent").inc()
            if item.late_by >= LATE_NOTE_AFTER:
                REMINDERS.labels("late").inc()
            if item.attempts:
                report.resent += 1
        if self._stopping:
            self._finished_stopping += 1
        return status

    def _settled(self, item: Outgoing, written: asyncio.Future[frozenset[int]]) -> None:
        """A send's outcome is committed (or could not be)."""
        self._unsettled.release()
        self._held.pop(item.delivery_id, None)
        if not written.cancelled() and written.exception() is not None:
            # Its lease runs out and it goes again, marked as a possible repeat.
            log.error(
                "reminder_outcome_not_recorded reminder_id=%d error=%r",
                item.reminder_id,
                written.exception(),
            )

    def compose(self, item: Outgoing) -> Reply:
        """The reminder message with its Start warm-up / Snooze / Skip buttons, or the
        after-run question."""
        if item.kind == CHECKIN and self.question is not None and item.run_at is not None:
            run = RunToAsk(
                item.delivery_id,
                item.run_at,
                item.zone,
                late=item.late_by >= LATE_NOTE_AFTER,
                repeat=item.attempts > 0,
            )
            return self.question(run, functools.partial(self._button, item))
        texts = self.texts.fire
        lines = [texts.message.format(time=item.run_time)]
        if item.late_by >= LATE_NOTE_AFTER:
            lines.append(texts.late.format(minutes=item.late_by // timedelta(minutes=1)))
        if item.attempts:
            lines.append(texts.repeat)
        if item.focus:
            lines.append(texts.focus.format(areas=item.focus))
        snooze = texts.snooze_button.format(minutes=self.settings.snooze_minutes)
        ids = (item.reminder_id, item.delivery_id)
        choices = (
            self._button(item, texts.start_button, start_warmup()),
            self._button(item, snooze, on_delivery(DeliveryVerb.SNOOZE, *ids)),
            self._button(item, texts.skip_button, on_delivery(DeliveryVerb.SKIP, *ids)),
        )
        return Reply("\n".join(lines), choices=choices)

    def _button(self, item: Outgoing, label: str, action: str) -> Choice:
        # Valid at any time: the flow checks the delivery is still the newest itself.
        return Choice(label, self.buttons.encode(item.key.user_id, payloads.ANY_SCOPE, action))

    async def _unreachable(self, key: ConversationKey) -> None:
        try:
            if self.on_unreachable is not None:
                await self.on_unreachable(key)
                return
            async with transaction(self.sessions) as session:
                await ReminderRepository(session).pause_unreachable(
                    key.platform, self.clock.now(), chat_id=key.chat_id
                )
        except Exception:
            log.exception("reminder_pause_failed platform=%s", key.platform)
