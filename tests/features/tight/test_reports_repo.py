"""Stored reports and the recent-focus lookup reminders use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.features.tight.store import (
    MAX_TEXT,
    TightReportRepository,
    recent_focus_areas,
    recent_focus_by_user,
)
from bot.storage.models import User

NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)


async def make_user(session: AsyncSession, name: str) -> User:
    user = User(platform="terminal", platform_user_id=name, created_at=NOW)
    session.add(user)
    await session.flush()
    return user


async def test_recent_focus_ranks_by_reports_then_recency(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        ana, ben = await make_user(session, "ana"), await make_user(session, "ben")
        repo = TightReportRepository(session)
        await repo.add(
            ana.id, [("calves", "left")], "tightness", 3, "old", NOW - timedelta(days=20)
        )
        await repo.add(ana.id, [("glutes", "left")], "tightness", 3, "a", NOW - timedelta(days=3))
        await repo.add(ana.id, [("quads", None)], "tightness", 3, "b", NOW - timedelta(days=2))
        await repo.add(
            ana.id,
            [("glutes", "right"), ("hamstrings", None)],
            "pain",
            4,
            "c",
            NOW - timedelta(days=1),
        )
        await repo.add(ben.id, [("knees", "right")], "tightness", 2, "d", NOW - timedelta(hours=1))
        since = NOW - timedelta(days=14)
        assert await recent_focus_areas(session, ana.id, since) == ["glutes", "hamstrings", "quads"]
        assert await recent_focus_areas(session, ana.id, since, limit=1) == ["glutes"]
        both = await recent_focus_by_user(session, [ana.id, ben.id, 999], since)
        assert both == {ana.id: ["glutes", "hamstrings", "quads"], ben.id: ["knees"]}
        assert await recent_focus_by_user(session, [], since) == {}


async def test_a_report_keeps_only_so_much_of_the_runners_words(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        user = await make_user(session, "cat")
        report = await TightReportRepository(session).add(
            user.id, [("quads", "both")], "tightness", None, "x" * 5000, NOW
        )
        assert len(report.text) == MAX_TEXT
        assert (await TightReportRepository(session).since(user.id, NOW)) == [report]
