"""The clubs' scheduled messages, claimed and recorded for the reminder dispatcher.

Every message to a club's chat is a :class:`~bot.features.clubs.models.ClubDelivery`
row. Claiming a due run writes its invite (claimed) and its after-run line (pending,
due later) in one transaction, unique per club, kind and run, and moves the run's
``next_fire_at`` on; so a run is announced once, however often the claim is retried.
A claim whose lease ran out (its process died) is claimed again inside the grace
window, with a line saying it may be a repeat if it had been handed over; past the
window it is marked lost. Paused clubs (the coach was removed) claim nothing. With
several workers, a dead worker's claims are given back at once, as the reminders' are
(:mod:`bot.storage.workers`): attempts are written on the registration's connection,
and the release runs under the dead worker's fence.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, Update, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core import payloads
from bot.core.calendar import UnknownZone, zone
from bot.core.messages import Choice, ConversationKey, Reply
from bot.core.ports import Dispatch
from bot.features.clubs.models import Club, ClubDelivery, ClubRun
from bot.features.clubs.rules import rule_of
from bot.features.clubs.schedule import AFTER_RUN, next_run, next_summary
from bot.features.clubs.store import (
    ACTIVE,
    AFTER,
    CLAIMED,
    INVITE,
    PENDING,
    WEEKLY,
    ClubRepository,
)
from bot.features.clubs.texts import ClubTexts
from bot.storage.database import transaction
from bot.storage.workers import WorkerRegistry

log = logging.getLogger(__name__)

LATE_NOTE_AFTER = timedelta(minutes=1)
WARM_PREFIX = "club.warm."


def warm_action(delivery_id: int) -> str:
    return f"{WARM_PREFIX}{delivery_id}"


class ClubOutbox:
    """The clubs' :class:`~bot.core.ports.ScheduledMessages`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        texts: ClubTexts,
        buttons: payloads.Buttons,
        *,
        grace: timedelta = timedelta(minutes=15),
        workers: WorkerRegistry | None = None,
    ) -> None:
        """``workers``: this worker's registration, where several share the database."""
        self.sessions = sessions
        self.texts = texts
        self.buttons = buttons
        self.grace = grace
        self.workers = workers if workers is not None and workers.shared else None

    async def earliest(self, platforms: Sequence[str]) -> datetime | None:
        async with self.sessions() as session:
            active = select(Club.id).where(Club.platform.in_(platforms), Club.status == ACTIVE)
            runs = await session.scalar(
                select(ClubRun.next_fire_at)
                .where(ClubRun.club_id.in_(active), ClubRun.next_fire_at.is_not(None))
                .order_by(ClubRun.next_fire_at)
                .limit(1)
            )
            waiting = await session.scalar(
                select(ClubDelivery.due_at)
                .where(ClubDelivery.club_id.in_(active), ClubDelivery.status == PENDING)
                .order_by(ClubDelivery.due_at)
                .limit(1)
            )
            summary = await session.scalar(
                select(Club.next_summary_at)
                .where(
                    Club.id.in_(active),
                    Club.weekly_summary.is_(True),
                    Club.next_summary_at.is_not(None),
                )
                .order_by(Club.next_summary_at)
                .limit(1)
            )
        times = [t for t in (runs, waiting, summary) if t is not None]
        return min(times, default=None)

    async def claim(
        self,
        platforms: Sequence[str],
        now: datetime,
        worker: str,
        lease_until: datetime,
        *,
        limit: int,
        take_over: bool,
    ) -> list[Dispatch]:
        async with transaction(self.sessions) as session:
            clubs = {
                club.id: club
                for club in await session.scalars(
                    select(Club).where(Club.platform.in_(platforms), Club.status == ACTIVE)
                )
            }
            if not clubs:
                return []
            await self._due_runs(session, list(clubs), now, limit)
            await self._due_summaries(session, list(clubs), now)
            rows = await self._claimable(session, list(clubs), now, worker, take_over, limit)
            out: list[Dispatch] = []
            for row in rows:
                if now - row.due_at > self.grace:
                    row.status = "lost" if row.attempts else "skipped"
                    log.info(
                        "club_message_%s kind=%s club_id=%d", row.status, row.kind, row.club_id
                    )
                    continue
                row.status = CLAIMED
                row.claimed_by = worker
                row.lease_until = lease_until
                reply = await self._compose(session, row, now)
                club = clubs[row.club_id]
                out.append(
                    Dispatch(row.id, ConversationKey(club.platform, club.chat_id, ""), reply)
                )
            return out

    async def _due_runs(
        self, session: AsyncSession, club_ids: list[int], now: datetime, limit: int
    ) -> None:
        runs = await session.scalars(
            select(ClubRun)
            .where(ClubRun.club_id.in_(club_ids), ClubRun.next_fire_at <= now)
            .order_by(ClubRun.next_fire_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        for run in runs:
            invite_at = run.next_fire_at
            assert invite_at is not None
            try:
                rule = rule_of(run)
                zone(rule.zone)
            except (UnknownZone, ValueError):
                log.error("club_run_invalid run_id=%d", run.id)
                run.next_fire_at = None
                continue
            run_at = invite_at + timedelta(minutes=run.lead_minutes)
            run.next_fire_at = next_run(rule, max(now, invite_at)).invite_at
            if await self._exists(session, run.club_id, INVITE, run_at):
                continue
            # Missed by more than the grace window (downtime): skipped, never a burst.
            missed = now - invite_at > self.grace
            session.add_all(
                [
                    ClubDelivery(
                        club_id=run.club_id,
                        run_id=run.id,
                        kind=INVITE,
                        occurrence_at=run_at,
                        run_zone=run.time_zone,
                        due_at=invite_at,
                        status="skipped" if missed else PENDING,
                        attempts=0,
                    ),
                    ClubDelivery(
                        club_id=run.club_id,
                        run_id=run.id,
                        kind=AFTER,
                        occurrence_at=run_at,
                        run_zone=run.time_zone,
                        due_at=run_at + AFTER_RUN,
                        status="skipped" if missed else PENDING,
                        attempts=0,
                    ),
                ]
            )
        await session.flush()

    async def _due_summaries(
        self, session: AsyncSession, club_ids: list[int], now: datetime
    ) -> None:
        # Locked, skipping what another dispatcher holds: a summary is claimed once.
        due = await session.scalars(
            select(Club)
            .where(
                Club.id.in_(club_ids),
                Club.weekly_summary.is_(True),
                Club.summary_zone.is_not(None),
                Club.next_summary_at <= now,
            )
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        for club in due:
            at, zone_name = club.next_summary_at, club.summary_zone
            assert at is not None
            assert zone_name is not None
            club.next_summary_at = next_summary(zone_name, max(now, at))
            if await self._exists(session, club.id, WEEKLY, at):
                continue
            session.add(
                ClubDelivery(
                    club_id=club.id,
                    kind=WEEKLY,
                    occurrence_at=at,
                    run_zone=zone_name,
                    due_at=at,
                    status=PENDING,
                    attempts=0,
                )
            )
        await session.flush()

    @staticmethod
    async def _exists(session: AsyncSession, club_id: int, kind: str, at: datetime) -> bool:
        found = await session.scalar(
            select(ClubDelivery.id).where(
                ClubDelivery.club_id == club_id,
                ClubDelivery.kind == kind,
                ClubDelivery.occurrence_at == at,
            )
        )
        return found is not None

    @staticmethod
    async def _claimable(
        session: AsyncSession,
        club_ids: list[int],
        now: datetime,
        worker: str,
        take_over: bool,
        limit: int,
    ) -> list[ClubDelivery]:
        left_behind = ClubDelivery.lease_until < now
        if take_over:
            left_behind = or_(left_behind, ClubDelivery.claimed_by != worker)
        found = await session.scalars(
            select(ClubDelivery)
            .where(
                ClubDelivery.club_id.in_(club_ids),
                or_(
                    (ClubDelivery.status == PENDING) & (ClubDelivery.due_at <= now),
                    (ClubDelivery.status == CLAIMED) & left_behind,
                ),
            )
            .order_by(ClubDelivery.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(found)

    async def attempted(self, ids: Sequence[int], worker: str, lease_until: datetime) -> set[int]:
        table = _deliveries()
        marking = (
            update(table)
            .where(table.c.id.in_(ids), table.c.status == CLAIMED, table.c.claimed_by == worker)
            .values(attempts=table.c.attempts + 1, lease_until=lease_until)
            .returning(table.c.id)
        )
        if self.workers is not None:
            return {int(row[0]) for row in await self.workers.run_registered(marking)}
        async with transaction(self.sessions) as session:
            return {int(row[0]) for row in await session.execute(marking)}

    async def holders(self) -> set[str]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(ClubDelivery.claimed_by)
                .where(ClubDelivery.status == CLAIMED, ClubDelivery.claimed_by.is_not(None))
                .distinct()
            )
            return {str(name) for name in rows}

    async def release_dead(self, worker: int, names: Sequence[str]) -> int:
        if self.workers is None or not names:
            return 0
        async with transaction(self.sessions) as session:
            if not await self.workers.fence(session, worker):
                return 0
            result = await session.execute(
                _release(_deliveries(), names).execution_options(synchronize_session=False)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def finished(self, outcomes: Sequence[tuple[int, str]], now: datetime) -> None:
        async with transaction(self.sessions) as session:
            for delivery_id, status in outcomes:
                await session.execute(
                    # A claim given back meanwhile (its worker taken for dead while the
                    # send was in hand) too: it went out, so nobody sends it again.
                    update(ClubDelivery)
                    .where(
                        ClubDelivery.id == delivery_id,
                        ClubDelivery.status.in_((CLAIMED, PENDING)),
                        ClubDelivery.attempts > 0,
                    )
                    .values(status=status, sent_at=now, claimed_by=None, lease_until=None)
                )

    async def release(self, ids: Sequence[int], worker: str) -> None:
        async with transaction(self.sessions) as session:
            await session.execute(
                update(ClubDelivery)
                .where(ClubDelivery.id.in_(ids), ClubDelivery.claimed_by == worker)
                .values(status=PENDING, claimed_by=None, lease_until=None)
            )

    # --- the group's words: neutral, never a name or a member's health ---
    async def _compose(self, session: AsyncSession, row: ClubDelivery, now: datetime) -> Reply:
        texts = self.texts
        tz = zone(row.run_zone)
        local = row.occurrence_at.astimezone(tz)
        day = texts.day_names[local.weekday()]
        if row.kind == INVITE:
            lines = [texts.invite.format(day=day, time=local.strftime("%H:%M"), zone=row.run_zone)]
            late = now - row.due_at
            if late >= LATE_NOTE_AFTER:
                lines.append(texts.invite_late.format(minutes=late // timedelta(minutes=1)))
            if row.attempts:
                lines.append(texts.invite_repeat)
            button = Choice(texts.invite_button, self.buttons.encode_public(warm_action(row.id)))
            return Reply("\n".join(lines), choices=(button,))
        repo = ClubRepository(session)
        if row.kind == AFTER:
            count = await repo.warmed_up(row.club_id, row.occurrence_at)
            if count == 0:
                return Reply(texts.after_none.format(day=day))
            if count == 1:
                line = texts.after_one.format(day=day)
            else:
                line = texts.after_many.format(count=count, day=day)
            # Only those who asked to be named are; never what they said about their health.
            names = await repo.named_warmers(row.club_id, row.occurrence_at)
            if names:
                line = f"{line} {texts.after_named.format(names=', '.join(names))}"
            return Reply(line)
        runs, warmups = await repo.week(row.club_id, row.occurrence_at)
        if runs == 0:
            return Reply(texts.weekly_quiet)
        return Reply(texts.weekly_summary.format(runs=runs, warmups=warmups))


def _deliveries() -> Table:
    return cast(Table, ClubDelivery.__table__)


def _release(table: Table, names: Sequence[str]) -> Update:
    """Claims held under ``names`` back to pending; attempts stay, for the repeat line."""
    return (
        update(table)
        .where(table.c.status == CLAIMED, table.c.claimed_by.in_(list(names)))
        .values(status=PENDING, claimed_by=None, lease_until=None)
    )
