"""/export gives the user everything; /forget erases everything."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import ConversationKey
from bot.schema import Base
from bot.testing import Chat


async def warm_up(chat: Chat) -> None:
    await chat.to_first_drill("Sore")
    await chat.press("Done")


async def row_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    counts = {}
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = int(
                await session.scalar(select(func.count()).select_from(table)) or 0
            )
    return counts


async def test_export_is_a_json_document_with_checkins_and_sessions(chat: Chat) -> None:
    await warm_up(chat)
    outcome = await chat.command("export")
    [reply] = outcome.replies
    assert reply.private
    assert reply.document is not None
    assert reply.document.filename.endswith(".json")
    data = json.loads(reply.document.data)["data"]
    assert data["users"][0]["platform_user_id"] == "user-1"
    assert data["checkins"][0]["soreness"] == 5
    [session] = data["warmup_sessions"]
    assert session["routine"] == "gentle"
    assert session["drills"] == [{"drill": "bouncing_lunges", "outcome": "done"}]


async def test_export_holds_nothing_of_other_users(chat: Chat) -> None:
    other = Chat(chat.coach, ConversationKey("terminal", "chat-1", "someone-else"))
    await warm_up(other)
    await warm_up(chat)
    outcome = await chat.command("export")
    assert outcome.replies[0].document is not None
    body = outcome.replies[0].document.data.decode()
    assert "someone-else" not in body
    assert len(json.loads(body)["data"]["checkins"]) == 1


async def test_forget_erases_everything_after_confirming(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    other = Chat(chat.coach, ConversationKey("terminal", "chat-1", "someone-else"))
    await warm_up(other)
    before_mine = await row_counts(sessions)
    await warm_up(chat)
    await chat.command("forget")
    assert "can't be undone" in chat.last_text()
    await chat.press("Yes, erase everything")
    assert "erased everything" in chat.last_text()
    after = await row_counts(sessions)
    assert after == before_mine  # only the other user's rows are left

    await chat.command("export")
    data = json.loads(chat.replies[-1].document.data)["data"]  # type: ignore[union-attr]
    assert "checkins" not in data
    assert "warmup_sessions" not in data


async def test_forget_can_be_called_off(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await warm_up(chat)
    before = await row_counts(sessions)
    await chat.command("forget")
    await chat.press("No, keep it")
    assert "kept everything" in chat.last_text()
    after = await row_counts(sessions)
    assert after["checkins"] == before["checkins"]
    assert after["warmup_sessions"] == before["warmup_sessions"]
