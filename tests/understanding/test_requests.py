"""Requests in plain words: a reminder asked for in a sentence fills in the form and asks
only what is missing; the others run their command, and /forget still asks first."""

from __future__ import annotations

import pytest

from bot.content import Content
from bot.testing import Chat


async def _ready(chat: Chat, zone: str | None = "Europe/London") -> None:
    await chat.command("start")
    await chat.press("I understand")
    if zone is not None:
        await chat.command("timezone", zone)


LEAD_QUESTION = "How long before the run should I remind you?"


@pytest.mark.parametrize(
    ("text", "asked", "then_summary"),
    [
        (
            "remind me mon wed fri at 6:30",
            LEAD_QUESTION,
            "Mon Wed Fri, 30 minutes before your 06:30",
        ),
        ("remind me every saturday at 8", LEAD_QUESTION, "Sat, 30 minutes before your 08:00"),
        (
            "set a reminder for weekdays 7am",
            LEAD_QUESTION,
            "weekdays, 30 minutes before your 07:00",
        ),
        ("Remind me on sundays at 9.15am", LEAD_QUESTION, "Sun, 30 minutes before your 09:15"),
    ],
)
async def test_a_reminder_in_words_asks_only_the_minutes_before(
    chat: Chat, text: str, asked: str, then_summary: str
) -> None:
    await _ready(chat)
    await chat.say(text)
    assert chat.last_text().startswith(asked)
    await chat.press("30 min")
    assert chat.last_text() == f"Remind you {then_summary} run?"
    await chat.press("Save")
    assert chat.last_text().startswith(f"Done! I'll remind you {then_summary} run.")


async def test_a_reminder_said_in_full_goes_straight_to_the_confirmation(chat: Chat) -> None:
    await _ready(chat)
    await chat.say("can you remind me tues and thurs 6pm, 20 min before")
    assert chat.last_text() == "Remind you Tue Thu, 20 minutes before your 18:00 run?"
    await chat.say("make it 7pm instead")
    assert chat.last_text() == "Remind you Tue Thu, 20 minutes before your 19:00 run?"
    await chat.say("ok")
    assert "Done! I'll remind you Tue Thu" in chat.last_text()


async def test_days_only_asks_the_time_and_a_time_only_asks_the_days(chat: Chat) -> None:
    await _ready(chat)
    await chat.say("add a reminder for mondays")
    assert chat.last_text().startswith("What time does your run start?")
    await chat.say("remind me at 7:15")
    assert chat.last_text().startswith("Which days do you run?")


async def test_without_a_time_zone_it_asks_that_first_and_keeps_the_rest(chat: Chat) -> None:
    await _ready(chat, zone=None)
    await chat.say("remind me mon wed fri at 6:30")
    assert "time zone" in chat.last_text()
    await chat.say("London")
    assert LEAD_QUESTION in chat.last_text()
    await chat.press("15 min")
    assert chat.last_text() == "Remind you Mon Wed Fri, 15 minutes before your 06:30 run?"


async def test_a_request_in_the_middle_of_the_form_is_heard(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("remind")
    await chat.say("show my reminders")
    assert chat.last_text() == "You have no reminders yet. Set one with /remind."
    await chat.say("set my timezone to Toronto")
    assert "America/Toronto" in chat.last_text()


async def test_forget_me_asks_before_erasing_anything(chat: Chat) -> None:
    await _ready(chat)
    outcome = await chat.say("delete all my data")
    assert not outcome.erased
    labels = [choice.label for choice in chat.last_choices()]
    assert len(labels) == 2, "erase or keep"
    await chat.press(labels[1])
    await chat.say("forget me")
    assert not chat.outcomes[-1].erased
    await chat.press(labels[0])
    assert chat.outcomes[-1].erased


async def test_stop_my_reminders_shows_how_and_pause_pauses(chat: Chat, content: Content) -> None:
    await _ready(chat)
    await chat.command("remind", "mon 07:00 30")
    await chat.say("stop my reminders")
    assert content.reminder_texts.reminders.how_to_stop in chat.last_text()
    await chat.press("Pause")
    assert chat.last_text().startswith("Paused: Mon")


async def test_no_reminders_to_stop_says_so_plainly(chat: Chat) -> None:
    await _ready(chat)
    await chat.say("pause my reminders")
    assert chat.last_text() == "You have no reminders yet. Set one with /remind."


@pytest.mark.parametrize("text", ["nope all good", "no, just stiff", "Nah, all fine", "no im fine"])
async def test_a_no_with_reassurance_answers_the_sharp_question(chat: Chat, text: str) -> None:
    await _ready(chat, zone=None)
    await chat.command("warmup")
    await chat.say("loose")
    await chat.say(text)
    assert "Drill 1 of 3" in chat.last_text()
