"""A bare yes or no when no step asked for one answers what the coach last offered, or
kindly says what the coach can do: never "I can't help with that"."""

from __future__ import annotations

import pytest

from bot.content import Content
from bot.testing import Chat

YES = ["yes", "ok", "sure", "go", "let's do it", "Yes!", "yeah", "okay", "let's go", "ready"]
NO = ["no", "nah", "nope", "No.", "not now"]


async def _idle(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")  # its reply offers the menu...
    await chat.say("thanks")  # ...and now nothing is on offer


@pytest.mark.parametrize("text", YES)
async def test_yes_out_of_the_blue_shows_what_the_coach_can_do(
    chat: Chat, content: Content, text: str
) -> None:
    await _idle(chat)
    await chat.say(text)
    idle = content.texts.understanding.idle
    assert chat.last_text() == idle.yes_nothing
    assert [c.label for c in chat.last_choices()] == list(content.texts.menu.values())


@pytest.mark.parametrize("text", NO)
async def test_no_out_of_the_blue_gets_a_kind_line(chat: Chat, content: Content, text: str) -> None:
    await _idle(chat)
    await chat.say(text)
    assert chat.last_text() == content.texts.understanding.idle.no_nothing


@pytest.mark.parametrize("text", ["yes", "sure", "let's do it"])
async def test_yes_after_the_menu_asks_which(chat: Chat, content: Content, text: str) -> None:
    await _idle(chat)
    await chat.say("banana")  # the honest fallback, with the menu
    await chat.say(text)
    assert chat.last_text() == content.texts.understanding.idle.yes_menu
    assert chat.last_choices()


async def test_no_after_the_menu(chat: Chat, content: Content) -> None:
    await _idle(chat)
    await chat.say("banana")
    await chat.say("nah")
    assert chat.last_text() == content.texts.understanding.idle.no_menu


@pytest.mark.parametrize("text", ["yes", "ok", "go"])
async def test_yes_after_did_you_mean_runs_the_command(chat: Chat, text: str) -> None:
    await _idle(chat)
    await chat.say("warmp")
    assert chat.last_text() == "Did you mean /warmup?"
    await chat.say(text)
    assert "how do your hips feel today?" in chat.last_text()


async def test_yes_after_a_finished_warm_up(chat: Chat, content: Content) -> None:
    await chat.to_first_drill()
    for _ in range(3):
        await chat.press("Done")
    assert "Have a great run!" in chat.last_text()
    await chat.say("yes")
    assert chat.last_text() == content.texts.understanding.idle.yes_warmup_done
    await chat.say("yes")  # the offer was answered: now it is a yes out of the blue
    assert chat.last_text() == content.texts.understanding.idle.yes_nothing


async def test_yes_mid_step_is_the_steps_answer_not_an_idle_one(
    chat: Chat, content: Content
) -> None:
    await _idle(chat)
    await chat.command("warmup")
    await chat.say("loose")
    await chat.say("no")  # the sharp-pain question: nothing sharp
    assert "Drill 1 of 3" in chat.last_text()
