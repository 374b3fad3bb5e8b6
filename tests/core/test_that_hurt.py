"""The "That hurt" button on every drill: one question, then advice or a gentler way on."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.features.warmup.models import WarmupSession
from bot.testing import Chat


async def _status(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions() as session:
        [stored] = list(await session.scalars(select(WarmupSession)))
        return stored.status


async def test_every_drill_has_a_that_hurt_button(chat: Chat) -> None:
    await chat.to_first_drill()
    for _ in range(2):
        assert [c.label for c in chat.last_choices()] == [
            "Done",
            "Skip",
            "Stop",
            "That hurt",
            "Count me through",
        ]
        await chat.press("Done")


async def test_sharp_stops_the_warm_up_with_the_advice_for_the_runners_country(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await chat.command("timezone", "America/Toronto")
    await chat.command("warmup")
    await chat.press("Loose 😊")
    await chat.press("No, just stiff or fine")
    await chat.press("That hurt")
    assert "sharp" in chat.last_text()
    outcome = await chat.press("Sharp or worse")
    [summary, advice] = outcome.replies
    assert "Warm-up stopped" in summary.text
    assert advice.private
    assert "911" in advice.text
    assert "NHS" not in advice.text
    assert await _status(sessions) == "stopped"
    assert not any(r.choices for r in outcome.replies)


async def test_uncomfortable_offers_the_gentle_version_or_skip(chat: Chat) -> None:
    await chat.to_first_drill()
    await chat.press("That hurt")
    await chat.press("Just uncomfortable")
    assert [c.label for c in chat.last_choices()] == ["Gentle version", "Skip"]
    await chat.press("Gentle version")
    assert "Drill 1 of 3" in chat.last_text()
    await chat.press("That hurt")
    await chat.press("Just uncomfortable")
    await chat.press("Skip")
    assert "Drill 2 of 3" in chat.last_text()
