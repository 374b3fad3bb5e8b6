"""Every kind of question takes a typed answer: its number, a button's label (typos and
any case allowed) or an everyday word; tests/understanding/typed_answers.yaml is the table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import yaml

from bot.testing import Chat

ROWS = yaml.safe_load(Path(__file__).with_name("typed_answers.yaml").read_text(encoding="utf-8"))


async def _ready(chat: Chat, zone: str | None = "Europe/London") -> None:
    await chat.command("start")
    await chat.press("I understand")
    if zone is not None:
        await chat.command("timezone", zone)


async def _soreness(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("warmup")


async def _sharp(chat: Chat) -> None:
    await _soreness(chat)
    await chat.press("Loose 😊")


async def _drill(chat: Chat) -> None:
    await _sharp(chat)
    await chat.press("No, just stiff or fine")


async def _hurt(chat: Chat) -> None:
    await _drill(chat)
    await chat.press("That hurt")


async def _hurt_offer(chat: Chat) -> None:
    await _hurt(chat)
    await chat.press("Just uncomfortable")


async def _intensity(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("tight", "left glute tight")


async def _side(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("tight", "glute tight 4/10")


async def _time(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("remind")
    await chat.say("mon")


async def _lead(chat: Chat) -> None:
    await _time(chat)
    await chat.say("07:00")


async def _zone(chat: Chat) -> None:
    await _ready(chat, None)
    await chat.command("timezone")


async def _zone_proposed(chat: Chat) -> None:
    await _zone(chat)
    await chat.say("Londn")  # "Did you mean one of these?" Europe/London first


async def _zone_set(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("timezone")  # "Your time zone is Europe/London", then the question


async def _feeling(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("ran")


async def _where(chat: Chat) -> None:
    await _feeling(chat)
    await chat.press("Tight")


async def _confirm(chat: Chat) -> None:
    await _lead(chat)
    await chat.say("30")  # "Remind you Mon, 30 minutes before your 07:00 run?"


async def _forget(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("forget")


async def _roll(chat: Chat) -> None:
    await _ready(chat)
    await chat.command("roll")  # no count and no gentle version for a rolling area


QUESTIONS: dict[str, Callable[[Chat], Awaitable[None]]] = {
    "soreness": _soreness,
    "sharp": _sharp,
    "drill": _drill,
    "hurt": _hurt,
    "hurt_offer": _hurt_offer,
    "intensity": _intensity,
    "side": _side,
    "time": _time,
    "lead": _lead,
    "zone": _zone,
    "zone_proposed": _zone_proposed,
    "zone_set": _zone_set,
    "feeling": _feeling,
    "roll": _roll,
    "confirm": _confirm,
    "confirm_time": _confirm,
    "forget": _forget,
    "where": _where,
}


def test_the_table_covers_every_kind_of_question() -> None:
    assert {row["at"] for row in ROWS} == set(QUESTIONS)
    assert len(ROWS) >= 50


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row['at']}:{row['text']}")
async def test_a_typed_answer_is_taken(chat: Chat, row: dict[str, str]) -> None:
    await QUESTIONS[row["at"]](chat)
    outcome = await chat.say(row["text"])
    if row["at"] == "soreness":  # the soreness shows in the reason, after "nothing sharp"
        assert "anything sharp" in chat.last_text()
        outcome = await chat.press("No, just stiff or fine")
    said = "\n".join(reply.text for reply in outcome.replies)
    assert row["then"] in said
    if "I can't help with that" not in row["then"]:
        assert "I can't help with that" not in said
