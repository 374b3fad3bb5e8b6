"""Claims due reminder occurrences from the database and hands them to the adapters.

One pass: lock a batch of due reminders, decide each one (send, send late, skip),
write a delivery row per occurrence and move ``next_fire_at`` on, all in one
transaction; commit; then send. Repeat until nothing is due.

Delivery is **at most once**. The claim (the delivery row, unique per reminder and
occurrence, and the advanced ``next_fire_at``) is committed *before* the message goes
out, so if the process dies between claim and send that one occurrence is lost: its
row stays ``claimed`` and is marked ``lost`` and logged later, never sent again. The
other way round (send, then record) could send twice after a crash, and a platform
may have delivered a message even when the call to it failed, so a retry could
double it too. A reminder twice, with two sets of live Snooze buttons, confuses more
than one missing occurrence in a crash. The exposure is small: claims are made a batch
at a time just ahead of sending, so a crash loses at most the claimed batch still
waiting for its turn (``batch_size`` plus ``concurrency`` messages).
Within one process a lock makes passes run one at a time, so nothing is claimed twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core import payloads
from bot.core.calendar import UnknownZone
from bot.core.messages import Choice, ConversationKey, Reply
from bot.core.ports import Adapter, Clock, ReminderFocus, Unreachable
from bot.features.reminders.catchup import Action, Plan, plan
from bot.features.reminders.payloads import DeliveryVerb, on_delivery, start_warmup
from bot.features.reminders.rules import InvalidRule, next_occurrence
from bot.features.reminders.store import (
    ACTIVE,
    DONE,
    PAUSED,
    Advance,
    DueReminder,
    NewDelivery,
    ReminderRepository,
    rule_of,
)
from bot.features.reminders.texts import ReminderTexts
from bot.storage.database import transaction

log = logging.getLogger(__name__)

# A message this late (after downtime) says so; ordinary timer jitter does not.
LATE_NOTE_AFTER = timedelta(minutes=1)
# A claim still unconfirmed this long after it was made belongs to a process that died.
LOST_AFTER = timedelta(minutes=2)
DELIVERY_HISTORY = timedelta(days=35)
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


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed occurrence, ready to send."""

    delivery_id: int
    reminder_id: int
    owner_id: int
    key: ConversationKey
    run_time: str
    late_by: timedelta


@dataclass(slots=True)
class PassReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    unreachable: int = 0
    invalid: int = 0


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
    ) -> None:
        self.sessions = sessions
        self.buttons = buttons or payloads.process_buttons()
        self.texts = texts
        self.focus = focus
        self.adapters = dict(adapters)
        self.clock = clock
        self.settings = settings or DispatchSettings()
        self.on_unreachable = on_unreachable
        self._lock = asyncio.Lock()

    # --- bookkeeping ---
    async def recover(self) -> int:
        """Mark claims a dead process never sent as lost (they stay unsent)."""
        async with transaction(self.sessions) as session:
            lost = await ReminderRepository(session).mark_lost(self.clock.now() - LOST_AFTER)
        if lost:
            log.warning("reminders_lost_in_crash count=%d", lost)
        return lost

    async def prune(self) -> int:
        async with transaction(self.sessions) as session:
            return await ReminderRepository(session).prune_deliveries(
                self.clock.now() - DELIVERY_HISTORY
            )

    async def earliest(self) -> datetime | None:
        async with self.sessions() as session:
            return await ReminderRepository(session).earliest_due()

    # --- a pass ---
    async def run_once(self) -> PassReport:
        """Send everything due now; returns when every claimed message has been handed over."""
        async with self._lock:
            report = PassReport()
            slots = asyncio.Semaphore(self.settings.concurrency)
            in_flight: set[asyncio.Task[None]] = set()
            finished: list[tuple[int, str]] = []

            def release(task: asyncio.Task[None]) -> None:
                in_flight.discard(task)
                slots.release()

            while True:
                outgoing, locked = await self._claim(self.clock.now(), report)
                focus = await self._focus_for(outgoing)
                for item in outgoing:
                    await slots.acquire()
                    task = asyncio.create_task(
                        self._deliver(item, focus.get(item.owner_id), finished, report)
                    )
                    in_flight.add(task)
                    task.add_done_callback(release)
                await self._record(finished)
                if locked < self.settings.batch_size:
                    break
            await asyncio.gather(*in_flight)
            await self._record(finished)
            return report

    async def _claim(self, now: datetime, report: PassReport) -> tuple[list[Outgoing], int]:
        async with transaction(self.sessions) as session:
            repo = ReminderRepository(session)
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
                        "claimed" if sending else "skipped",
                    )
                )
                if not sending:
                    self._log_skip(reminder_id, firing.occurrence_at, now, report)
                    report.skipped += 1
            claimed = await repo.record(rows, now)
            await repo.advance([change for _, (change, _) in decided], now)
            sends = {row.reminder_id: row.occurrence_at for row in rows if row.status == "claimed"}
        outgoing = [
            self._outgoing(row, claimed[row.id], now - sends[row.id])
            for row, _ in decided
            if row.id in sends
        ]
        return outgoing, len(due)

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
    async def _focus_for(self, outgoing: Sequence[Outgoing]) -> Mapping[int, str]:
        """Each owner's recent tight-spot areas, in words, for those who reported any."""
        if not outgoing or self.focus is None:
            return {}
        owners = sorted({item.owner_id for item in outgoing})
        try:
            return await self.focus(owners, self.clock.now() - FOCUS_WINDOW)
        except Exception:
            # The reminder matters more than its extra line.
            log.exception("reminder_focus_lookup_failed")
            return {}

    async def _deliver(
        self,
        item: Outgoing,
        focus: str | None,
        finished: list[tuple[int, str]],
        report: PassReport,
    ) -> None:
        adapter = self.adapters[item.key.platform]
        try:
            await adapter.send(item.key, self.compose(item, focus), bulk=True)
        except Unreachable:
            finished.append((item.delivery_id, "unreachable"))
            report.unreachable += 1
            log.info("reminder_unreachable reminder_id=%d", item.reminder_id)
            await self._unreachable(item.key)
        except Exception:
            finished.append((item.delivery_id, "failed"))
            report.failed += 1
            log.exception("reminder_send_failed reminder_id=%d", item.reminder_id)
        else:
            finished.append((item.delivery_id, "sent"))
            report.sent += 1

    def compose(self, item: Outgoing, focus: str | None) -> Reply:
        """The reminder message with its Start warm-up / Snooze / Skip buttons."""
        texts = self.texts.fire
        lines = [texts.message.format(time=item.run_time)]
        if item.late_by >= LATE_NOTE_AFTER:
            lines.append(texts.late.format(minutes=item.late_by // timedelta(minutes=1)))
        if focus:
            lines.append(texts.focus.format(areas=focus))
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

    async def _record(self, finished: list[tuple[int, str]]) -> None:
        if not finished:
            return
        batch = list(finished)
        finished.clear()
        async with transaction(self.sessions) as session:
            await ReminderRepository(session).finish_deliveries(batch, self.clock.now())
