"""An FAQ question the coach is unsure of is asked back ("Did you mean …?") with the likely
questions as buttons, at idle; mid-step the step's own buttons stay the newest."""

from __future__ import annotations

from bot.content import Content
from bot.testing import Chat

UNSURE = "whats the best time to foam roll"


async def test_unsure_asks_with_the_questions_as_buttons(chat: Chat, content: Content) -> None:
    await chat.command("start")
    await chat.press("I understand")
    await chat.say(UNSURE)
    assert chat.last_text() == content.texts.understanding.faq_did_you_mean
    entries = {entry.question: entry.answer for entry in content.faq.entries}
    labels = [choice.label for choice in chat.last_choices()]
    assert 1 <= len(labels) <= 2
    assert all(label in entries for label in labels)
    await chat.press(labels[0])
    assert chat.last_text() == entries[labels[0]]


async def test_mid_drill_it_does_not_ask(chat: Chat, content: Content) -> None:
    await chat.to_first_drill()
    drill_buttons = chat.last_choices()
    await chat.say(UNSURE)
    assert chat.last_text() == content.texts.understanding.cant_help_yet
    assert chat.last_choices() == drill_buttons
