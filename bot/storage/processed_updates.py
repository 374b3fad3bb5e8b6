"""Handled platform updates and the replies they still owe (the ``processed_updates`` table).

Exactly once, across crashes, in three parts:

1. **Recorded with the step.** The step an update causes inserts the update's row in
   its own transaction (:class:`UpdateRecords`, the core's
   :class:`~bot.core.stores.UpdateLog`). The row's key is (platform, update id), so an
   update delivered again conflicts with it: the engine rolls that step back and sends
   nothing. An update whose step never committed has no row and is handled when it
   comes again. There is no claim held in memory, so nothing is forgotten by a crash.
2. **Replies kept with the record.** The same row keeps the step's replies
   (``replies``, JSON) when the platform can still send them later (Telegram chat
   messages). After the commit the adapter sends them in order and marks each one
   (:class:`UpdateOutbox`, the core's :class:`~bot.core.ports.ReplyOutbox`); the last
   mark drops them. A process that dies in between leaves them held, and the next one
   sends what is left before it fetches anything new. The only reply that can arrive
   twice is one in flight at the moment of the crash: Telegram had it, the mark had
   not been written.
3. **Confirmed only after the commit.** The Telegram adapter tells Telegram an update
   is done only once its step has committed (see ``bot.adapters.telegram.polling``),
   so a crash never loses an update that was fetched but not yet handled.

Marks are written as group commits: one write carries every mark that came in while
the previous write was under way, so a mark waits for at most one other write, and a
burst costs a few transactions, not one per reply. On a database server the marks have
a connection of their own, so they never queue behind a burst of steps for the pool.
Rows older than :data:`KEEP_FOR` are pruned; Telegram keeps an undelivered update for 24
hours, so remembering ids for two days is enough.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.drawings import BodyMap, Drawing, DrillDemo, ProgressChart, Spot
from bot.core.messages import Choice, ConversationKey, Document, ImageKind, ImageRef, Reply, Tone
from bot.core.ports import Clock, HeldReplies
from bot.storage.base import Base, Repository
from bot.storage.database import transaction
from bot.storage.workers import WORKER_ID, WorkerRegistry

log = logging.getLogger(__name__)

KEEP_FOR = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)

_UPDATES = Base.metadata.tables["processed_updates"]
# INSERT ... ON CONFLICT DO NOTHING: no row written means the update was recorded before.
# (A plain INSERT that fails would abort a PostgreSQL transaction; this one does not.)
_RECORD = {
    "sqlite": sqlite.insert(_UPDATES).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(_UPDATES).on_conflict_do_nothing(),
}
_WHERE_UPDATE = (_UPDATES.c.platform == bindparam("p")) & (_UPDATES.c.update_id == bindparam("u"))
_PROGRESS = update(_UPDATES).where(_WHERE_UPDATE).values(replies_sent=bindparam("n"))
# Done: the replies go, and with them who they were for (the id stays, for repeats).
_FINISH = (
    update(_UPDATES)
    .where(_WHERE_UPDATE)
    .values(replies=null(), chat_id=null(), user_id=null(), replies_sent=bindparam("n"))
)


class UpdateRecords(Repository):
    """The core's :class:`~bot.core.stores.UpdateLog`, in a step's transaction."""

    async def record(
        self,
        platform: str,
        update_id: str,
        now: datetime,
        *,
        key: ConversationKey,
        replies: Sequence[Reply] = (),
    ) -> bool:
        connection = await self.session.connection()
        result = await connection.execute(
            _RECORD[connection.dialect.name],
            {
                "platform": platform,
                "update_id": update_id,
                "seen_at": now,
                # Who the replies are for, only while there are replies to send.
                "chat_id": key.chat_id if replies else None,
                "user_id": key.user_id if replies else None,
                "replies": replies_to_json(replies) if replies else None,
                "replies_sent": 0,
                # Who owes them: another worker sends them only once this one is gone.
                "worker": WORKER_ID if replies else None,
            },
        )
        return bool(result.rowcount == 1)


class UpdateOutbox:
    """The core's :class:`~bot.core.ports.ReplyOutbox` on a session factory."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        workers: WorkerRegistry | None = None,
    ) -> None:
        """``workers``: with several workers, :meth:`held` gives only what workers no
        longer running left (another one's replies are still on their way)."""
        self._sessions = sessions
        self._workers = workers
        self._clock = clock
        # (platform, update id) -> (replies sent, finished), waiting for the next write.
        self._pending: dict[tuple[str, str], tuple[int, bool]] = {}
        self._written: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._pruned_at: datetime | None = None
        self._connection: AsyncConnection | None = None  # the marks' own, on a server

    async def sent(self, platform: str, update_id: str, count: int, *, finished: bool) -> None:
        key = (platform, update_id)
        before = self._pending.get(key)
        if before is not None:
            count, finished = max(count, before[0]), finished or before[1]
        self._pending[key] = (count, finished)
        if self._written is None:
            self._written = asyncio.get_running_loop().create_future()
        written = self._written
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending(), name="reply-outbox")
        await asyncio.shield(written)

    async def held(self, platform: str) -> list[HeldReplies]:
        async with transaction(self._sessions) as session:
            connection = await session.connection()
            await self._prune(connection)
            result = await connection.execute(
                select(
                    _UPDATES.c.update_id,
                    _UPDATES.c.chat_id,
                    _UPDATES.c.user_id,
                    _UPDATES.c.replies,
                    _UPDATES.c.replies_sent,
                    _UPDATES.c.worker,
                )
                .where(_UPDATES.c.platform == platform, _UPDATES.c.replies.is_not(None))
                .order_by(
                    _UPDATES.c.seen_at,
                    func.length(_UPDATES.c.update_id),  # numeric ids in numeric order
                    _UPDATES.c.update_id,
                )
            )
            rows = list(result)
            if self._workers is not None:
                dead = await self._workers.dead(row.worker for row in rows)
                rows = [row for row in rows if row.worker in dead]
                rows = [row for row in rows if await self._adopt(connection, platform, row)]
            found = []
            for row in rows:
                try:
                    replies = replies_from_json(row.replies)
                except (KeyError, TypeError, ValueError):
                    log.error("held_replies_unreadable platform=%s update_id=%s", platform, row[0])
                    continue
                key = ConversationKey(platform, row.chat_id or "", row.user_id or "")
                found.append(HeldReplies(row.update_id, key, replies, row.replies_sent))
        return found

    async def _adopt(self, connection: AsyncConnection, platform: str, row: Any) -> bool:
        """Take over a gone worker's replies; False if another worker took them first."""
        taken = await connection.execute(
            update(_UPDATES)
            .where(
                _UPDATES.c.platform == platform,
                _UPDATES.c.update_id == row.update_id,
                _UPDATES.c.worker.is_(None)
                if row.worker is None
                else _UPDATES.c.worker == row.worker,
            )
            .values(worker=WORKER_ID)
        )
        return bool(taken.rowcount == 1)

    async def close(self) -> None:
        if self._writer is not None and not self._writer.done():
            await self._writer
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, {}
            written, self._written = self._written, None
            try:
                await self._write(batch)
            except Exception:
                # The replies went out; written or not, a restart would send them again.
                log.exception("reply_marks_not_written updates=%d", len(batch))
            finally:
                if written is not None and not written.done():
                    written.set_result(None)

    async def _write(self, batch: dict[tuple[str, str], tuple[int, bool]]) -> None:
        finished = [{"p": p, "u": u, "n": n} for (p, u), (n, done) in batch.items() if done]
        progress = [{"p": p, "u": u, "n": n} for (p, u), (n, done) in batch.items() if not done]

        async def write(connection: AsyncConnection) -> None:
            if finished:
                await connection.execute(_FINISH, finished)
            if progress:
                await connection.execute(_PROGRESS, progress)
            await self._prune(connection)

        own = await self._own_connection()
        if own is None:  # SQLite: the one connection, shared with the steps
            async with transaction(self._sessions) as session:
                await write(await session.connection())
            return
        try:
            async with own.begin():
                await write(own)
        except Exception:
            self._connection = None
            await own.invalidate()
            raise

    async def _own_connection(self) -> AsyncConnection | None:
        engine = self._sessions.kw.get("bind")
        if not isinstance(engine, AsyncEngine) or engine.dialect.name == "sqlite":
            return None
        if self._connection is None:
            self._connection = await engine.connect()
        return self._connection

    async def _prune(self, connection: AsyncConnection) -> None:
        now = self._clock.now()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        await connection.execute(delete(_UPDATES).where(_UPDATES.c.seen_at < now - KEEP_FOR))


