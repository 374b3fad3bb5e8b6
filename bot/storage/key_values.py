"""Small pieces of bot-wide state (the ``key_values`` table), each read or written on its own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.database import transaction
from bot.storage.models import KeyValue

MAX_KEY = 64


class KeyValueStore:
    """Get and put short strings by key; every call is its own transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, key: str) -> str | None:
        async with self._sessions() as session:
            value: str | None = await session.scalar(
                select(KeyValue.value).where(KeyValue.key == key)
            )
            return value

    async def put(self, key: str, value: str) -> None:
        if not 1 <= len(key) <= MAX_KEY:
            raise ValueError(f"keys are 1-{MAX_KEY} characters: {key!r}")
        # One statement: two workers putting the same key at once both succeed.
        async with transaction(self._sessions) as session:
            connection = await session.connection()
            if connection.dialect.name == "sqlite":
                lite = sqlite.insert(KeyValue).values(key=key, value=value)
                await connection.execute(
                    lite.on_conflict_do_update(index_elements=[KeyValue.key], set_={"value": value})
                )
            else:
                pg = postgresql.insert(KeyValue).values(key=key, value=value)
                await connection.execute(
                    pg.on_conflict_do_update(index_elements=[KeyValue.key], set_={"value": value})
                )
