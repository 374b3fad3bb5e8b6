"""Routines to choose from (standard, quick, post-run rolling) and the habit touches in
the warm-up summary: the streak, and every run this week warmed up for."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.features.warmup.content import Drill, quick_problems
from bot.testing import Chat, FakeClock, RecordingAdapter
from tests.features.checkins.harness import at
from tests.features.reminders.harness import dispatcher_for, ready_chat, reminder_coach


async def finish_warmup(chat: Chat, *args: str) -> None:
    await chat.command("warmup", *args)
    await chat.press("Loose 😊")
    await chat.press("No, just stiff or fine")
    for _ in range(3):
        await chat.press("Done")


async def test_warmup_quick_is_the_same_drills_with_fewer_reps(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await chat.command("warmup", "quick")
    await chat.press("Loose 😊")
    await chat.press("No, just stiff or fine")
    text = chat.all_text()
    assert "The quick version" in text
    assert "Four bounces in a long lunge on each leg" in chat.last_text()
    await chat.press("Done")
    await chat.press("Done")
    await chat.press("Done")
    assert "You finished the warm-up: 3 of 3 drills done" in chat.last_text()


async def test_a_button_on_the_first_question_chooses_the_quick_warm_up(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await chat.command("warmup")
    await chat.press("In a hurry? Quick version")
    assert "In a hurry? Quick version" not in [c.label for c in chat.last_choices()]
    await chat.press("A bit stiff")
    await chat.press("No, just stiff or fine")
    assert "Six alternating" not in chat.last_text()
    assert "Four bounces" in chat.last_text()


def test_the_quick_warm_up_is_checked_to_fit_in_three_minutes(content: Content) -> None:
    seconds = [content.drills.by_id(d).quick for d in content.routine.quick_drills]
    assert sum(v.seconds or 0 for v in seconds if v) < 180
    assert quick_problems(content.drills, content.routine) == []
    slow = [replace_quick(drill, 100) if drill.quick else drill for drill in content.drills.drills]
    book = content.drills.model_copy(update={"drills": tuple(slow)})
    assert "not under 3 minutes" in " ".join(quick_problems(book, content.routine))


def replace_quick(drill: Drill, seconds: int) -> Drill:
    assert drill.quick is not None
    return drill.model_copy(update={"quick": drill.quick.model_copy(update={"seconds": seconds})})


async def test_roll_walks_the_rolling_routine_with_the_drill_buttons(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await chat.command("roll")
    text = chat.all_text()
    assert "stop on any tender spot for 3 to 5 seconds" in text
    assert "Area 1 of 5: Quads (front of thighs)" in chat.last_text()
    assert [c.label for c in chat.last_choices()] == ["Done", "Skip", "Stop", "That hurt"]
    for _ in range(3):
        await chat.press("Done")
    await chat.press("Skip")
    assert "hard ball" in chat.last_text()
    await chat.press("Done")
    assert "Rolling done: 4 of 5 areas" in chat.last_text()


async def test_a_tight_check_in_offers_the_rolling_routine(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await chat.command("ran", "outer thigh tight")
    await chat.press("Rolling routine")
    assert "Area 1 of 5" in chat.last_text()


async def test_the_summary_names_the_streak(chat: Chat, clock: FakeClock) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await finish_warmup(chat)
    assert "days in a row" not in chat.last_text()
    clock.advance(days=1)
    await finish_warmup(chat)
    assert "Warm-ups 2 days in a row: keep it going!" in chat.last_text()


async def test_a_note_when_every_run_this_week_had_its_warm_up(
    sessions: async_sessionmaker[AsyncSession], content: Content, clock: FakeClock
) -> None:
    chat = Chat(reminder_coach(sessions, content, clock))
    dispatcher = dispatcher_for(sessions, content, RecordingAdapter(clock), clock)
    await ready_chat(chat)
    await chat.command("remind", "daily 08:00")
    clock.current = at("2026-11-23 07:30")
    await dispatcher.run_once()
    clock.current = at("2026-11-23 07:35")
    await finish_warmup(chat)
    assert "You've warmed up before every run this week (1 of 1)" in chat.last_text()
    # Tuesday's run goes by without a warm-up; Wednesday's warm-up gets no note.
    for day in ("24", "25"):
        clock.current = at(f"2026-11-{day} 07:30")
        await dispatcher.run_once()
    clock.current = at("2026-11-25 07:35")
    await finish_warmup(chat)
    assert "every run this week" not in chat.last_text()
