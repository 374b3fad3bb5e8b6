"""Reads and writes for tight-spot reports, and the recent areas other features use.

Areas live in a JSON column, so counting by area happens in Python over a user's recent
rows: portable across SQLite and PostgreSQL, and a user has a handful of rows a week.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.tight.models import TightPreamble, TightReport
from bot.storage.base import Repository

MAX_TEXT = 500
"""How much of the runner's own words a report keeps."""


class TightStore(Protocol):
    async def add(
        self,
        user_id: int,
        areas: Sequence[tuple[str, str | None]],
        kind: str,
        intensity: int | None,
        text: str,
        now: datetime,
    ) -> TightReport:
        """Store a confirmed report (keeping at most ``MAX_TEXT`` of the runner's words)."""
        ...

    async def since(self, user_id: int, since: datetime) -> list[TightReport]:
        """The user's reports from ``since`` on, oldest first."""
        ...

    async def get(self, user_id: int, report_id: int) -> TightReport | None:
        """The user's report with this id (``None`` if it is not theirs, or gone)."""
        ...

    async def update(
        self,
        report: TightReport,
        areas: Sequence[tuple[str, str | None]],
        kind: str,
        intensity: int | None,
    ) -> None:
        """A correction or an answer given after the plan."""
        ...

    async def delete(self, report: TightReport) -> None:
        """A report that turned out to be a red flag: red flags are never kept."""
        ...

    async def preamble_shown_at(self, user_id: int) -> datetime | None:
        """When the user was last shown the general how-to-roll words."""
        ...

    async def preamble_shown(self, user_id: int, now: datetime) -> None: ...


class TightReportRepository(Repository):
    """The :class:`TightStore` on SQL tables."""

    async def add(
        self,
        user_id: int,
        areas: Sequence[tuple[str, str | None]],
        kind: str,
        intensity: int | None,
        text: str,
        now: datetime,
    ) -> TightReport:
        report = TightReport(
            user_id=user_id,
            created_at=now,
            areas=[{"area": area, "side": side} for area, side in areas],
            kind=kind,
            intensity=intensity,
            text=text[:MAX_TEXT],
        )
        self.session.add(report)
        await self.session.flush()
        return report

    async def since(self, user_id: int, since: datetime) -> list[TightReport]:
        """The user's reports from ``since`` on, oldest first."""
        result = await self.session.scalars(
            select(TightReport)
            .where(TightReport.user_id == user_id, TightReport.created_at >= since)
            .order_by(TightReport.created_at, TightReport.id)
        )
        return list(result)

    async def get(self, user_id: int, report_id: int) -> TightReport | None:
        report = await self.session.get(TightReport, report_id)
        return report if report is not None and report.user_id == user_id else None

    async def update(
        self,
        report: TightReport,
        areas: Sequence[tuple[str, str | None]],
        kind: str,
        intensity: int | None,
    ) -> None:
        report.areas = [{"area": area, "side": side} for area, side in areas]
        report.kind = kind
        report.intensity = intensity
        await self.session.flush()

    async def delete(self, report: TightReport) -> None:
        await self.session.delete(report)
        await self.session.flush()

    async def preamble_shown_at(self, user_id: int) -> datetime | None:
        row = await self.session.get(TightPreamble, user_id)
        return row.shown_at if row is not None else None

    async def preamble_shown(self, user_id: int, now: datetime) -> None:
        row = await self.session.get(TightPreamble, user_id)
        if row is None:
            self.session.add(TightPreamble(user_id=user_id, shown_at=now))
        else:
            row.shown_at = now
        await self.session.flush()

    async def focus_by_user(
        self, user_ids: Sequence[int], since: datetime, limit: int = 3
    ) -> dict[int, list[str]]:
        """Each user's most reported areas from ``since`` on (see ``recent_focus_by_user``)."""
        return await recent_focus_by_user(self.session, user_ids, since, limit)


def _rank(reports: Sequence[TightReport], limit: int) -> list[str]:
    """Areas by how many reports mention them, the most recent first on a tie."""
    counts: Counter[str] = Counter()
    last_seen: dict[str, int] = {}
    for index, report in enumerate(reports):
        for area in {item["area"] for item in report.areas if item.get("area")}:
            assert area is not None
            counts[area] += 1
            last_seen[area] = index
    ranked = sorted(counts, key=lambda area: (-counts[area], -last_seen[area]))
    return ranked[:limit]


async def recent_focus_areas(
    session: AsyncSession, user_id: int, since: datetime, limit: int = 3
) -> list[str]:
    """Area ids a user reported from ``since`` on, most reported first (at most ``limit``)."""
    found = await recent_focus_by_user(session, [user_id], since, limit)
    return found.get(user_id, [])


async def recent_focus_by_user(
    session: AsyncSession, user_ids: Sequence[int], since: datetime, limit: int = 3
) -> dict[int, list[str]]:
    """:func:`recent_focus_areas` for many users in one query; users with none are left out."""
    if not user_ids:
        return {}
    result = await session.scalars(
        select(TightReport)
        .where(TightReport.user_id.in_(list(user_ids)), TightReport.created_at >= since)
        .order_by(TightReport.created_at, TightReport.id)
    )
    by_user: dict[int, list[TightReport]] = {}
    for report in result:
        by_user.setdefault(report.user_id, []).append(report)
    return {user_id: _rank(reports, limit) for user_id, reports in by_user.items()}
