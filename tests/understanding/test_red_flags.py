"""Red flags stop whatever is running: every labelled phrase, at every step of every flow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.core.messages import Outcome
from bot.core.state import FlowState
from bot.features.warmup.models import CheckIn, WarmupSession
from bot.testing import Chat, FakeClock

TABLE = yaml.safe_load(Path(__file__).with_name("red_flags.yaml").read_text(encoding="utf-8"))
RED_FLAGS: list[tuple[str, str]] = [(row["text"], row["level"]) for row in TABLE["red_flags"]]
NOT_RED_FLAGS: list[str] = TABLE["not_red_flags"]

Enter = Callable[[Chat], Awaitable[None]]


async def _idle(chat: Chat) -> None:
    return None


async def _soreness(chat: Chat) -> None:
    await chat.command("warmup")


async def _sharp(chat: Chat) -> None:
    await chat.command("warmup")
    await chat.press("Loose 😊")


async def _drill(chat: Chat) -> None:
    await chat.command("warmup")
    await chat.press("Loose 😊")
    await chat.press("No, just stiff or fine")


async def _reminder_days(chat: Chat) -> None:
    await chat.command("remind")


async def _reminder_time(chat: Chat) -> None:
    await chat.command("remind")
    await chat.press("Mon")
    await chat.press("Done")


async def _hurt(chat: Chat) -> None:
    await _drill(chat)
    await chat.press("That hurt")


async def _gentle_offer(chat: Chat) -> None:
    await _hurt(chat)
    await chat.press("Just uncomfortable")


async def _reminder_lead(chat: Chat) -> None:
    await _reminder_time(chat)
    await chat.say("07:00")


async def _reminder_confirm(chat: Chat) -> None:
    await _reminder_lead(chat)
    await chat.say("30")


async def _tight_kind(chat: Chat) -> None:
    await chat.command("tight", "left glute")


async def _tight_strength(chat: Chat) -> None:
    await chat.command("tight", "left glute hurts")


async def _ran(chat: Chat) -> None:
    """/ran about a new run each time: a run already told about is not asked again."""
    clock = chat.coach.clock
    assert isinstance(clock, FakeClock)
    clock.advance(hours=1)
    await chat.command("ran")


async def _checkin_feeling(chat: Chat) -> None:
    await _ran(chat)


async def _checkin_where(chat: Chat) -> None:
    await _ran(chat)
    await chat.press("Tight")


async def _forget(chat: Chat) -> None:
    await chat.command("forget")


async def _zone_proposed(chat: Chat) -> None:
    await chat.command("timezone")
    await chat.say("Londn")


async def _tight_picker(chat: Chat) -> None:
    await chat.command("tight")


async def _timezone(chat: Chat) -> None:
    await chat.command("timezone")


STATES: dict[str, tuple[Enter, tuple[str, str]]] = {
    # Each state, how to get there, and the flow and step it leaves the runner at.
    "idle": (_idle, ("", "")),
    "warm-up soreness question": (_soreness, ("warmup", "soreness")),
    "warm-up sharp question": (_sharp, ("warmup", "sharp")),
    "mid-drill": (_drill, ("warmup", "drill")),
    "reminder day picker": (_reminder_days, ("reminders", "days")),
    "reminder time question": (_reminder_time, ("reminders", "time")),
    "tight-spot area picker": (_tight_picker, ("tight", "pick")),
    "time-zone question": (_timezone, ("timezone", "ask")),
    "warm-up that-hurt question": (_hurt, ("warmup", "hurt")),
    "warm-up gentle offer": (_gentle_offer, ("warmup", "hurt_offer")),
    "reminder lead question": (_reminder_lead, ("reminders", "lead")),
    "reminder confirmation": (_reminder_confirm, ("reminders", "confirm")),
    "tight-spot kind question": (_tight_kind, ("tight", "kind")),
    "tight-spot strength question": (_tight_strength, ("tight", "strength")),
    "after-run feeling question": (_checkin_feeling, ("checkins", "feeling")),
    "after-run where question": (_checkin_where, ("checkins", "where")),
    "erase confirmation": (_forget, ("privacy", "confirm_forget")),
    "time zones proposed": (_zone_proposed, ("timezone", "choose")),
}


def test_the_table_is_big_and_has_both_levels() -> None:
    assert len(RED_FLAGS) >= 40
    assert len(NOT_RED_FLAGS) >= 40
    assert {level for _, level in RED_FLAGS} == {"urgent", "see_clinician"}
    texts = [text for text, _ in RED_FLAGS] + NOT_RED_FLAGS
    assert len(set(texts)) == len(texts), "duplicate phrases"


async def _ready(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await chat.command("timezone", "Europe/London")


async def _enter(chat: Chat, enter: Enter) -> None:
    await chat.command("cancel")
    await enter(chat)


def _level(content: Content, outcome: Outcome) -> str | None:
    """The triage level the replies carry, if any."""
    for level, words in content.tight.triage.levels.items():
        headlines = {words.headline, words.worded(in_warmup=True).headline}
        if any(h in reply.text for reply in outcome.replies for h in headlines):
            return level
    return None


@pytest.mark.parametrize("state", list(STATES))
async def test_every_red_flag_stops_every_step(chat: Chat, content: Content, state: str) -> None:
    enter, _ = STATES[state]
    await _ready(chat)
    misses = []
    for text, level in RED_FLAGS:
        await _enter(chat, enter)
        outcome = await chat.say(text)
        replies = outcome.replies
        # Only the triage, privately: no drill, no rolling, no buttons of the step.
        only_triage = len(replies) == 1 and replies[0].private and not replies[0].choices
        if _level(content, outcome) != level or not only_triage:
            misses.append(f"{text!r}: expected {level}, got {[r.text[:60] for r in replies]}")
    assert not misses, "\n".join(misses)


@pytest.mark.parametrize("state", list(STATES))
async def test_everyday_words_never_fire(chat: Chat, content: Content, state: str) -> None:
    enter, _ = STATES[state]
    await _ready(chat)
    fired = []
    for text in NOT_RED_FLAGS:
        await _enter(chat, enter)
        if _level(content, await chat.say(text)) is not None:
            fired.append(text)
    assert not fired, fired


async def test_the_states_are_the_ones_named(chat: Chat) -> None:
    """Each way in does reach the step it is named after (else the table tests too little)."""
    await _ready(chat)
    for name, (enter, (flow, step)) in STATES.items():
        await _enter(chat, enter)
        state = await _saved_state(chat)
        assert state == (flow, step), name


async def _saved_state(chat: Chat) -> tuple[str, str]:
    async with chat.coach.database.transaction() as tx:
        _, row = await chat.coach.conversations(tx).load(chat.key, chat.coach.clock.now())
    state = FlowState.from_json(row.state if row else None)
    return (state.flow or "", state.step or "")


async def test_a_red_flag_mid_drill_stops_the_warm_up(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.to_first_drill()
    await chat.say("ouch, sharp pain in my hip on that one")
    # Worded for a warm-up, whose drills stop: nothing there is being rolled.
    assert "Let's stop the drills here" in chat.last_text()
    assert "roll" not in chat.last_text().lower()
    async with sessions() as session:
        [stored] = list(await session.scalars(select(WarmupSession)))
    assert stored.status == "stopped"
    # The step has gone: "done" now starts nothing and shows no drill.
    await chat.say("done")
    assert "Next" not in chat.last_text()


async def test_a_red_flag_at_the_sharp_question_answers_it(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _ready(chat)
    await _sharp(chat)
    outcome = await chat.say("yes, sharp pain in my right hip")
    assert outcome.replies[0].private
    async with sessions() as session:
        [checkin] = list(await session.scalars(select(CheckIn)))
        assert checkin.sharp_pain
        assert list(await session.scalars(select(WarmupSession))) == []


async def test_a_red_flag_in_a_commands_words_comes_before_the_safety_note(
    chat: Chat, content: Content
) -> None:
    outcome = await chat.command("tight", "sharp pain in my groin since my fall, cant walk")
    said = "\n".join(reply.text for reply in outcome.replies)
    assert content.tight.triage.levels["urgent"].headline in said
    assert content.safety.disclaimer.text not in said
