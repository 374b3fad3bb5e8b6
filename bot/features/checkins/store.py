"""Reads and writes for after-run answers; every method runs in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import select

from bot.features.checkins.models import CheckinAnswer
from bot.storage.base import Repository


class CheckinStore(Protocol):
    async def for_run(self, user_id: int, run_at: datetime) -> CheckinAnswer | None: ...

    async def add(
        self,
        user_id: int,
        run_at: datetime,
        delivery_id: int | None,
        feeling: str,
        area: str | None,
        source: str,
        now: datetime,
        side: str | None = None,
    ) -> None: ...

    async def newest(self, user_id: int, limit: int) -> list[CheckinAnswer]: ...

    async def since(self, user_id: int, since: datetime) -> list[CheckinAnswer]: ...


class CheckinAnswerRepository(Repository):
    async def for_run(self, user_id: int, run_at: datetime) -> CheckinAnswer | None:
        found: CheckinAnswer | None = await self.session.scalar(
            select(CheckinAnswer).where(
                CheckinAnswer.user_id == user_id, CheckinAnswer.run_at == run_at
            )
        )
        return found

    async def add(
        self,
        user_id: int,
        run_at: datetime,
        delivery_id: int | None,
        feeling: str,
        area: str | None,
        source: str,
        now: datetime,
        side: str | None = None,
    ) -> None:
        self.session.add(
            CheckinAnswer(
                user_id=user_id,
                run_at=run_at,
                delivery_id=delivery_id,
                feeling=feeling,
                area=area,
                side=side,
                source=source,
                answered_at=now,
            )
        )
        await self.session.flush()

    async def newest(self, user_id: int, limit: int) -> list[CheckinAnswer]:
        """The newest answers by run, newest first."""
        rows = await self.session.scalars(
            select(CheckinAnswer)
            .where(CheckinAnswer.user_id == user_id)
            .order_by(CheckinAnswer.run_at.desc())
            .limit(limit)
        )
        return list(rows)

    async def since(self, user_id: int, since: datetime) -> list[CheckinAnswer]:
        rows = await self.session.scalars(
            select(CheckinAnswer)
            .where(CheckinAnswer.user_id == user_id, CheckinAnswer.run_at >= since)
            .order_by(CheckinAnswer.run_at)
        )
        return list(rows)
