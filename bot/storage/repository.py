"""Reads and writes for users, conversations, check-ins and warm-up sessions.

Every method runs inside the caller's transaction; nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import ConversationKey
from bot.storage.base import Base
from bot.storage.models import CheckIn, User, WarmupSession


class Repository:
    """Base for repositories: each wraps the session of one transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session


@dataclass(slots=True)
class Runner:
    """The user as one step sees them. Flows may change these settings; the step writes
    back the ones that changed (``ConversationRepository.save``)."""

    id: int
    time_zone: str | None = None
    disclaimer_accepted_at: datetime | None = None
    unreachable_since: datetime | None = None
    _as_loaded: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._as_loaded = self._settings()

    def _settings(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _RUNNER_SETTINGS}

    def changes(self) -> dict[str, Any]:
        """The settings changed since loading, by column name."""
        return {n: v for n, v in self._settings().items() if v != self._as_loaded[n]}


_RUNNER_SETTINGS = ("time_zone", "disclaimer_accepted_at", "unreachable_since")


class UserRepository(Repository):
    async def erase(self, user_id: int) -> None:
        """Delete the user; the database cascades to everything that references them."""
        await self.session.execute(delete(User).where(User.id == user_id))

    async def mark_unreachable(self, platform: str, platform_user_id: str, now: datetime) -> None:
        await self.session.execute(
            update(User)
            .where(User.platform == platform, User.platform_user_id == platform_user_id)
            .values(unreachable_since=now)
        )


@dataclass(frozen=True, slots=True)
class SavedConversation:
    id: int
    state: dict[str, Any]
    updated_at: datetime


# Statements run on every step are built once: building and hashing a fresh statement
# costs about 0.1 ms each here, a third of a step's time (bench/core.py).
_USERS = Base.metadata.tables["users"]
_CONVERSATIONS = Base.metadata.tables["conversations"]
# The user and their conversation in this chat, in one statement. The user's row is
# locked (PostgreSQL) so another process's step for the same user waits its turn.
_LOAD_STEP = (
    select(
        _USERS.c.id,
        _USERS.c.time_zone,
        _USERS.c.disclaimer_accepted_at,
        _USERS.c.unreachable_since,
        _CONVERSATIONS.c.id.label("conversation_id"),
        _CONVERSATIONS.c.state,
        _CONVERSATIONS.c.updated_at,
    )
    .select_from(
        _USERS.outerjoin(
            _CONVERSATIONS,
            (_CONVERSATIONS.c.owner_id == _USERS.c.id)
            & (_CONVERSATIONS.c.platform == bindparam("platform"))
            & (_CONVERSATIONS.c.chat_id == bindparam("chat_id"))
            & (_CONVERSATIONS.c.user_id == bindparam("user_id")),
        )
    )
    .where(
        _USERS.c.platform == bindparam("platform"),
        _USERS.c.platform_user_id == bindparam("user_id"),
    )
    .with_for_update(of=_USERS)
)
_INSERT_USER = insert(_USERS).returning(_USERS.c.id)
_INSERT_CONVERSATION = insert(_CONVERSATIONS)
_UPDATE_CONVERSATION = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
    .values(state=bindparam("state"), updated_at=bindparam("updated_at"))
)


class ConversationRepository(Repository):
    """The user and the conversation state are read and written on every step, so this
    uses Core statements on the transaction's connection: measured about 3x cheaper per
    step than going through the ORM (bench/core.py)."""

    async def load(
        self, key: ConversationKey, now: datetime
    ) -> tuple[Runner, SavedConversation | None]:
        """The user (created on first contact) and their saved conversation, if any."""
        connection = await self.session.connection()
        row = (
            await connection.execute(
                _LOAD_STEP,
                {"platform": key.platform, "chat_id": key.chat_id, "user_id": key.user_id},
            )
        ).first()
        if row is None:
            created = await connection.execute(
                _INSERT_USER,
                {"platform": key.platform, "platform_user_id": key.user_id, "created_at": now},
            )
            return Runner(created.scalar_one()), None
        runner = Runner(row.id, row.time_zone, row.disclaimer_accepted_at, row.unreachable_since)
        if row.conversation_id is None:
            return runner, None
        return runner, SavedConversation(row.conversation_id, row.state, row.updated_at)

    async def save(
        self,
        key: ConversationKey,
        saved: SavedConversation | None,
        runner: Runner,
        state: dict[str, Any],
        now: datetime,
    ) -> None:
        connection = await self.session.connection()
        changes = runner.changes()
        if changes:
            await connection.execute(update(_USERS).where(_USERS.c.id == runner.id), changes)
        if saved is None:
            await connection.execute(
                _INSERT_CONVERSATION,
                {
                    "platform": key.platform,
                    "chat_id": key.chat_id,
                    "user_id": key.user_id,
                    "owner_id": runner.id,
                    "state": state,
                    "updated_at": now,
                },
            )
        else:
            await connection.execute(
                _UPDATE_CONVERSATION,
                {"conversation_id": saved.id, "state": state, "updated_at": now},
            )


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
        self, user_id: int, routine: str, checkin_id: int, now: datetime
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
        """Start times of the user's completed warm-ups from ``since`` on, oldest first."""
        result = await self.session.scalars(
            select(WarmupSession.started_at)
            .where(
                WarmupSession.user_id == user_id,
                WarmupSession.status == "completed",
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
