from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.core.engine import Coach
from bot.testing import FakeClock
from tests.features.clubs.harness import Club


@pytest.fixture
def club(
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    clock: FakeClock,
) -> Club:
    return Club(coach, sessions, content, clock)
