"""Changes typed at the reminder's confirmation ("make it 7am instead", "no, mon and thu",
"an hour before instead", "actually 6:45"): understood, and the confirmation shown again
with the change; anything else is left to the passes after the step."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.features.reminders.parsing import (
    BadTime,
    Correction,
    MixedDays,
    RelativeDay,
    Vocabulary,
    parse_correction,
)
from bot.testing import Chat
from tests.features.reminders.harness import ready_chat, reminders

CONFIRM = "Remind you Mon Wed, 30 minutes before your 06:30 run?"

# Each change typed at CONFIRM, and the confirmation it must bring back.
CORRECTIONS = [
    ("make it 7am instead", "Remind you Mon Wed, 30 minutes before your 07:00 run?"),
    ("no, mon and thu", "Remind you Mon Thu, 30 minutes before your 06:30 run?"),
    ("an hour before instead", "Remind you Mon Wed, 60 minutes before your 06:30 run?"),
    ("actually 6:45", "Remind you Mon Wed, 30 minutes before your 06:45 run?"),
    ("Actually, 6:45!", "Remind you Mon Wed, 30 minutes before your 06:45 run?"),
    ("make it 18:15", "Remind you Mon Wed, 30 minutes before your 18:15 run?"),
    ("change it to 7:30pm", "Remind you Mon Wed, 30 minutes before your 19:30 run?"),
    ("sorry, i meant tue thu", "Remind you Tue Thu, 30 minutes before your 06:30 run?"),
    ("weekdays instead", "Remind you weekdays, 30 minutes before your 06:30 run?"),
    ("45 min before", "Remind you Mon Wed, 45 minutes before your 06:30 run?"),
    ("half an hour before", "Remind you Mon Wed, 30 minutes before your 06:30 run?"),
    ("make it 15 minutes", "Remind you Mon Wed, 15 minutes before your 06:30 run?"),
    ("no, fri at 7am", "Remind you Fri, 30 minutes before your 07:00 run?"),
    ("oops, mon wed fri 6am 20", "Remind you Mon Wed Fri, 20 minutes before your 06:00 run?"),
    ("actually every day", "Remind you every day, 30 minutes before your 06:30 run?"),
]


async def _at_confirm(chat: Chat) -> None:
    await ready_chat(chat)
    await chat.command("remind")
    await chat.say("mon wed")
    await chat.say("06:30")
    await chat.say("30")
    assert chat.last_text() == CONFIRM


@pytest.mark.parametrize(("typed", "shown"), CORRECTIONS)
async def test_a_change_at_the_confirmation_shows_it_again_changed(
    chat: Chat, typed: str, shown: str
) -> None:
    await _at_confirm(chat)
    outcome = await chat.say(typed)
    [reply] = outcome.replies
    assert reply.text == shown
    assert [c.label for c in reply.choices] == ["Save", "Start over", "Cancel"]


async def test_changes_add_up_and_save_what_was_shown(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _at_confirm(chat)
    for typed, _ in CORRECTIONS[:4]:
        await chat.say(typed)
    assert chat.last_text() == "Remind you Mon Thu, 60 minutes before your 06:45 run?"
    await chat.say("yes")  # an everyday yes is the Save button
    assert chat.last_text().startswith("Done! I'll remind you Mon Thu, 60 minutes")
    [stored] = await reminders(sessions)
    assert (stored.weekdays, stored.run_time, stored.lead_minutes) == ("03", "06:45", 60)


async def test_editing_a_reminder_takes_a_change_at_its_first_question(chat: Chat) -> None:
    await ready_chat(chat)
    await chat.command("remind", "mon wed 06:30 30")
    await chat.command("reminders")
    await chat.press("Edit")
    outcome = await chat.say("make it 7am instead")
    assert outcome.replies[0].text == "Remind you Mon Wed, 30 minutes before your 07:00 run?"


async def test_a_new_reminders_days_echo_the_words_as_typed(chat: Chat) -> None:
    await ready_chat(chat)
    await chat.command("remind")
    outcome = await chat.say("make it 7am instead")
    assert 'I didn\'t understand "make it 7am instead"' in outcome.replies[0].text


async def test_an_impossible_change_says_why_and_keeps_the_confirmation(chat: Chat) -> None:
    await _at_confirm(chat)
    outcome = await chat.say("make it 25:99")
    assert outcome.replies[0].text.startswith('"25:99" isn\'t a time I can use')
    await chat.press("Save")
    assert chat.last_text().startswith("Done! I'll remind you Mon Wed, 30 minutes")


@pytest.mark.parametrize("typed", ["hi", "thanks", "how long should i foam roll for"])
async def test_other_words_at_the_confirmation_reach_the_other_passes(
    chat: Chat, content: Content, typed: str
) -> None:
    await _at_confirm(chat)
    outcome = await chat.say(typed)
    assert CONFIRM not in outcome.replies[0].text
    assert not outcome.replies[0].choices
    await chat.press("Save")
    assert chat.last_text().startswith("Done!")


def test_parse_correction_reads_each_part(vocabulary: Vocabulary) -> None:
    assert parse_correction("make it 7am instead", vocabulary) == Correction(
        None, None, time(7, 0), None
    )
    assert parse_correction("no, mon and thu", vocabulary) == Correction(
        frozenset({0, 3}), None, None, None
    )
    assert parse_correction("an hour before instead", vocabulary) == Correction(
        None, None, None, 60
    )
    assert parse_correction("tomorrow instead", vocabulary) == Correction(
        None, RelativeDay.TOMORROW, None, None
    )
    assert parse_correction("make it 25:00", vocabulary) == BadTime("25:00")
    assert parse_correction("today and mon", vocabulary) == MixedDays()


@pytest.mark.parametrize(
    "typed", ["how long should i foam roll for", "make it better", "instead", "", "7am for my dog"]
)
def test_parse_correction_leaves_other_words_alone(vocabulary: Vocabulary, typed: str) -> None:
    assert parse_correction(typed, vocabulary) is None
