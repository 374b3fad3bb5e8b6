"""Handled updates: recorded once in the step's transaction, their replies held until sent."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import Choice, ConversationKey, Document, ImageRef, Reply
from bot.core.ports import HeldReplies
from bot.storage.database import create_engine, session_factory, transaction
from bot.storage.migrations import upgrade_to_head
from bot.storage.models import ProcessedUpdate
from bot.storage.processed_updates import (
    KEEP_FOR,
    UpdateOutbox,
    UpdateRecords,
    replies_from_json,
    replies_to_json,
)
from bot.testing import FakeClock
from tests.storage.conftest import pg_url  # noqa: F401  (fixture)

KEY = ConversationKey("telegram", "42", "42")
EVERYTHING = (
    Reply(
        "Drill 1 of 3: Lunges",
        choices=(Choice("Done", "v2:x:done"), Choice("Skip", "v2:x:skip")),
        bold=("Drill 1 of 3: Lunges",),
    ),
    Reply("A picture", image=ImageRef("poses/lunge.png", "a lunge")),
    Reply("Your data", document=Document("export.json", b'{"a": "\xc3\xa9"}'), private=True),
)


async def record(
    sessions: async_sessionmaker[AsyncSession],
    update_id: str,
    replies: tuple[Reply, ...] = (),
    *,
    platform: str = "telegram",
    clock: FakeClock | None = None,
) -> bool:
    now = (clock or FakeClock()).now()
    async with transaction(sessions) as session:
        return await UpdateRecords(session).record(
            platform, update_id, now, key=KEY, replies=replies
        )


async def rows(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


def test_replies_survive_the_round_trip_through_json() -> None:
    assert replies_from_json(replies_to_json(EVERYTHING)) == EVERYTHING


async def test_an_update_is_recorded_once_per_platform(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert await record(sessions, "1001")
    assert not await record(sessions, "1001")
    assert await record(sessions, "1001", platform="discord")  # ids are per platform
    assert await rows(sessions) == 2


async def test_replies_are_held_until_all_are_sent(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    outbox = UpdateOutbox(sessions, clock)
    await record(sessions, "7", EVERYTHING)
    await record(sessions, "8")  # a step with nothing to say holds nothing
    assert await outbox.held("telegram") == [HeldReplies("7", KEY, EVERYTHING, 0)]
    await outbox.sent("telegram", "7", 2, finished=False)
    assert await outbox.held("telegram") == [HeldReplies("7", KEY, EVERYTHING, 2)]
    await outbox.sent("telegram", "7", 3, finished=True)
    assert await outbox.held("telegram") == []
    async with sessions() as session:
        kept = await session.scalar(select(ProcessedUpdate).where(ProcessedUpdate.update_id == "7"))
    assert kept is not None
    assert kept.replies is None  # the id stays; the replies are gone,
    assert (kept.chat_id, kept.user_id) == (None, None)  # and who they were for


async def test_held_replies_come_in_the_order_they_were_handled(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    for update_id in ("99", "100", "101"):
        await record(sessions, update_id, (Reply(update_id),), clock=clock)
    held = await UpdateOutbox(sessions, clock).held("telegram")
    assert [h.update_id for h in held] == ["99", "100", "101"]
    assert await UpdateOutbox(sessions, clock).held("discord") == []


async def test_marks_made_at_once_are_written_together(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    for n in range(50):
        await record(sessions, str(n), (Reply("hi"),))
    outbox = UpdateOutbox(sessions, clock)
    writes = 0
    original = outbox._write

    async def counted(batch: dict[tuple[str, str], tuple[int, bool]]) -> None:
        nonlocal writes
        writes += 1
        await original(batch)

    outbox._write = counted  # type: ignore[method-assign]
    await asyncio.gather(*(outbox.sent("telegram", str(n), 1, finished=True) for n in range(50)))
    await outbox.close()
    assert await outbox.held("telegram") == []
    assert writes <= 2  # the first mark's write, then one for all that came meanwhile


async def test_a_mark_that_cant_be_written_is_logged_not_raised(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    outbox = UpdateOutbox(sessions, clock)

    async def broken(batch: object) -> None:
        raise ConnectionError("database gone")

    outbox._write = broken  # type: ignore[method-assign]
    await outbox.sent("telegram", "1", 1, finished=True)
    assert [r.getMessage() for r in caplog.records] == ["reply_marks_not_written updates=1"]


async def test_old_records_are_forgotten(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await record(sessions, "old", (Reply("never sent"),), clock=clock)
    clock.advance(seconds=KEEP_FOR.total_seconds() + 60)
    await record(sessions, "new", clock=clock)
    assert await UpdateOutbox(sessions, clock).held("telegram") == []  # reading prunes
    async with sessions() as session:
        ids = set(await session.scalars(select(ProcessedUpdate.update_id)))
    assert ids == {"new"}


@pytest.mark.postgres
async def test_postgres_a_concurrent_record_of_the_same_update_waits_and_loses(
    pg_url: str,  # noqa: F811
) -> None:
    engine = create_engine(pg_url)
    try:
        await upgrade_to_head(engine)
        sessions = session_factory(engine)
        assert await record(sessions, "5", (Reply("once"),))
        assert not await record(sessions, "5", (Reply("twice"),))
        # Two transactions at once: the second waits for the first, then sees the row.
        first_in = asyncio.Event()
        release = asyncio.Event()

        async def first() -> bool:
            async with transaction(sessions) as session:
                recorded = await UpdateRecords(session).record(
                    "telegram", "6", FakeClock().now(), key=KEY
                )
                first_in.set()
                await release.wait()
                return recorded

        one = asyncio.create_task(first())
        await first_in.wait()
        two = asyncio.create_task(record(sessions, "6"))
        await asyncio.sleep(0.2)
        assert not two.done()  # waiting on the first's uncommitted row
        release.set()
        assert await one
        assert not await two
        held = await UpdateOutbox(sessions, FakeClock()).held("telegram")
        assert held == [HeldReplies("5", KEY, (Reply("once"),), 0)]
    finally:
        await engine.dispose()


def test_kept_replies_come_back_as_they_were_sent() -> None:
    from bot.core.drawings import BodyMap, DrillDemo, ProgressChart, Spot
    from bot.core.messages import Choice, ImageKind, ImageRef, Reply, Tone
    from bot.storage.processed_updates import replies_from_json, replies_to_json

    demo = ImageRef(
        "lunges.gif", "A lunge", ImageKind.ANIMATION, "Drill 1", DrillDemo("b", "gentle")
    )
    body = ImageRef("map.png", "Where", drawing=BodyMap((Spot("glutes", "left", "Glute"),), "Roll"))
    replies = (
        Reply("Drill 1", (Choice("Done", "p1", Tone.GO), Choice("Stop", "p2", Tone.STOP)), demo),
        Reply("How much?", asks_number=True, image=body),
        Reply("Let's go private", private_start="warmup", private=True),
    )
    assert replies_from_json(replies_to_json(replies)) == replies
    chart = ProgressChart.__new__(ProgressChart)  # its fields don't matter: it is not kept
    progress = Reply("Your progress", image=ImageRef("p.png", "Progress", drawing=chart))
    assert replies_from_json(replies_to_json((progress,))) == (Reply("Your progress"),)
