"""Clubs, their runs and what members pressed, as SQL (portable: SQLite and PostgreSQL).

Flows bind :class:`ClubRepository` to their step's transaction; the outbox
(:mod:`bot.features.clubs.outbox`) uses it in transactions of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update

from bot.features.clubs.models import Club, ClubDelivery, ClubName, ClubRun, ClubWarmup
from bot.storage.base import Repository

ACTIVE = "active"
PAUSED = "paused"
PENDING = "pending"
CLAIMED = "claimed"
SENT = "sent"
DROPPED = "dropped"
INVITE = "invite"
AFTER = "after"
WEEKLY = "weekly"


@dataclass(frozen=True, slots=True)
class Pressed:
    """A member's press under an invite: whether it was new, and the run it is for."""

    first: bool
    occurrence_at: datetime
    run_zone: str


class ClubRepository(Repository):
    # --- clubs ---
    async def club(self, platform: str, chat_id: str) -> Club | None:
        found: Club | None = await self.session.scalar(
            select(Club).where(Club.platform == platform, Club.chat_id == chat_id)
        )
        return found

    async def club_or_new(self, platform: str, chat_id: str, space: str, now: datetime) -> Club:
        found = await self.club(platform, chat_id)
        if found is not None:
            return found
        club = Club(
            platform=platform,
            chat_id=chat_id,
            space=space,
            status=ACTIVE,
            weekly_summary=False,
            created_at=now,
            updated_at=now,
        )
        self.session.add(club)
        await self.session.flush()
        return club

    async def pause(self, platform: str, chat_or_space: str, now: datetime) -> int:
        """The coach was removed from this chat (or Discord server): its clubs pause and
        what was waiting to go out there is dropped. Returns the clubs paused."""
        ids = list(
            await self.session.scalars(
                select(Club.id).where(
                    Club.platform == platform,
                    Club.status == ACTIVE,
                    or_(Club.chat_id == chat_or_space, Club.space == chat_or_space),
                )
            )
        )
        if not ids:
            return 0
        await self.session.execute(
            update(Club).where(Club.id.in_(ids)).values(status=PAUSED, updated_at=now)
        )
        await self.session.execute(
            update(ClubDelivery)
            .where(ClubDelivery.club_id.in_(ids), ClubDelivery.status == PENDING)
            .values(status=DROPPED)
        )
        return len(ids)

    async def resume(self, club: Club, now: datetime) -> None:
        club.status = ACTIVE
        club.updated_at = now

    async def set_summary(
        self, club: Club, on: bool, zone: str | None, due: datetime | None, now: datetime
    ) -> None:
        """The weekly summary on or off, in ``zone``, next due at ``due``."""
        club.weekly_summary = on
        club.summary_zone = zone
        club.next_summary_at = due if on else None
        club.updated_at = now

    async def set_role(self, club: Club, role: str, now: datetime) -> None:
        """Members with this Discord role may set the club's runs too."""
        club.admin_role = role
        club.updated_at = now

    # --- runs ---
    async def runs(self, club_id: int) -> list[ClubRun]:
        found = await self.session.scalars(
            select(ClubRun).where(ClubRun.club_id == club_id).order_by(ClubRun.id)
        )
        return list(found)

    async def save_run(
        self,
        club: Club,
        run: ClubRun | None,
        *,
        weekdays: str,
        run_time: str,
        zone: str,
        lead_minutes: int,
        next_fire_at: datetime,
        now: datetime,
    ) -> ClubRun:
        """A new run for the club (``run`` None) or ``run`` changed in place (the line
        after a run that already happened still goes out)."""
        if run is None:
            run = ClubRun(club_id=club.id, created_at=now)
            self.session.add(run)
        run.weekdays = weekdays
        run.run_time = run_time
        run.time_zone = zone
        run.lead_minutes = lead_minutes
        run.next_fire_at = next_fire_at
        await self.session.flush()
        return run

    async def delete_run(self, run: ClubRun) -> None:
        await self.session.execute(
            update(ClubDelivery)
            .where(ClubDelivery.run_id == run.id, ClubDelivery.status == PENDING)
            .values(status=DROPPED)
        )
        await self.session.execute(delete(ClubRun).where(ClubRun.id == run.id))

    # --- presses ---
    async def invite(self, delivery_id: int) -> ClubDelivery | None:
        found: ClubDelivery | None = await self.session.get(ClubDelivery, delivery_id)
        return found if found is not None and found.kind == INVITE else None

    async def press(self, invite: ClubDelivery, user_id: int, now: datetime) -> bool:
        """Count the member once per invite; True the first time."""
        already = await self.session.scalar(
            select(ClubWarmup.id).where(
                ClubWarmup.delivery_id == invite.id, ClubWarmup.user_id == user_id
            )
        )
        if already is not None:
            return False
        self.session.add(ClubWarmup(delivery_id=invite.id, user_id=user_id, pressed_at=now))
        await self.session.flush()
        return True

    async def warmed_up(self, club_id: int, occurrence_at: datetime) -> int:
        """Members who pressed under the invite for this run."""
        count = await self.session.scalar(
            select(func.count(ClubWarmup.id))
            .join(ClubDelivery, ClubDelivery.id == ClubWarmup.delivery_id)
            .where(
                ClubDelivery.club_id == club_id,
                ClubDelivery.kind == INVITE,
                ClubDelivery.occurrence_at == occurrence_at,
            )
        )
        return int(count or 0)

    async def set_name(self, club_id: int, user_id: int, name: str | None, now: datetime) -> None:
        """Named by ``name`` in this club's after-run lines; ``None``: never named."""
        await self.session.execute(
            delete(ClubName).where(ClubName.club_id == club_id, ClubName.user_id == user_id)
        )
        if name is not None:
            self.session.add(ClubName(club_id=club_id, user_id=user_id, name=name, created_at=now))
            await self.session.flush()

    async def named_warmers(self, club_id: int, occurrence_at: datetime) -> list[str]:
        """The names of members who pressed for this run and chose to be named."""
        found = await self.session.scalars(
            select(ClubName.name)
            .join(ClubWarmup, ClubWarmup.user_id == ClubName.user_id)
            .join(ClubDelivery, ClubDelivery.id == ClubWarmup.delivery_id)
            .where(
                ClubName.club_id == club_id,
                ClubDelivery.club_id == club_id,
                ClubDelivery.kind == INVITE,
                ClubDelivery.occurrence_at == occurrence_at,
            )
            .order_by(ClubWarmup.pressed_at)
        )
        return list(found)

    async def week(self, club_id: int, until: datetime) -> tuple[int, int]:
        """Club runs whose invite went out in the week before ``until``, and presses."""
        since = until - timedelta(days=7)
        invites = select(ClubDelivery.id).where(
            ClubDelivery.club_id == club_id,
            ClubDelivery.kind == INVITE,
            ClubDelivery.status == SENT,
            ClubDelivery.occurrence_at > since,
            ClubDelivery.occurrence_at <= until,
        )
        runs = await self.session.scalar(select(func.count()).select_from(invites.subquery()))
        presses = await self.session.scalar(
            select(func.count(ClubWarmup.id)).where(ClubWarmup.delivery_id.in_(invites))
        )
        return int(runs or 0), int(presses or 0)
