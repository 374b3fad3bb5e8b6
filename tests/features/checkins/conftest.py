from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.core.engine import Coach
from bot.features.reminders.dispatcher import Dispatcher
from bot.features.reminders.options import ReminderOptions
from bot.testing import Chat, FakeClock, RecordingAdapter
from tests.features.reminders.harness import dispatcher_for, reminder_coach


@pytest.fixture
def rcoach(sessions: async_sessionmaker[AsyncSession], content: Content, clock: FakeClock) -> Coach:
    return reminder_coach(sessions, content, clock, ReminderOptions())


@pytest.fixture
def rchat(rcoach: Coach) -> Chat:
    return Chat(rcoach)


@pytest.fixture
def adapter(clock: FakeClock) -> RecordingAdapter:
    return RecordingAdapter(clock)


@pytest.fixture
def dispatcher(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    adapter: RecordingAdapter,
    clock: FakeClock,
    rcoach: Coach,
) -> Dispatcher:
    return dispatcher_for(sessions, content, adapter, clock)