# --- replies as JSON (defaults left out; a document's bytes in base64) ---


def replies_to_json(replies: Sequence[Reply]) -> list[dict[str, Any]]:
    return [_reply_to_json(reply) for reply in replies]


def replies_from_json(data: object) -> tuple[Reply, ...]:
    if not isinstance(data, list):
        raise TypeError("held replies are not a list")
    return tuple(_reply_from_json(item) for item in data)


def _reply_to_json(reply: Reply) -> dict[str, Any]:
    item: dict[str, Any] = {"text": reply.text}
    if reply.choices:
        item["choices"] = [[c.label, c.payload, c.tone.value] for c in reply.choices]
    if reply.private:
        item["private"] = True
    if reply.asks_number:
        item["asks_number"] = True
    if reply.private_start is not None:
        item["private_start"] = reply.private_start
    if reply.quiet:
        item["quiet"] = True
    if reply.bold:
        item["bold"] = list(reply.bold)
    # Not ``in_place``: a reply sent after a restart answers no press to edit.
    image = reply.image
    if image is not None and not isinstance(image.drawing, ProgressChart):
        # A picture of the runner's progress is not kept: its text says the same.
        item["image"] = {
            "path": image.path,
            "alt": image.alt,
            "kind": image.kind.value,
            "caption": image.caption,
            "drawing": _drawing_to_json(image.drawing),
        }
    if reply.document is not None:
        document = reply.document
        item["document"] = {
            "filename": document.filename,
            "mime_type": document.mime_type,
            "data": base64.b64encode(document.data).decode("ascii"),
        }
    return item


