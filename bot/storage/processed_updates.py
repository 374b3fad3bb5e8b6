"""Platform update ids already handled (the ``processed_updates`` table).

Telegram delivers updates at least once: python-telegram-bot confirms an update when it
fetches the next batch, not when a handler has finished, so a restart can bring the same
update back. An update id is claimed before the update is handled, so a repeat is
dropped (at most once: an update whose handling crashed half-way is not retried, the
safer failure for a conversation that may already have moved on).

Claims are checked against ids held in memory (loaded from the table on first use) and
written to the table in small batches off the reply's path: one write transaction per
update would cost more than the coach's own step. A crash loses at most the last
``FLUSH_EVERY`` of claims, and only updates Telegram had not yet seen confirmed could
come back; python-telegram-bot confirms a batch as soon as it asks for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.ports import Clock
from bot.storage.database import transaction
from bot.storage.models import ProcessedUpdate

log = logging.getLogger(__name__)

# Telegram keeps an unconfirmed update for 24 hours; remembering ids for longer is enough.
KEEP_FOR = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)
FLUSH_EVERY = 0.1  # seconds


class ProcessedUpdates:
    """``claim`` an update id once per platform; ``close`` writes what is pending."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        # Per platform: update id -> when it was first seen (insertion-ordered).
        self._seen: dict[str, dict[str, datetime]] = {}
        self._pending: list[ProcessedUpdate] = []
        self._flusher: asyncio.Task[None] | None = None
        self._pruned_at: datetime | None = None
        self._loading = asyncio.Lock()

    async def claim(self, platform: str, update_id: str) -> bool:
        """True the first time this update is seen; False for a repeat."""
        seen = self._seen.get(platform)
        if seen is None:
            seen = await self._load(platform)
        if update_id in seen:
            return False
        now = self._clock.now()
        seen[update_id] = now
        self._pending.append(ProcessedUpdate(platform=platform, update_id=update_id, seen_at=now))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon(), name="processed-updates")
        return True

    async def close(self) -> None:
        """Write the pending claims now (call when the adapter stops)."""
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        await self.flush()

    async def flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
                self._pruned_at = now
                await session.execute(
                    delete(ProcessedUpdate).where(ProcessedUpdate.seen_at < now - KEEP_FOR)
                )
                self._forget(now - KEEP_FOR)
            session.add_all(batch)

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_EVERY)  # gathers the claims of a busy moment into one write
        try:
            await self.flush()
        except Exception:
            log.exception("processed_updates_flush_failed")

    def _forget(self, before: datetime) -> None:
        for seen in self._seen.values():
            for update_id, when in list(seen.items()):
                if when >= before:
                    break  # insertion order is time order
                del seen[update_id]

    async def _load(self, platform: str) -> dict[str, datetime]:
        async with self._loading:
            if platform not in self._seen:
                since = self._clock.now() - KEEP_FOR
                async with self._sessions() as session:
                    rows = await session.execute(
                        select(ProcessedUpdate.update_id, ProcessedUpdate.seen_at)
                        .where(
                            ProcessedUpdate.platform == platform, ProcessedUpdate.seen_at >= since
                        )
                        .order_by(ProcessedUpdate.seen_at)
                    )
                    self._seen[platform] = {update_id: seen_at for update_id, seen_at in rows}
            return self._seen[platform]
