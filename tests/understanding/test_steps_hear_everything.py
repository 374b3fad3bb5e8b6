"""Steps that wait for one kind of answer (a time zone, the days or time of a reminder, a
tight spot's kind or strength) still hear greetings, thanks and FAQ questions: each gets
its kind answer, and the step, with its buttons, stays where it was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from bot.content import Content
from bot.testing import Chat

FAQ = "how long should I foam roll for"


async def _ready(chat: Chat, zone: str | None = "Europe/London") -> None:
    await chat.command("start")
    await chat.press("I understand")
    if zone is not None:
        await chat.command("timezone", zone)


@dataclass(frozen=True)
class Step:
    flow: str
    step: str
    enter: Callable[[Chat], Awaitable[object]]
    answer: str  # a typed answer the step takes
    then: str  # what the next prompt says once it has


async def _zone_first(chat: Chat) -> None:
    await _ready(chat, None)
    await chat.command("remind")


async def _days(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("remind")


async def _time(chat: Chat) -> None:
    await _days(chat)
    await chat.say("mon wed")


async def _lead(chat: Chat) -> None:
    await _time(chat)
    await chat.say("07:00")


async def _kind(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("tight", "left glute")  # tight or painful? the plan depends on it


async def _strength(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("tight", "left glute hurts")  # how much? 8/10 is a red flag


async def _gentle_offer(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("warmup")
    await chat.press("Loose 😊")
    await chat.press("No, just stiff or fine")
    await chat.press("That hurt")
    await chat.press("Just uncomfortable")  # "Try the gentle version, or skip it?"


async def _confirm(chat: Chat) -> None:
    await _lead(chat)
    await chat.say("30")


async def _where(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("ran")
    await chat.press("Tight")


async def _forget(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("forget")


async def _zones_proposed(chat: Chat) -> None:
    await _ready(chat, None)
    await chat.command("timezone")
    await chat.say("Londn")


STEPS = [
    Step("timezone", "ask", _zone_first, "Chicago", "Which days do you run?"),
    Step("reminders", "days", _days, "mon wed", "What time does your run start?"),
    Step("reminders", "time", _time, "6:30am", "How long before the run"),
    Step("reminders", "lead", _lead, "20", "Remind you Mon Wed, 20 minutes before your 07:00 run?"),
    Step("tight", "kind", _kind, "tight", "Rolling plan: left glute (tight)"),
    Step("tight", "strength", _strength, "6", "Rolling plan: left glute (painful, 6/10)"),
]
# Steps only the typed-answer tests reach; they hear greetings, thanks and FAQ questions too.
MORE_STEPS = [
    Step("warmup", "hurt_offer", _gentle_offer, "gentle", "A shorter lunge"),
    Step("reminders", "confirm", _confirm, "yes", "Done! I'll remind you Mon"),
    Step("checkins", "where", _where, "left glute", "tightness in your left glute"),
    Step("privacy", "confirm_forget", _forget, "no", "I've kept everything"),
    Step("timezone", "choose", _zones_proposed, "yep that's right", "Got it: Europe/London"),
]


def _faq_answer(content: Content) -> str:
    return content.faq.entry("roll_duration").answer


@pytest.mark.parametrize("step", STEPS + MORE_STEPS, ids=lambda s: f"{s.flow}.{s.step}")
@pytest.mark.parametrize("said", ["hi", "thanks!", FAQ])
async def test_the_step_hears_it_and_stays(
    chat: Chat, content: Content, step: Step, said: str
) -> None:
    await step.enter(chat)
    buttons = chat.last_choices()
    outcome = await chat.say(said)
    words = content.texts.understanding
    expected = {
        "hi": words.greeting_reply,
        "thanks!": words.thanks_reply,
        FAQ: _faq_answer(content),
    }[said]
    assert [r.text for r in outcome.replies] == [expected]
    assert not outcome.replies[0].choices, "the step's buttons stay the newest"
    assert chat.last_choices() == buttons
    await chat.say(step.answer)
    assert step.then in chat.last_text()


@pytest.mark.parametrize(
    ("step", "why"),
    [
        (STEPS[0], 'I don\'t know "qwerty uiop" as a time zone'),
        (STEPS[1], 'I didn\'t understand "qwerty uiop"'),
        (STEPS[2], '"qwerty uiop" isn\'t a time I can use'),
        (STEPS[3], "whole number of minutes from 0 to 180"),
        (STEPS[4], "Tap one of the buttons below, or type your answer."),
        (STEPS[5], "Tap one of the buttons below, or type your answer."),
    ],
    ids=lambda value: f"{value.flow}.{value.step}" if isinstance(value, Step) else "",
)
async def test_what_nothing_understands_gets_the_steps_own_help(
    chat: Chat, step: Step, why: str
) -> None:
    await step.enter(chat)
    outcome = await chat.say("qwerty uiop")
    assert any(why in reply.text for reply in outcome.replies), outcome.replies
    await chat.say(step.answer)
    assert step.then in chat.last_text()