def _reply_from_json(item: dict[str, Any]) -> Reply:
    image = item.get("image")
    document = item.get("document")
    return Reply(
        text=item["text"],
        choices=tuple(
            Choice(label, payload, Tone(tone)) for label, payload, tone in item.get("choices", ())
        ),
        private=bool(item.get("private", False)),
        asks_number=bool(item.get("asks_number", False)),
        private_start=item.get("private_start"),
        quiet=bool(item.get("quiet", False)),
        bold=tuple(item.get("bold", ())),
        image=(
            ImageRef(
                image["path"],
                image["alt"],
                ImageKind(image["kind"]),
                image["caption"],
                _drawing_from_json(image["drawing"]),
            )
            if image
            else None
        ),
        document=(
            Document(
                document["filename"],
                base64.b64decode(document["data"]),
                document["mime_type"],
            )
            if document
            else None
        ),
    )


def _drawing_to_json(drawing: Drawing | None) -> dict[str, Any] | None:
    if isinstance(drawing, DrillDemo):
        return {"demo": [drawing.drill, drawing.variant]}
    if isinstance(drawing, BodyMap):
        spots = [[spot.area, spot.side, spot.label] for spot in drawing.spots]
        return {"body_map": spots, "title": drawing.title}
    return None


def _drawing_from_json(data: dict[str, Any] | None) -> Drawing | None:
    if data is None:
        return None
    if "demo" in data:
        drill, variant = data["demo"]
        return DrillDemo(drill, "gentle" if variant == "gentle" else "standard")
    spots = tuple(Spot(area, side, label) for area, side, label in data["body_map"])
    return BodyMap(spots, data["title"])
