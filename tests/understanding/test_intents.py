"""What any step can hear: greetings, thanks, commands without the slash or with a typo,
requests in plain words, FAQ questions and an honest fallback, idle and in the middle of
a warm-up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import yaml

from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import ConversationKey, Outcome
from bot.testing import Chat

ROWS = yaml.safe_load(Path(__file__).with_name("intents.yaml").read_text(encoding="utf-8"))
CASES: list[tuple[str, str]] = [(row["text"], row["intent"]) for row in ROWS]
REQUIRED_ACCURACY = 1.0

Enter = Callable[[Chat], Awaitable[None]]


async def _idle(chat: Chat) -> None:
    await chat.command("start")
    await chat.press("I understand")


async def _mid_drill(chat: Chat) -> None:
    await chat.to_first_drill()


STATES: dict[str, Enter] = {"idle": _idle, "mid-warm-up": _mid_drill}


def test_the_table_is_big_and_varied() -> None:
    assert len(CASES) >= 170
    kinds = {intent.split(":")[0] for _, intent in CASES}
    assert kinds == {"greeting", "thanks", "command", "suggest", "faq", "fallback", "request"}
    assert sum(intent.startswith("request:") for _, intent in CASES) >= 60
    assert len({text for text, _ in CASES}) == len(CASES), "duplicate phrases"


def _texts(outcome: Outcome) -> list[str]:
    return [reply.text for reply in outcome.replies]


async def _heard(
    coach: Coach, content: Content, enter: Enter, n: int, text: str, intent: str
) -> str | None:
    """None when ``text`` got what ``intent`` promises; else what it got instead."""
    chat = Chat(coach, key=ConversationKey("terminal", f"chat-{n}", f"user-{n}"))
    await enter(chat)
    outcome = await chat.say(text)
    got = _texts(outcome)
    words = content.texts.understanding
    kind, _, name = intent.partition(":")
    if any("I didn't catch that" in t for t in got):
        return f"didn't catch: {got}"
    if kind == "greeting":
        ok = got == [words.greeting_reply]
    elif kind == "thanks":
        ok = got == [words.thanks_reply]
    elif kind == "suggest":
        names = name.split(",")
        said = (
            words.did_you_mean.format(command=names[0])
            if len(names) == 1
            else words.did_you_mean_either.format(first=names[0], second=names[1])
        )
        buttons = [choice.label for choice in outcome.replies[0].choices] if got else []
        ok = got == [said] and buttons == [f"/{n}" for n in names]
    elif kind == "faq":
        ok = len(got) == 1 and got[0] in {entry.answer for entry in content.faq.entries}
    elif kind == "fallback":
        ok = len(got) == 1 and got[0] in (words.cant_help_yet, content.texts.common.free_text)
    elif kind == "request":
        # As the slash command with those arguments.
        command, _, args = name.partition(":")
        twin = Chat(coach, key=ConversationKey("terminal", f"twin-{n}", f"twin-{n}"))
        await enter(twin)
        ok = got == _texts(await twin.command(command, args))
    else:  # the same words as the slash command, said in a twin conversation
        twin = Chat(coach, key=ConversationKey("terminal", f"twin-{n}", f"twin-{n}"))
        await enter(twin)
        ok = got == _texts(await twin.command(name))
    return None if ok else str(got)[:160]


@pytest.mark.parametrize("state", list(STATES))
async def test_any_step_hears_what_runners_say(coach: Coach, content: Content, state: str) -> None:
    misses = []
    for n, (text, intent) in enumerate(CASES):
        miss = await _heard(coach, content, STATES[state], n, text, intent)
        if miss is not None:
            misses.append(f"{text!r} ({intent}): got {miss}")
    accuracy = 1 - len(misses) / len(CASES)
    assert accuracy >= REQUIRED_ACCURACY, "\n".join(misses)
    assert not [m for m in misses if "didn't catch" in m]


@pytest.mark.parametrize("text", ["hi", "thanks!", "banana", "what's the weather like"])
async def test_mid_drill_the_drill_buttons_still_work(chat: Chat, text: str) -> None:
    await chat.to_first_drill()
    drill_buttons = chat.last_choices()
    await chat.say(text)
    assert not chat.outcomes[-1].replies[0].choices, "the drill's buttons stay the newest"
    assert chat.last_choices() == drill_buttons
    await chat.press("Done")
    assert "Drill 2 of 3" in chat.last_text()


async def test_a_typo_button_runs_the_command(chat: Chat) -> None:
    await _idle(chat)
    await chat.command("warmp")
    assert chat.last_text() == "Did you mean /warmup?"
    await chat.press("/warmup")
    assert chat.last_choices(), "the warm-up's first question, with its buttons"
    assert "/warmup" not in chat.last_text()
