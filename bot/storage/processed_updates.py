"""Platform update ids already handled (the ``processed_updates`` table).

Telegram delivers updates at least once: python-telegram-bot confirms an update when it
fetches the next batch, not when a handler has finished, so a restart can bring the same
update back. Claiming the id before handling makes a repeat a no-op (at most once: an
update whose handling crashed half-way is not retried, which is the safer failure for a
conversation that already moved on).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.ports import Clock, SystemClock
from bot.storage.models import ProcessedUpdate

# Telegram keeps an unconfirmed update for 24 hours; remembering ids for longer is enough.
KEEP_FOR = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)


class ProcessedUpdates:
    """``claim`` an update id once per platform; every call is its own transaction."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock | None = None
    ) -> None:
        self._sessions = sessions
        self._clock = clock or SystemClock()
        self._pruned_at: datetime | None = None

    async def claim(self, platform: str, update_id: str) -> bool:
        """True the first time this update is seen; False for a repeat."""
        now = self._clock.now()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            await self.prune(now)
        try:
            async with self._sessions() as session, session.begin():
                if await session.get(ProcessedUpdate, (platform, update_id)) is not None:
                    return False
                session.add(ProcessedUpdate(platform=platform, update_id=update_id, seen_at=now))
        except IntegrityError:
            return False  # a concurrent claim of the same id won
        return True

    async def prune(self, now: datetime) -> None:
        """Forget ids old enough that the platform can no longer send them again."""
        self._pruned_at = now
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.seen_at < now - KEEP_FOR)
            )
