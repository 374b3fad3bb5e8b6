"""The /warmup conversation end to end through the core."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.features.warmup.models import CheckIn, WarmupSession
from bot.testing import Chat


async def accept(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")


async def begin(chat: Chat, soreness_label: str, sharp: bool = False) -> None:
    await chat.command("warmup")
    await chat.press(soreness_label)
    await chat.press("Yes, something's sharp" if sharp else "No, just stiff or fine")


async def sessions_of(sessions: async_sessionmaker[AsyncSession]) -> list[WarmupSession]:
    async with sessions() as session:
        return list((await session.scalars(select(WarmupSession))).all())


async def test_fresh_day_walks_every_drill_and_saves_the_session(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await accept(chat)
    await chat.command("warmup")
    assert "how do your hips feel" in chat.last_text()
    await chat.press("Loose 😊")
    assert "sharp" in chat.last_text()
    await chat.press("No, just stiff or fine")
    text = chat.last_text()
    assert "full routine" in text
    assert "general warm-up" in text  # where the drills belong in the run-up
    assert "Drill 1 of 3: Bouncing lunges" in text
    assert "8 counts" in text
    await chat.press("Done")
    assert "Drill 2 of 3: Chair-pose squats" in chat.last_text()
    assert "4 reps" in chat.last_text()
    await chat.press("Done")
    assert "Drill 3 of 3: Toy soldiers" in chat.last_text()
    assert "12 reps" in chat.last_text()
    await chat.press("Done")
    assert "finished the warm-up: 3 of 3 drills done" in chat.last_text()
    assert not chat.outcomes[-1].replies[-1].choices  # no drill buttons on the summary

    [saved] = await sessions_of(sessions)
    assert saved.status == "completed"
    assert saved.routine == "standard"
    assert [d["drill"] for d in saved.drills] == list(content.routine.drills)
    assert {d["outcome"] for d in saved.drills} == {"done"}


async def test_sore_day_picks_gentle_variants_and_says_why(chat: Chat, content: Content) -> None:
    await accept(chat)
    await begin(chat, "Sore")
    text = chat.last_text()
    assert "gentle version" in text
    assert "(5/10)" in text
    lunges = content.drills.by_id("bouncing_lunges")
    assert lunges.gentle.summary in text
    assert lunges.standard.summary not in text


async def test_very_sore_adds_an_easy_day_suggestion(chat: Chat, content: Content) -> None:
    await accept(chat)
    await begin(chat, "Very sore")
    assert content.safety.very_sore.text in chat.all_text()


async def test_typed_soreness_number_is_accepted(chat: Chat) -> None:
    await accept(chat)
    await chat.command("warmup")
    await chat.say("7/10")
    assert "sharp" in chat.last_text()
    await chat.say("no")
    assert "gentle version" in chat.last_text()


async def test_out_of_range_soreness_asks_again_without_moving_on(chat: Chat) -> None:
    await accept(chat)
    await chat.command("warmup")
    for bad in ("11", "-1", "very", "🔥"):
        await chat.say(bad)
        assert "0 to 10" in chat.last_text()
    await chat.press("Sore")  # the original buttons still work
    assert "sharp" in chat.last_text()


async def test_sharp_pain_stops_with_advice_and_records_the_checkin(
    chat: Chat, content: Content, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await accept(chat)
    await begin(chat, "A bit stiff", sharp=True)
    text = chat.last_text()
    # No zone and no language known: the words that are true anywhere.
    fallback = content.emergency.fallback
    assert text == content.safety.sharp_pain.text.format(
        urgent_line=fallback.urgent_line,
        emergency=fallback.emergency,
        department=fallback.department,
    )
    assert "Drill" not in chat.all_text()
    assert await sessions_of(sessions) == []
    async with sessions() as session:
        [checkin] = (await session.scalars(select(CheckIn))).all()
    assert checkin.sharp_pain is True
    assert checkin.soreness == 2
    # And the conversation is over: a later Done press does nothing.
    await chat.say("done")
    assert "Drill" not in chat.last_text()


async def test_skip_and_stop_are_recorded(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await accept(chat)
    await begin(chat, "Loose 😊")
    await chat.press("Skip")
    await chat.press("Stop")
    assert "stopped after 0 of 3" in chat.last_text()
    [saved] = await sessions_of(sessions)
    assert saved.status == "stopped"
    assert saved.drills == [{"drill": "bouncing_lunges", "outcome": "skipped"}]


async def test_skipped_drills_show_in_the_summary(chat: Chat) -> None:
    await accept(chat)
    await begin(chat, "Loose 😊")
    await chat.press("Done")
    await chat.press("Skip")
    await chat.press("Done")
    assert "2 of 3 drills done, skipped 1" in chat.last_text()


async def test_cancel_mid_warmup_stops_the_session(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await accept(chat)
    await begin(chat, "Loose 😊")
    await chat.command("cancel")
    assert "stopped" in chat.last_text().lower()
    [saved] = await sessions_of(sessions)
    assert saved.status == "stopped"
    await chat.command("cancel")
    assert "nothing to cancel" in chat.last_text().lower()


async def test_warmup_again_mid_routine_shows_where_you_were(chat: Chat) -> None:
    await accept(chat)
    await begin(chat, "Loose 😊")
    await chat.press("Done")
    await chat.command("warmup")
    assert "where you were" in chat.last_text()
    assert "Drill 2 of 3" in chat.last_text()
    await chat.press("Done")
    assert "Drill 3 of 3" in chat.last_text()


async def test_typed_drill_words_work_like_buttons(chat: Chat) -> None:
    await accept(chat)
    await begin(chat, "Loose 😊")
    await chat.say("Done")
    assert "Drill 2 of 3" in chat.last_text()
    await chat.say("what now?")
    assert "I can't help with that yet" in chat.last_text()
