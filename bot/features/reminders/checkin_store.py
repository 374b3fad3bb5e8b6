"""Reads and writes for after-run check-in questions and the runner's delay setting.

A question is a delivery row of kind ``checkin`` (see :class:`ReminderDelivery`): the
dispatcher schedules it in the transaction that claims the reminder, and claims it when
due; from then on it is an outbox row like any reminder. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, insert, select, update

from bot.features.reminders.models import CheckinSetting, Reminder, ReminderDelivery
from bot.features.reminders.rules import Rule
from bot.features.reminders.store import (
    ACTIVE,
    CHECKIN,
    CLAIMED,
    SCHEDULED,
    Lease,
    rule_of,
)
from bot.storage.base import Repository
from bot.storage.models import User

DISMISSED = "dismissed"
ANSWERED = "answered"
DROPPED = "dropped"
# A question that can still be answered for its run: not called off before it went out.
_ASKABLE = (SCHEDULED, CLAIMED, "released", "sent", "failed")


@dataclass(frozen=True, slots=True)
class NewCheckin:
    reminder_id: int
    run_at: datetime
    due_at: datetime


@dataclass(frozen=True, slots=True)
class DueCheckin:
    """A scheduled question whose time has come, locked, with who to ask."""

    id: int
    run_at: datetime
    due_at: datetime
    reminder_id: int
    user_id: int
    platform: str
    chat_id: str
    run_time: str
    time_zone: str
    reminder_status: str
    platform_user_id: str


@dataclass(frozen=True, slots=True)
class RunRow:
    """A planned run with a check-in question, and where that question stands."""

    delivery_id: int
    run_at: datetime
    time_zone: str
    status: str


class CheckinRepository(Repository):
    # --- the runner's setting ---
    async def delay_of(self, user_id: int) -> tuple[bool, int | None]:
        """(has a setting, its delay in minutes: ``None`` means off)."""
        row = await self.session.get(CheckinSetting, user_id)
        return (False, None) if row is None else (True, row.delay_minutes)

    async def set_delay(self, user_id: int, minutes: int | None, now: datetime) -> None:
        row = await self.session.get(CheckinSetting, user_id)
        if row is None:
            self.session.add(CheckinSetting(user_id=user_id, delay_minutes=minutes, updated_at=now))
        else:
            row.delay_minutes = minutes
            row.updated_at = now
        await self.session.flush()

    async def delays(self, user_ids: Collection[int]) -> dict[int, int | None]:
        """Each runner's own delay (``None``: off); runners without a setting left out."""
        if not user_ids:
            return {}
        rows = await self.session.execute(
            select(CheckinSetting.user_id, CheckinSetting.delay_minutes).where(
                CheckinSetting.user_id.in_(list(user_ids))
            )
        )
        return {user_id: minutes for user_id, minutes in rows}

    async def rules_of(self, user_ids: Collection[int]) -> dict[int, list[Rule]]:
        """Every active reminder rule of these runners, by runner (their planned runs)."""
        if not user_ids:
            return {}
        rows = await self.session.scalars(
            select(Reminder).where(Reminder.user_id.in_(list(user_ids)), Reminder.status == ACTIVE)
        )
        found: dict[int, list[Rule]] = {}
        for reminder in rows:
            try:
                found.setdefault(reminder.user_id, []).append(rule_of(reminder))
            except ValueError:
                continue  # an invalid rule plans no runs
        return found

    # --- the dispatcher ---
    async def schedule(self, checkins: Sequence[NewCheckin], now: datetime) -> None:
        if not checkins:
            return
        await self.session.execute(
            insert(ReminderDelivery),
            [
                {
                    "reminder_id": item.reminder_id,
                    "occurrence_at": item.run_at,
                    "kind": CHECKIN,
                    "claimed_at": now,
                    "status": SCHEDULED,
                    "due_at": item.due_at,
                    "attempts": 0,
                }
                for item in checkins
            ],
        )

    async def scheduled_already(
        self, reminder_ids: Collection[int], since: datetime
    ) -> set[tuple[int, datetime]]:
        if not reminder_ids:
            return set()
        rows = await self.session.execute(
            select(ReminderDelivery.reminder_id, ReminderDelivery.occurrence_at).where(
                ReminderDelivery.reminder_id.in_(list(reminder_ids)),
                ReminderDelivery.kind == CHECKIN,
                ReminderDelivery.occurrence_at >= since,
            )
        )
        return {(reminder_id, run_at) for reminder_id, run_at in rows}

    async def lock_due(
        self, now: datetime, platforms: Collection[str], limit: int
    ) -> list[DueCheckin]:
        if not platforms or limit <= 0:
            return []
        rows = await self.session.execute(
            select(
                ReminderDelivery.id,
                ReminderDelivery.occurrence_at,
                ReminderDelivery.due_at,
                Reminder.id,
                Reminder.user_id,
                Reminder.platform,
                Reminder.chat_id,
                Reminder.run_time,
                Reminder.time_zone,
                Reminder.status,
                User.platform_user_id,
            )
            .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
            .join(User, User.id == Reminder.user_id)
            .where(
                ReminderDelivery.status == SCHEDULED,
                ReminderDelivery.due_at <= now,
                Reminder.platform.in_(list(platforms)),
            )
            .order_by(ReminderDelivery.due_at, ReminderDelivery.id)
            .limit(limit)
            .with_for_update(of=ReminderDelivery, skip_locked=True)
        )
        return [DueCheckin(*row) for row in rows]

    async def claim(self, delivery_ids: Collection[int], lease: Lease, now: datetime) -> None:
        if not delivery_ids:
            return
        await self.session.execute(
            update(ReminderDelivery)
            .where(_scheduled(delivery_ids))
            .values(
                status=CLAIMED, claimed_at=now, claimed_by=lease.worker, lease_until=lease.until
            )
            .execution_options(synchronize_session=False)
        )

    async def close(self, delivery_ids: Collection[int], status: str) -> None:
        """Call off scheduled questions (``dropped``, ``skipped``) before they go out."""
        if not delivery_ids:
            return
        await self.session.execute(
            update(ReminderDelivery)
            .where(_scheduled(delivery_ids))
            .values(status=status)
            .execution_options(synchronize_session=False)
        )

    # --- the flows ---
    async def dismiss_after(self, reminder_id: int, since: datetime) -> int:
        """Skip on a reminder: the run it was for is not asked about."""
        result = await self.session.execute(
            update(ReminderDelivery)
            .where(
                ReminderDelivery.reminder_id == reminder_id,
                ReminderDelivery.kind == CHECKIN,
                ReminderDelivery.status == SCHEDULED,
                ReminderDelivery.occurrence_at >= since,
            )
            .values(status=DISMISSED)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def latest_run(self, user_id: int, since: datetime, now: datetime) -> RunRow | None:
        """The newest planned run started in [since, now] whose question was not called off."""
        row = (
            await self.session.execute(
                select(
                    ReminderDelivery.id,
                    ReminderDelivery.occurrence_at,
                    Reminder.time_zone,
                    ReminderDelivery.status,
                )
                .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
                .where(
                    Reminder.user_id == user_id,
                    ReminderDelivery.kind == CHECKIN,
                    ReminderDelivery.occurrence_at >= since,
                    ReminderDelivery.occurrence_at <= now,
                    ReminderDelivery.status.in_(_ASKABLE),
                )
                .order_by(ReminderDelivery.occurrence_at.desc())
                .limit(1)
            )
        ).first()
        return None if row is None else RunRow(*row)

    async def runs_started_after(self, user_id: int, after: datetime, now: datetime) -> int:
        """How many planned runs (with a question) started after ``after`` and by ``now``."""
        rows = await self.session.scalars(
            select(ReminderDelivery.id)
            .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
            .where(
                Reminder.user_id == user_id,
                ReminderDelivery.kind == CHECKIN,
                ReminderDelivery.occurrence_at > after,
                ReminderDelivery.occurrence_at <= now,
            )
        )
        return len(list(rows))

    async def settle(self, user_id: int, delivery_id: int) -> None:
        """The runner answered: a question not yet sent never is."""
        owned = select(Reminder.id).where(Reminder.user_id == user_id)
        await self.session.execute(
            update(ReminderDelivery)
            .where(
                ReminderDelivery.id == delivery_id,
                ReminderDelivery.reminder_id.in_(owned),
                ReminderDelivery.status.in_((SCHEDULED, "released")),
            )
            .values(status=ANSWERED, claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )

    async def planned_runs(self, user_id: int, start: datetime, end: datetime) -> list[datetime]:
        """Runs reminded of (and not skipped) in [start, end], oldest first."""
        rows = await self.session.execute(
            select(ReminderDelivery.occurrence_at, Reminder.lead_minutes)
            .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
            .where(
                Reminder.user_id == user_id,
                ReminderDelivery.kind == "rule",
                ReminderDelivery.status == "sent",
                ReminderDelivery.occurrence_at >= start - timedelta(hours=3),
                ReminderDelivery.occurrence_at <= end,
            )
        )
        # Skip marks the reminder's delivery dismissed, so a skipped run is not here.
        runs = sorted(at + timedelta(minutes=lead) for at, lead in rows)
        return [run for run in runs if start <= run <= end]


def _scheduled(delivery_ids: Collection[int]) -> ColumnElement[bool]:
    return and_(ReminderDelivery.id.in_(list(delivery_ids)), ReminderDelivery.status == SCHEDULED)
