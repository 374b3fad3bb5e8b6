"""What the counts write: a row per count, its progress beat by beat, and how it ended.

Every method runs inside the caller's transaction (a step's, or the runner's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from bot.core.counts import Beat, PacedCount
from bot.core.messages import Choice, ConversationKey, Reply, Tone
from bot.features.counts.models import PacedCountRow
from bot.storage.base import Repository

RUNNING = "running"


@dataclass(frozen=True, slots=True)
class SavedCount:
    id: int
    key: ConversationKey
    count: PacedCount
    shown: int


def _done_json(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "choices": [[c.label, c.payload, c.tone.value] for c in reply.choices],
    }


def _done_reply(raw: dict[str, Any]) -> Reply:
    choices = tuple(Choice(label, payload, Tone(tone)) for label, payload, tone in raw["choices"])
    return Reply(str(raw["text"]), choices=choices)


def _saved(row: PacedCountRow) -> SavedCount:
    beats = tuple(Beat(float(at), str(text)) for at, text in row.beats)
    count = PacedCount(beats, row.ends_after / 1000, _done_reply(row.done))
    key = ConversationKey(row.platform, row.chat_id, row.platform_user_id)
    return SavedCount(row.id, key, count, row.shown)


class CountRepository(Repository):
    async def add(
        self, user_id: int, key: ConversationKey, count: PacedCount, now: datetime
    ) -> int:
        row = PacedCountRow(
            user_id=user_id,
            platform=key.platform,
            chat_id=key.chat_id,
            platform_user_id=key.user_id,
            status=RUNNING,
            beats=[[beat.at, beat.text] for beat in count.beats],
            ends_after=round(count.ends_after * 1000),
            done=_done_json(count.done),
            shown=0,
            started_at=now,
            updated_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def end_running(self, key: ConversationKey, status: str, now: datetime) -> list[int]:
        """Mark the conversation's running counts ``status``; their ids."""
        result = await self.session.execute(
            update(PacedCountRow)
            .where(
                PacedCountRow.status == RUNNING,
                PacedCountRow.platform == key.platform,
                PacedCountRow.chat_id == key.chat_id,
                PacedCountRow.platform_user_id == key.user_id,
            )
            .values(status=status, updated_at=now)
            .returning(PacedCountRow.id)
        )
        return [int(found) for found in result.scalars()]

    async def running(self, count_id: int) -> SavedCount | None:
        row = await self.session.get(PacedCountRow, count_id)
        return _saved(row) if row is not None and row.status == RUNNING else None

    async def progress(self, count_id: int, shown: int, now: datetime) -> bool:
        """Record that ``shown`` beats went out; False if the count is no longer running."""
        result = await self.session.execute(
            update(PacedCountRow)
            .where(PacedCountRow.id == count_id, PacedCountRow.status == RUNNING)
            .values(shown=shown, updated_at=now)
            .returning(PacedCountRow.id)
        )
        return result.scalar_one_or_none() is not None

    async def finish(self, count_id: int, status: str, now: datetime) -> bool:
        """End one running count; False if something else ended it first."""
        result = await self.session.execute(
            update(PacedCountRow)
            .where(PacedCountRow.id == count_id, PacedCountRow.status == RUNNING)
            .values(status=status, updated_at=now)
            .returning(PacedCountRow.id)
        )
        return result.scalar_one_or_none() is not None

    async def take_all_running(self, platforms: list[str], now: datetime) -> list[SavedCount]:
        """Every count left running on these platforms (a process stopped while they
        ran), marked interrupted in the same transaction, so each is reported once."""
        rows = (
            await self.session.scalars(
                select(PacedCountRow)
                .where(PacedCountRow.status == RUNNING, PacedCountRow.platform.in_(platforms))
                .order_by(PacedCountRow.id)
                .with_for_update()
            )
        ).all()
        taken = [_saved(row) for row in rows]
        for row in rows:
            row.status, row.updated_at = "interrupted", now
        return taken
