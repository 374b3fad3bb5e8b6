"""Shared fixtures: a migrated SQLite file per test, content, a coach on a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import build_coach
from bot.content import Content, load_content
from bot.core.engine import Coach
from bot.media.library import MediaLibrary
from bot.storage.database import create_engine, session_factory
from bot.storage.migrations import upgrade_to_head
from bot.testing import Chat, FakeClock

ROOT = Path(__file__).resolve().parents[1]
CONTENT_DIR = ROOT / "content"


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(CONTENT_DIR)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hipcoach.sqlite3'}"


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    await upgrade_to_head(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def coach(sessions: async_sessionmaker[AsyncSession], content: Content, clock: FakeClock) -> Coach:
    return build_coach(sessions, content, clock=clock)


@pytest.fixture
def chat(coach: Coach) -> Chat:
    return Chat(coach)


@pytest.fixture(scope="session")
def media_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One media cache for the whole run: each picture is drawn once, then read back."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture
def pictures(content: Content, media_cache: Path) -> MediaLibrary:
    """The pictures as the app wires them (fresh memory, the run's shared disk cache)."""
    return MediaLibrary(content.directory, content.media, media_cache)
