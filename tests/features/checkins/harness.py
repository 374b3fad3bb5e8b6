"""Helpers for check-in tests: a runner with a reminder, and the dispatcher's sends."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import Outcome, Reply
from bot.features.checkins.models import CheckinAnswer
from bot.features.reminders.models import ReminderDelivery
from bot.testing import Chat, RecordingAdapter


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def questions(adapter: RecordingAdapter) -> list[Reply]:
    """The after-run questions sent so far."""
    return [s.reply for s in adapter.sent if "How did your hips feel" in s.reply.text]


def receive(chat: Chat, reply: Reply) -> None:
    """Put a message the dispatcher sent into the chat, so its buttons can be pressed."""
    chat.outcomes.append(Outcome(replies=(reply,)))


async def answers(sessions: async_sessionmaker[AsyncSession]) -> list[CheckinAnswer]:
    async with sessions() as session:
        return list(await session.scalars(select(CheckinAnswer).order_by(CheckinAnswer.run_at)))


async def checkin_rows(sessions: async_sessionmaker[AsyncSession]) -> list[ReminderDelivery]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(ReminderDelivery)
                .where(ReminderDelivery.kind == "checkin")
                .order_by(ReminderDelivery.occurrence_at)
            )
        )
