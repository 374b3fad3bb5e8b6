"""Reads and writes for users, conversations, check-ins and warm-up sessions.

Every method runs inside the caller's transaction; nothing here commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import ConversationKey
from bot.storage.models import CheckIn, Conversation, User, WarmupSession


class Repository:
    """Base for repositories: each wraps the session of one transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class UserRepository(Repository):
    async def get(self, platform: str, platform_user_id: str) -> User | None:
        return await self.session.scalar(
            select(User).where(User.platform == platform, User.platform_user_id == platform_user_id)
        )

    async def get_or_create(self, platform: str, platform_user_id: str, now: datetime) -> User:
        user = await self.get(platform, platform_user_id)
        if user is None:
            user = User(platform=platform, platform_user_id=platform_user_id, created_at=now)
            self.session.add(user)
            await self.session.flush()
        return user

    async def erase(self, user: User) -> None:
        """Delete the user; the database cascades to everything that references them."""
        await self.session.execute(delete(User).where(User.id == user.id))
        self.session.expunge(user)

    async def mark_unreachable(self, platform: str, platform_user_id: str, now: datetime) -> None:
        await self.session.execute(
            update(User)
            .where(User.platform == platform, User.platform_user_id == platform_user_id)
            .values(unreachable_since=now)
        )


class ConversationRepository(Repository):
    async def load(self, key: ConversationKey) -> Conversation | None:
        return await self.session.scalar(
            select(Conversation)
            .where(
                Conversation.platform == key.platform,
                Conversation.chat_id == key.chat_id,
                Conversation.user_id == key.user_id,
            )
            .with_for_update()
        )

    async def save(
        self,
        key: ConversationKey,
        row: Conversation | None,
        owner: User,
        state: dict[str, Any],
        now: datetime,
    ) -> None:
        if row is None:
            self.session.add(
                Conversation(
                    platform=key.platform,
                    chat_id=key.chat_id,
                    user_id=key.user_id,
                    owner_id=owner.id,
                    state=state,
                    updated_at=now,
                )
            )
        else:
            row.state = state
            row.updated_at = now
        await self.session.flush()


class WarmupRepository(Repository):
    async def add_checkin(
        self, user: User, soreness: int, sharp_pain: bool, now: datetime
    ) -> CheckIn:
        checkin = CheckIn(user_id=user.id, soreness=soreness, sharp_pain=sharp_pain, created_at=now)
        self.session.add(checkin)
        await self.session.flush()
        return checkin

    async def latest_checkin(self, user: User, since: datetime) -> CheckIn | None:
        return await self.session.scalar(
            select(CheckIn)
            .where(CheckIn.user_id == user.id, CheckIn.created_at >= since)
            .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
            .limit(1)
        )

    async def start_session(
        self, user: User, routine: str, checkin: CheckIn, now: datetime
    ) -> WarmupSession:
        session = WarmupSession(
            user_id=user.id,
            checkin_id=checkin.id,
            routine=routine,
            started_at=now,
            status="in_progress",
            drills=[],
        )
        self.session.add(session)
        await self.session.flush()
        return session

    async def get_session(self, user: User, session_id: int) -> WarmupSession | None:
        return await self.session.scalar(
            select(WarmupSession).where(
                WarmupSession.id == session_id, WarmupSession.user_id == user.id
            )
        )

    async def record_drill(self, session: WarmupSession, drill_id: str, outcome: str) -> None:
        # Assign a new list: JSON columns don't see in-place mutation.
        session.drills = [*session.drills, {"drill": drill_id, "outcome": outcome}]
        await self.session.flush()

    async def finish_session(self, session: WarmupSession, status: str, now: datetime) -> None:
        session.status = status
        session.finished_at = now
        await self.session.flush()

    async def count_completed(self, user: User, since: datetime) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(WarmupSession)
            .where(
                WarmupSession.user_id == user.id,
                WarmupSession.status == "completed",
                WarmupSession.started_at >= since,
            )
        )
        return int(count or 0)
