"""What the warm-up writes: check-ins and warm-up sessions.

Every method runs inside the step's transaction; nothing here commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import bindparam, insert, select, update

from bot.features.warmup.models import CheckIn, WarmupSession
from bot.storage.base import Base, Repository


class WarmupStore(Protocol):
    async def add_checkin(
        self, user_id: int, soreness: int, sharp_pain: bool, now: datetime
    ) -> int:
        """Record how the hips feel; returns the check-in's id."""
        ...

    async def start_session(
        self, user_id: int, routine: str, checkin_id: int | None, now: datetime
    ) -> int:
        """Open a warm-up; returns the session's id."""
        ...

    async def drills_done(self, user_id: int, session_id: int) -> list[dict[str, str]]:
        """The drills recorded so far in one of the user's sessions (none if it's gone)."""
        ...

    async def record_drills(
        self, user_id: int, session_id: int, drills: list[dict[str, str]]
    ) -> None:
        """Store the session's drills so far: one statement, no read first (a press of
        Done runs this, and it is on the runner's wait for the next drill)."""
        ...

    async def finish_session(
        self,
        user_id: int,
        session_id: int,
        status: str,
        now: datetime,
        drills: list[dict[str, str]] | None = None,
    ) -> None:
        """End the session; ``drills`` (all answered, when known) are stored with it."""
        ...

    async def completed_warmups(self, user_id: int, since: datetime) -> list[datetime]:
        """Start times of the user's completed warm-ups from ``since`` on, oldest first."""
        ...

    async def checkins(self, user_id: int, since: datetime) -> list[CheckIn]:
        """The user's check-ins from ``since`` on, oldest first."""
        ...

    async def soreness_since(self, user_id: int, since: datetime) -> list[tuple[datetime, int]]:
        """When, and how sore, each check-in from ``since`` on was, oldest first."""
        ...


ROLL = "roll"
_CHECKINS = Base.metadata.tables["checkins"]
_INSERT_CHECKIN = insert(_CHECKINS).returning(_CHECKINS.c.id)
_SESSIONS = Base.metadata.tables["warmup_sessions"]
_INSERT_SESSION = insert(_SESSIONS).returning(_SESSIONS.c.id)
_THIS_SESSION = (_SESSIONS.c.id == bindparam("session_id")) & (
    _SESSIONS.c.user_id == bindparam("owner")
)
_RECORD_DRILLS = update(_SESSIONS).where(_THIS_SESSION).values(drills=bindparam("drills"))
_FINISH_SESSION = (
    update(_SESSIONS)
    .where(_THIS_SESSION)
    .values(status=bindparam("status"), finished_at=bindparam("finished_at"))
)
_FINISH_SESSION_WITH_DRILLS = _FINISH_SESSION.values(drills=bindparam("drills"))


class WarmupRepository(Repository):
    """The :class:`WarmupStore` (and the core's ``WarmupHistory``) on SQL tables."""

    async def add_checkin(
        self, user_id: int, soreness: int, sharp_pain: bool, now: datetime
    ) -> int:
        """Record how the hips feel; returns the check-in's id."""
        connection = await self.session.connection()
        result = await connection.execute(
            _INSERT_CHECKIN,
            {"user_id": user_id, "soreness": soreness, "sharp_pain": sharp_pain, "created_at": now},
        )
        return int(result.scalar_one())

    async def start_session(
        self, user_id: int, routine: str, checkin_id: int | None, now: datetime
    ) -> int:
        """Open a warm-up; returns the session's id."""
        connection = await self.session.connection()
        result = await connection.execute(
            _INSERT_SESSION,
            {
                "user_id": user_id,
                "checkin_id": checkin_id,
                "routine": routine,
                "started_at": now,
                "status": "in_progress",
                "drills": [],
            },
        )
        return int(result.scalar_one())

    async def drills_done(self, user_id: int, session_id: int) -> list[dict[str, str]]:
        """The drills recorded so far in one of the user's sessions (none if it's gone)."""
        found = await self.session.scalar(
            select(WarmupSession.drills).where(
                WarmupSession.id == session_id, WarmupSession.user_id == user_id
            )
        )
        return list(found or [])

    async def record_drills(
        self, user_id: int, session_id: int, drills: list[dict[str, str]]
    ) -> None:
        """Store the session's drills so far: one statement, no read first (a press of
        Done runs this, and it is on the runner's wait for the next drill)."""
        connection = await self.session.connection()
        await connection.execute(
            _RECORD_DRILLS, {"session_id": session_id, "owner": user_id, "drills": drills}
        )

    async def finish_session(
        self,
        user_id: int,
        session_id: int,
        status: str,
        now: datetime,
        drills: list[dict[str, str]] | None = None,
    ) -> None:
        """End the session; ``drills`` (all answered, when known) are stored with it."""
        params = {"session_id": session_id, "owner": user_id, "status": status, "finished_at": now}
        connection = await self.session.connection()
        if drills is None:
            await connection.execute(_FINISH_SESSION, params)
        else:
            await connection.execute(_FINISH_SESSION_WITH_DRILLS, {**params, "drills": drills})

    async def completed_warmups(self, user_id: int, since: datetime) -> list[datetime]:
        """Start times of the user's completed warm-ups from ``since`` on, oldest first
        (post-run rolling is not a warm-up)."""
        result = await self.session.scalars(
            select(WarmupSession.started_at)
            .where(
                WarmupSession.user_id == user_id,
                WarmupSession.status == "completed",
                WarmupSession.routine != ROLL,
                WarmupSession.started_at >= since,
            )
            .order_by(WarmupSession.started_at)
        )
        return list(result)

    async def checkins(self, user_id: int, since: datetime) -> list[CheckIn]:
        """The user's check-ins from ``since`` on, oldest first."""
        result = await self.session.scalars(
            select(CheckIn)
            .where(CheckIn.user_id == user_id, CheckIn.created_at >= since)
            .order_by(CheckIn.created_at, CheckIn.id)
        )
        return list(result)

    async def soreness_since(self, user_id: int, since: datetime) -> list[tuple[datetime, int]]:
        checkins = await self.checkins(user_id, since)
        return [(checkin.created_at, checkin.soreness) for checkin in checkins]
