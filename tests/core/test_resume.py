"""A restart never loses a user's place; idle conversations reset kindly."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_coach
from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import ConversationKey
from bot.features.warmup.models import WarmupSession
from bot.storage.database import create_engine, session_factory
from bot.storage.models import Conversation
from bot.testing import Chat, FakeClock


async def test_a_new_process_on_the_same_file_resumes_mid_warmup(
    db_url: str, content: Content, chat: Chat, clock: FakeClock
) -> None:
    await chat.to_first_drill()
    await chat.press("Done")
    old_button = chat.button("Done")  # on "Drill 2 of 3"

    # A second engine and coach: nothing shared with the first but the SQLite file.
    engine = create_engine(db_url)
    try:
        restarted = build_coach(session_factory(engine), content, clock=clock)
        again = Chat(restarted, chat.key)
        outcome = await again.press_payload(old_button.payload)
        assert outcome.accepted
        assert "Drill 3 of 3" in again.last_text()
        await again.press("Done")
        assert "3 of 3 drills done" in again.last_text()
    finally:
        await engine.dispose()


async def test_idle_conversation_resets_with_a_friendly_note(
    chat: Chat, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.to_first_drill()
    button = chat.button("Done")
    clock.advance(hours=3)
    outcome = await chat.press_payload(button.payload)
    assert not outcome.accepted
    assert "cleared that conversation" in chat.last_text()
    async with sessions() as session:
        [saved] = (await session.scalars(select(WarmupSession))).all()
    assert saved.status == "expired"
    await chat.command("warmup")
    assert "how do your hips feel" in chat.last_text()


async def test_idle_reset_on_typed_text(chat: Chat, clock: FakeClock) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await chat.command("warmup")
    clock.advance(hours=3)
    await chat.say("5")
    assert "cleared that conversation" in chat.last_text()


async def test_many_users_at_once_all_finish(coach: Coach) -> None:
    async def one(n: int) -> str:
        chat = Chat(coach, ConversationKey("terminal", f"chat-{n}", f"user-{n}"))
        await chat.to_first_drill("A bit stiff")
        for _ in range(3):
            await chat.press("Done")
        return chat.last_text()

    results = await asyncio.gather(*(one(n) for n in range(40)))
    assert all("3 of 3 drills done" in text for text in results)


async def test_one_conversations_updates_are_handled_in_order(chat: Chat) -> None:
    await chat.to_first_drill()
    done = chat.button("Done").payload
    # Two presses of the same button arrive together (a double tap): exactly one counts.
    first, second = await asyncio.gather(chat.press_payload(done), chat.press_payload(done))
    assert sorted([first.accepted, second.accepted]) == [False, True]
    assert "Drill 2 of 3" in chat.last_text()


async def test_a_warmup_saved_before_progress_lived_in_the_state_keeps_its_drills(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Conversations saved mid-warm-up by an earlier version hold no list of drills done;
    the drills already recorded on the session are read back, not overwritten."""
    await chat.to_first_drill()
    await chat.press("Skip")
    async with sessions() as session, session.begin():
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        data = conversation.state["data"]
        assert isinstance(data, dict)
        assert "done" in data
        earlier = {k: v for k, v in data.items() if k != "done"}
        conversation.state = {**conversation.state, "data": earlier}
    await chat.press("Done")
    await chat.press("Done")
    assert "2 of 3 drills done" in chat.last_text()
    async with sessions() as session:
        [saved] = (await session.scalars(select(WarmupSession))).all()
    assert [d["outcome"] for d in saved.drills] == ["skipped", "done", "done"]
    assert saved.status == "completed"
