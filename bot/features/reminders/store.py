"""Reads and writes for reminders and their deliveries.

Every method runs inside the caller's transaction; nothing here commits. The decisions
(what is due, when a reminder fires next, whether it is finished) are made by the
flows and the dispatcher; this module only fetches rows and writes what it is told.
Flows may read the rows it returns but change them only through its methods.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from bot.features.reminders.models import Reminder, ReminderDelivery
from bot.features.reminders.rules import (
    Rule,
    decode_weekdays,
    encode_weekdays,
    format_hhmm,
    next_occurrence,
    parse_hhmm,
)
from bot.storage.base import Repository, UTCDateTime
from bot.storage.models import User

ACTIVE = "active"
PAUSED = "paused"
DONE = "done"
BY_USER = "user"
UNREACHABLE = "unreachable"
CLAIMED = "claimed"
RELEASED = "released"
LOST = "lost"
SCHEDULED = "scheduled"
CHECKIN = "checkin"
FINAL_STATUSES = (
    "sent",
    "failed",
    "unreachable",
    "lost",
    "skipped",
    "dismissed",
    "answered",
    "dropped",
)
_DUE_COLUMNS = (
    Reminder.id,
    Reminder.user_id,
    Reminder.platform,
    Reminder.chat_id,
    Reminder.weekdays,
    Reminder.once_on,
    Reminder.run_time,
    Reminder.lead_minutes,
    Reminder.time_zone,
    Reminder.next_fire_at,
    Reminder.snooze_until,
)


def rule_of(reminder: RuleColumns, zone_name: str | None = None) -> Rule:
    """The scheduling rule a stored reminder describes, in ``zone_name`` if given (a
    reminder moving zone: its own may no longer be known)."""
    return Rule(
        weekdays=decode_weekdays(reminder.weekdays),
        once_on=reminder.once_on,
        run_time=parse_hhmm(reminder.run_time),
        lead_minutes=reminder.lead_minutes,
        zone=zone_name or reminder.time_zone,
    )


def next_fire(rule: Rule, after: datetime) -> datetime | None:
    occurrence = next_occurrence(rule, after)
    return None if occurrence is None else occurrence.fire_at


class RuleColumns(Protocol):
    """The rule's columns, on a stored reminder or on a row the dispatcher read."""

    @property
    def weekdays(self) -> str: ...
    @property
    def once_on(self) -> date | None: ...
    @property
    def run_time(self) -> str: ...
    @property
    def lead_minutes(self) -> int: ...
    @property
    def time_zone(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A due reminder's row, locked for this transaction, with who to send it to."""

    id: int
    user_id: int
    platform: str
    chat_id: str
    weekdays: str
    once_on: date | None
    run_time: str
    lead_minutes: int
    time_zone: str
    next_fire_at: datetime | None
    snooze_until: datetime | None
    platform_user_id: str


@dataclass(frozen=True, slots=True)
class Advance:
    """Where a claimed reminder stands after its pass."""

    reminder_id: int
    next_fire_at: datetime | None
    snooze_until: datetime | None
    status: str
    paused_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a claim (a dispatcher's worker id) and until when."""

    worker: str
    until: datetime


@dataclass(frozen=True, slots=True)
class AbandonedDelivery:
    """A claim its dispatcher left behind (released, or its lease ran out), with its
    reminder and who to send it to."""

    id: int
    occurrence_at: datetime
    attempts: int
    reminder_id: int
    user_id: int
    platform: str
    chat_id: str
    run_time: str
    reminder_status: str
    platform_user_id: str
    kind: str = "rule"
    due_at: datetime | None = None
    time_zone: str = "UTC"

    @property
    def planned_at(self) -> datetime:
        """When it was meant to go out: a check-in's due time, a reminder's occurrence."""
        return self.due_at or self.occurrence_at


@dataclass(frozen=True, slots=True)
class NewDelivery:
    reminder_id: int
    occurrence_at: datetime
    kind: str
    status: str


class ReminderStore(Protocol):
    """What the reminder conversations read and write (the dispatcher works on the
    SQL tables directly, in its own transactions).

    The writes take a reminder this store returned and update it in place, so the
    caller reads the new values from it; ``now`` is when it was changed.
    """

    async def open_for_user(self, user_id: int) -> list[Reminder]:
        """Active and paused reminders, oldest first (finished one-offs are left out)."""
        ...

    async def count_open(self, user_id: int) -> int: ...

    async def get_for_user(self, user_id: int, reminder_id: int) -> Reminder | None:
        """The reminder if it exists and belongs to this user, locked for update."""
        ...

    async def find_same(
        self,
        user_id: int,
        weekdays: str,
        once_on: date | None,
        run_time: str,
        *,
        excluding: int | None = None,
    ) -> Reminder | None:
        """An open reminder of this user for the same run (days, date and time)."""
        ...

    async def latest_delivery(self, reminder_id: int) -> ReminderDelivery | None: ...

    async def paused_as_unreachable(self, user_id: int) -> list[Reminder]: ...

    async def create(
        self,
        user_id: int,
        platform: str,
        chat_id: str,
        rule: Rule,
        next_fire_at: datetime,
        now: datetime,
    ) -> Reminder:
        """A new active reminder in this chat."""
        ...

    async def update_rule(
        self, reminder: Reminder, rule: Rule, next_fire_at: datetime, now: datetime
    ) -> None:
        """Give the reminder a new rule and fire time; a pending snooze is dropped."""
        ...

    async def pause(self, reminder: Reminder, now: datetime) -> None:
        """Paused by the runner; a pending snooze is dropped."""
        ...

    async def resume_at(self, reminder: Reminder, next_fire_at: datetime, now: datetime) -> None:
        """Active again (from paused or finished), next firing at ``next_fire_at``."""
        ...

    async def mark_done(self, reminder: Reminder, now: datetime) -> None:
        """Finished: a one-off with nothing left to fire."""
        ...

    async def snooze_until(self, reminder: Reminder, until: datetime, now: datetime) -> None:
        """Fire once more at ``until`` (active again if the one-off had finished)."""
        ...

    async def dismiss_delivery(self, reminder: Reminder, delivery_id: int, now: datetime) -> None:
        """The runner skipped this delivery: marked dismissed, and any snooze dropped."""
        ...

    async def move_to_zone(
        self, reminder: Reminder, zone_name: str, next_fire_at: datetime | None, now: datetime
    ) -> None:
        """The rule now reads in ``zone_name``, and fires next at ``next_fire_at``."""
        ...

    async def delete(self, reminder: Reminder) -> None: ...


class ReminderRepository(Repository):
    """The :class:`ReminderStore`, plus the dispatcher's claims, on SQL tables."""

    # --- a runner's own reminders ---
    async def open_for_user(self, user_id: int) -> list[Reminder]:
        """Active and paused reminders, oldest first (finished one-offs are left out)."""
        rows = await self.session.scalars(
            select(Reminder)
            .where(Reminder.user_id == user_id, Reminder.status != DONE)
            .order_by(Reminder.id)
        )
        return list(rows)

    async def count_open(self, user_id: int) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.user_id == user_id, Reminder.status != DONE)
        )
        return int(count or 0)

    async def get_for_user(self, user_id: int, reminder_id: int) -> Reminder | None:
        """The reminder if it exists and belongs to this user, locked for update."""
        found: Reminder | None = await self.session.scalar(
            select(Reminder)
            .where(Reminder.id == reminder_id, Reminder.user_id == user_id)
            .with_for_update()
        )
        return found

    async def find_same(
        self,
        user_id: int,
        weekdays: str,
        once_on: date | None,
        run_time: str,
        *,
        excluding: int | None = None,
    ) -> Reminder | None:
        """An open reminder of this user for the same run (days, date and time)."""
        query = select(Reminder).where(
            Reminder.user_id == user_id,
            Reminder.status != DONE,
            Reminder.weekdays == weekdays,
            Reminder.run_time == run_time,
            Reminder.once_on.is_(None) if once_on is None else Reminder.once_on == once_on,
        )
        if excluding is not None:
            query = query.where(Reminder.id != excluding)
        found: Reminder | None = await self.session.scalar(query.limit(1))
        return found

    async def latest_delivery(self, reminder_id: int) -> ReminderDelivery | None:
        found: ReminderDelivery | None = await self.session.scalar(
            select(ReminderDelivery)
            .where(ReminderDelivery.reminder_id == reminder_id, ReminderDelivery.kind != CHECKIN)
            .order_by(ReminderDelivery.occurrence_at.desc(), ReminderDelivery.id.desc())
            .limit(1)
        )
        return found

    # --- a runner's changes (on rows this session loaded, so the caller sees them) ---
    async def create(
        self,
        user_id: int,
        platform: str,
        chat_id: str,
        rule: Rule,
        next_fire_at: datetime,
        now: datetime,
    ) -> Reminder:
        reminder = Reminder(
            user_id=user_id,
            platform=platform,
            chat_id=chat_id,
            status=ACTIVE,
            paused_reason=None,
            snooze_until=None,
            created_at=now,
        )
        _set_rule(reminder, rule, next_fire_at, now)
        self.session.add(reminder)
        await self.session.flush()
        return reminder

    async def update_rule(
        self, reminder: Reminder, rule: Rule, next_fire_at: datetime, now: datetime
    ) -> None:
        _set_rule(reminder, rule, next_fire_at, now)
        reminder.snooze_until = None

    async def pause(self, reminder: Reminder, now: datetime) -> None:
        reminder.status, reminder.paused_reason = PAUSED, BY_USER
        reminder.snooze_until = None
        reminder.updated_at = now

    async def resume_at(self, reminder: Reminder, next_fire_at: datetime, now: datetime) -> None:
        reminder.status, reminder.paused_reason = ACTIVE, None
        reminder.next_fire_at = next_fire_at
        reminder.updated_at = now

    async def mark_done(self, reminder: Reminder, now: datetime) -> None:
        reminder.status, reminder.paused_reason = DONE, None
        reminder.next_fire_at = None
        reminder.updated_at = now

    async def snooze_until(self, reminder: Reminder, until: datetime, now: datetime) -> None:
        reminder.snooze_until = until
        reminder.status = ACTIVE  # a fired one-off is "done" until snoozed
        reminder.updated_at = now

    async def dismiss_delivery(self, reminder: Reminder, delivery_id: int, now: datetime) -> None:
        reminder.snooze_until = None
        reminder.updated_at = now
        await self.session.execute(
            update(ReminderDelivery)
            .where(ReminderDelivery.id == delivery_id)
            .values(status="dismissed")
        )

    async def move_to_zone(
        self, reminder: Reminder, zone_name: str, next_fire_at: datetime | None, now: datetime
    ) -> None:
        reminder.time_zone = zone_name
        reminder.next_fire_at = next_fire_at
        reminder.updated_at = now

    async def delete(self, reminder: Reminder) -> None:
        await self.session.execute(delete(Reminder).where(Reminder.id == reminder.id))
        self.session.expunge(reminder)

    # --- reachability ---
    async def pause_unreachable(
        self,
        platform: str,
        now: datetime,
        *,
        chat_id: str | None = None,
        owner_ids: Collection[int] = (),
    ) -> int:
        """Pause active reminders sent to ``chat_id`` or owned by ``owner_ids``."""
        targets = []
        if chat_id is not None:
            targets.append(and_(Reminder.platform == platform, Reminder.chat_id == chat_id))
        if owner_ids:
            targets.append(Reminder.user_id.in_(list(owner_ids)))
        if not targets:
            return 0
        result = await self.session.execute(
            update(Reminder)
            .where(Reminder.status == ACTIVE, or_(*targets))
            .values(status=PAUSED, paused_reason=UNREACHABLE, snooze_until=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def paused_as_unreachable(self, user_id: int) -> list[Reminder]:
        rows = await self.session.scalars(
            select(Reminder).where(
                Reminder.user_id == user_id,
                Reminder.status == PAUSED,
                Reminder.paused_reason == UNREACHABLE,
            )
        )
        return list(rows)

    async def user_ids(self, platform: str, platform_user_id: str) -> list[int]:
        rows = await self.session.scalars(
            select(User.id).where(
                User.platform == platform, User.platform_user_id == platform_user_id
            )
        )
        return list(rows)

    # --- the dispatcher ---
    async def lock_due(
        self, now: datetime, platforms: Collection[str], limit: int
    ) -> list[DueReminder]:
        """Active reminders due by ``now`` (rule or snooze), locked; the ``limit`` earliest
        of each kind, so at most twice ``limit`` rows.

        PostgreSQL skips rows another process has locked, so two dispatchers never
        claim the same reminder; SQLite's BEGIN IMMEDIATE makes the whole transaction
        exclusive, which gives the same guarantee.
        """
        if not platforms:
            return []
        # Two narrow indexed selects beat one OR over two columns on both databases.
        ids: set[int] = set()
        for column in (Reminder.next_fire_at, Reminder.snooze_until):
            found = await self.session.scalars(
                select(Reminder.id)
                .where(
                    Reminder.status == ACTIVE,
                    column <= now,
                    Reminder.platform.in_(list(platforms)),
                )
                .order_by(column)
                .limit(limit)
            )
            ids.update(found)
        if not ids:
            return []
        rows = await self.session.execute(
            select(*_DUE_COLUMNS, User.platform_user_id)
            .join(User, User.id == Reminder.user_id)
            .where(
                Reminder.id.in_(sorted(ids)),
                Reminder.status == ACTIVE,
                or_(Reminder.next_fire_at <= now, Reminder.snooze_until <= now),
            )
            .with_for_update(of=Reminder, skip_locked=True)
        )
        return [DueReminder(*row) for row in rows]

    async def claimed_already(
        self, reminder_ids: Sequence[int], since: datetime
    ) -> set[tuple[int, datetime]]:
        """(reminder, occurrence) pairs already recorded at or after ``since``."""
        if not reminder_ids:
            return set()
        rows = await self.session.execute(
            select(ReminderDelivery.reminder_id, ReminderDelivery.occurrence_at).where(
                ReminderDelivery.reminder_id.in_(list(reminder_ids)),
                ReminderDelivery.occurrence_at >= since,
                ReminderDelivery.kind != CHECKIN,
            )
        )
        return {(reminder_id, occurrence) for reminder_id, occurrence in rows}

    async def record(
        self, deliveries: Sequence[NewDelivery], now: datetime, lease: Lease
    ) -> dict[int, int]:
        """Insert delivery rows in one statement; returns reminder id → new delivery id.

        Rows to send are held by ``lease``; skipped ones are final at once. A reminder
        gets at most one delivery per pass, so the mapping is unambiguous.
        """
        if not deliveries:
            return {}
        rows = await self.session.execute(
            insert(ReminderDelivery).returning(ReminderDelivery.reminder_id, ReminderDelivery.id),
            [
                {
                    "reminder_id": item.reminder_id,
                    "occurrence_at": item.occurrence_at,
                    "kind": item.kind,
                    "claimed_at": now,
                    "sent_at": None,
                    "status": item.status,
                    "claimed_by": lease.worker if item.status == CLAIMED else None,
                    "lease_until": lease.until if item.status == CLAIMED else None,
                    "attempts": 0,
                }
                for item in deliveries
            ],
        )
        return {reminder_id: delivery_id for reminder_id, delivery_id in rows}

    async def advance(self, changes: Sequence[Advance], now: datetime) -> None:
        """Write each claimed reminder's new fire time, snooze and status (one executemany)."""
        if not changes:
            return
        # Core, not the ORM: one executemany instead of a unit-of-work flush per row.
        table = cast(Table, Reminder.__table__)
        await self.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                next_fire_at=bindparam("b_next", type_=UTCDateTime()),
                snooze_until=bindparam("b_snooze", type_=UTCDateTime()),
                status=bindparam("b_status"),
                paused_reason=bindparam("b_reason"),
            ),
            [
                {
                    "b_id": change.reminder_id,
                    "b_next": change.next_fire_at,
                    "b_snooze": change.snooze_until,
                    "b_status": change.status,
                    "b_reason": change.paused_reason,
                }
                for change in changes
            ],
        )

    async def finish_deliveries(
        self, outcomes: Sequence[tuple[int, str]], sent_at: datetime
    ) -> None:
        """Set each delivery's final status (``sent`` ones get ``sent_at``). A claim given
        back meanwhile (its worker taken for dead while the send was in hand) is
        finished too: the runner has it, so nobody sends it again."""
        by_status: dict[str, list[int]] = {}
        for delivery_id, status in outcomes:
            by_status.setdefault(status, []).append(delivery_id)
        # Core on the table, not the ORM: these run once per few sends in a burst.
        table = _deliveries()
        for status, ids in by_status.items():
            values: dict[str, object] = {"status": status, "lease_until": None}
            if status == "sent":
                values["sent_at"] = sent_at
            await self.session.execute(
                update(table)
                .where(table.c.id.in_(ids), table.c.status.in_((CLAIMED, RELEASED)))
                .values(**values)
            )

    # --- the outbox: leases, hand-overs and claims left behind ---
    async def mark_attempted(self, delivery_ids: Collection[int], lease: Lease) -> frozenset[int]:
        """These claims are being handed to the platform now: one more attempt each, and
        the lease renewed (committed before the send, so a restart knows). Returns those
        still held by ``lease.worker``: only they may be sent."""
        if not delivery_ids:
            return frozenset()
        rows = await self.session.execute(attempt_statement(delivery_ids, lease))
        return frozenset(int(row[0]) for row in rows)

    async def renew(self, delivery_ids: Collection[int], lease: Lease) -> int:
        """Extend the lease on claims this worker still holds."""
        if not delivery_ids:
            return 0
        result = await self.session.execute(
            update(ReminderDelivery)
            .where(ReminderDelivery.id.in_(list(delivery_ids)), _held_by(lease.worker))
            .values(lease_until=lease.until)
            .execution_options(synchronize_session=False)
        )
        return _count(result)

    async def release(
        self, delivery_ids: Collection[int], worker: str, *, not_attempted: Collection[int] = ()
    ) -> int:
        """Give back claims this worker holds and will not finish (it is stopping); the
        next dispatcher to look sends them. ``not_attempted`` were counted as attempted
        ahead of time but never handed to the platform: that attempt is taken back."""
        if not delivery_ids:
            return 0
        if not_attempted:
            await self.session.execute(
                update(ReminderDelivery)
                .where(
                    ReminderDelivery.id.in_(list(not_attempted)),
                    _held_by(worker),
                    ReminderDelivery.attempts > 0,
                )
                .values(attempts=ReminderDelivery.attempts - 1)
                .execution_options(synchronize_session=False)
            )
        result = await self.session.execute(
            update(ReminderDelivery)
            .where(ReminderDelivery.id.in_(list(delivery_ids)), _held_by(worker))
            .values(status=RELEASED, claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return _count(result)

    async def holders(self) -> set[str]:
        """Who holds claims now (each worker's name on them)."""
        rows = await self.session.scalars(
            select(ReminderDelivery.claimed_by)
            .where(ReminderDelivery.status == CLAIMED, ReminderDelivery.claimed_by.is_not(None))
            .distinct()
        )
        return {str(name) for name in rows}

    async def release_holders(self, names: Collection[str]) -> int:
        """Give back every claim these workers hold (they were found dead): the next
        dispatcher to look sends them, as claims a stopping worker released. Attempts
        stay counted, so what may have reached the runner says it may be a repeat."""
        if not names:
            return 0
        result = await self.session.execute(
            update(ReminderDelivery)
            .where(ReminderDelivery.status == CLAIMED, ReminderDelivery.claimed_by.in_(list(names)))
            .values(status=RELEASED, claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return _count(result)

    async def expire_claims(self, platforms: Collection[str], worker: str, now: datetime) -> int:
        """End the leases of every claim on these platforms held by another worker.

        Only for a database that one bot process uses (SQLite): at start-up, whatever
        another worker holds belongs to a process that is gone.
        """
        if not platforms:
            return 0
        result = await self.session.execute(
            update(ReminderDelivery)
            .where(
                ReminderDelivery.status == CLAIMED,
                or_(ReminderDelivery.claimed_by.is_(None), ReminderDelivery.claimed_by != worker),
                or_(ReminderDelivery.lease_until.is_(None), ReminderDelivery.lease_until > now),
                ReminderDelivery.reminder_id.in_(_on_platforms(platforms)),
            )
            .values(lease_until=now)
            .execution_options(synchronize_session=False)
        )
        return _count(result)

    async def mark_abandoned_lost(
        self, platforms: Collection[str], now: datetime, sent_after: datetime
    ) -> int:
        """Claims left behind (released, or their lease ran out) whose occurrence is older
        than ``sent_after``, the grace window's start: too late to send, so lost.

        The count is exact: each row changes status once, and on PostgreSQL a second
        dispatcher doing the same waits for the row lock and then finds it changed.
        """
        if not platforms:
            return 0
        result = await self.session.execute(
            update(ReminderDelivery)
            .where(
                _abandoned(now),
                func.coalesce(ReminderDelivery.due_at, ReminderDelivery.occurrence_at) < sent_after,
                ReminderDelivery.reminder_id.in_(_on_platforms(platforms)),
            )
            .values(status=LOST, claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return _count(result)

    async def lock_abandoned(
        self, now: datetime, platforms: Collection[str], limit: int
    ) -> list[AbandonedDelivery]:
        """Claims left behind on these platforms, oldest first, locked for this transaction.

        PostgreSQL skips rows another dispatcher has locked, as :meth:`lock_due` does.
        """
        if not platforms:
            return []
        rows = await self.session.execute(
            select(
                ReminderDelivery.id,
                ReminderDelivery.occurrence_at,
                ReminderDelivery.attempts,
                Reminder.id,
                Reminder.user_id,
                Reminder.platform,
                Reminder.chat_id,
                Reminder.run_time,
                Reminder.status,
                User.platform_user_id,
                ReminderDelivery.kind,
                ReminderDelivery.due_at,
                Reminder.time_zone,
            )
            .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
            .join(User, User.id == Reminder.user_id)
            .where(_abandoned(now), Reminder.platform.in_(list(platforms)))
            .order_by(ReminderDelivery.occurrence_at, ReminderDelivery.id)
            .limit(limit)
            .with_for_update(of=ReminderDelivery, skip_locked=True)
        )
        return [AbandonedDelivery(*row) for row in rows]

    async def take_over(self, delivery_ids: Collection[int], lease: Lease, now: datetime) -> None:
        """Hold these left-behind claims under ``lease`` (rows :meth:`lock_abandoned` locked)."""
        if not delivery_ids:
            return
        await self.session.execute(
            update(ReminderDelivery)
            .where(ReminderDelivery.id.in_(list(delivery_ids)), _abandoned(now))
            .values(status=CLAIMED, claimed_by=lease.worker, lease_until=lease.until)
            .execution_options(synchronize_session=False)
        )

    async def drop_abandoned(self, delivery_ids: Collection[int], now: datetime) -> None:
        """Left-behind claims of reminders paused since: not sent (``skipped``)."""
        if not delivery_ids:
            return
        await self.session.execute(
            update(ReminderDelivery)
            .where(ReminderDelivery.id.in_(list(delivery_ids)), _abandoned(now))
            .values(status="skipped", claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )

    async def earliest_due(self, platforms: Collection[str]) -> datetime | None:
        """When the dispatcher for these platforms next has work: the earliest fire or
        snooze of an active reminder, or the earliest lease to run out, or a released
        claim's occurrence (in the past: at once).

        Other platforms' reminders are left out, or a terminal session on a shared
        database would wake at once, again and again, for a Telegram reminder it never
        claims.
        """
        if not platforms:
            return None
        chosen = list(platforms)
        times: list[datetime] = []
        for column in (Reminder.next_fire_at, Reminder.snooze_until):
            first = await self.session.scalar(
                select(column)
                .where(
                    Reminder.status == ACTIVE, column.is_not(None), Reminder.platform.in_(chosen)
                )
                .order_by(column)
                .limit(1)
            )
            if first is not None:
                times.append(first)
        held = _on_platforms(chosen)
        # A claim whose lease runs out, or one given back, is sent by whoever looks next.
        # A scheduled check-in question is due at its own time.
        planned = func.coalesce(ReminderDelivery.due_at, ReminderDelivery.occurrence_at)
        columns: list[tuple[str, ColumnElement[datetime]]] = [
            (CLAIMED, cast(ColumnElement[datetime], ReminderDelivery.lease_until)),
            (RELEASED, planned),
            (SCHEDULED, planned),
        ]
        for status, when in columns:
            first = await self.session.scalar(
                select(func.min(when)).where(
                    ReminderDelivery.status == status, ReminderDelivery.reminder_id.in_(held)
                )
            )
            if first is not None:
                times.append(first)
        return min(times, default=None)

    async def prune_deliveries(self, before: datetime) -> int:
        """Forget finished deliveries claimed before ``before`` (one indexed delete per status)."""
        removed = 0
        for status in FINAL_STATUSES:
            result = await self.session.execute(
                delete(ReminderDelivery)
                .where(ReminderDelivery.status == status, ReminderDelivery.claimed_at < before)
                .execution_options(synchronize_session=False)
            )
            removed += int(getattr(result, "rowcount", 0) or 0)
        return removed


def _set_rule(reminder: Reminder, rule: Rule, next_fire_at: datetime, now: datetime) -> None:
    reminder.weekdays = encode_weekdays(rule.weekdays)
    reminder.once_on = rule.once_on
    reminder.run_time = format_hhmm(rule.run_time)
    reminder.lead_minutes = rule.lead_minutes
    reminder.time_zone = rule.zone
    reminder.next_fire_at = next_fire_at
    reminder.updated_at = now


def attempt_statement(delivery_ids: Collection[int], lease: Lease) -> Update:
    """Mark these claims attempted, renewing the lease, where ``lease.worker`` still
    holds them; returns their ids."""
    table = _deliveries()
    return (
        update(table)
        .where(
            table.c.id.in_(list(delivery_ids)),
            table.c.status == CLAIMED,
            table.c.claimed_by == lease.worker,
        )
        .values(attempts=table.c.attempts + 1, lease_until=lease.until)
        .returning(table.c.id)
    )


def _deliveries() -> Table:
    return cast(Table, ReminderDelivery.__table__)


def _held_by(worker: str) -> ColumnElement[bool]:
    return and_(ReminderDelivery.status == CLAIMED, ReminderDelivery.claimed_by == worker)


def _abandoned(now: datetime) -> ColumnElement[bool]:
    """A claim nobody holds any more: given back, or its lease ran out."""
    return or_(
        ReminderDelivery.status == RELEASED,
        and_(ReminderDelivery.status == CLAIMED, ReminderDelivery.lease_until <= now),
    )


def _on_platforms(platforms: Collection[str]) -> Select[tuple[int]]:
    return select(Reminder.id).where(Reminder.platform.in_(list(platforms)))


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
