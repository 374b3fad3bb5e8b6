"""What runners type and press on Telegram, through python-telegram-bot and the stand-in:
numbers at number questions, a stray digit at a drill, a red flag answered for the
country the app's language names, and the That hurt button."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.engine import Coach
from bot.features.warmup.models import CheckIn, WarmupSession
from bot.testing import shipped_content
from tests.adapters.telegram_harness import (
    assert_clean,
    button_labels,
    running_bot,
    sent_message,
    step,
)
from tests.standins.telegram_api import Call, TelegramStandIn, TgChat, TgUser

RED_FLAG = "fell on a trail run and now I can't put weight on my left leg"


async def _say(api: TelegramStandIn, chat: TgChat, runner: TgUser, text: str, expect: str) -> Call:
    mark = api.mark()
    api.send_text(chat, runner, text)
    return await api.wait_for(sent_message(chat, containing=expect), since=mark)


async def _accept(api: TelegramStandIn, chat: TgChat, runner: TgUser) -> None:
    api.send_command(chat, runner, "start")
    await api.wait_for(sent_message(chat, buttons=True))
    await step(api, chat, runner, "I understand", "Thanks!")


async def _first_drill(api: TelegramStandIn, chat: TgChat, runner: TgUser) -> Call:
    await _accept(api, chat, runner)
    await _say(api, chat, runner, "/warmup", "how do your hips feel")
    await step(api, chat, runner, "A bit stiff", "anything sharp")
    return await step(api, chat, runner, "No, just stiff or fine", "Drill 1 of 3")


async def _one(sessions: async_sessionmaker[AsyncSession], model: type[CheckIn]) -> CheckIn:
    async with sessions() as session:
        [row] = list(await session.scalars(select(model)))
        return row


async def _statuses(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return [s.status for s in await session.scalars(select(WarmupSession))]


async def test_a_typed_number_at_the_soreness_check_is_that_soreness(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user("Ann")
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        await _accept(api, chat, runner)
        await _say(api, chat, runner, "/warmup", "how do your hips feel")
        sharp = await _say(api, chat, runner, "3", "anything sharp")
        await step(api, chat, runner, "No, just stiff or fine", "only 3/10 sore")
    assert button_labels(sharp) == ["Yes, something's sharp", "No, just stiff or fine"]
    assert (await _one(sessions, CheckIn)).soreness == 3
    assert_clean(api)


async def test_a_typed_number_at_how_strong_is_that_strength(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user("Ann")
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        await _accept(api, chat, runner)
        await _say(api, chat, runner, "/tight left glute hurts", "How much does it hurt")
        plan = await _say(api, chat, runner, "2", "Rolling plan")
    assert "left glute (painful, 2/10)" in plan.params["text"]
    assert_clean(api)


async def test_a_stray_digit_at_a_drill_stops_nothing(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user("Ann")
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        drill = await _first_drill(api, chat, runner)
        # "3" is where Stop sits, but Telegram shows no numbers: it presses nothing.
        answer = await _say(api, chat, runner, "3", "/warmup")
        assert "reply_markup" not in answer.params
        await step(api, chat, runner, "Done", "Drill 2 of 3")
    assert button_labels(drill) == ["Done", "Skip", "Stop", "That hurt", "Count me through"]
    assert await _statuses(sessions) == ["in_progress"]
    assert_clean(api)


@pytest.mark.parametrize(
    ("language", "number", "not_there"),
    [("en-CA", "911", "999"), ("en-GB", "999", "911"), ("de-DE", "112", "911")],
)
async def test_a_red_flag_names_the_number_of_the_apps_country(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    language: str,
    number: str,
    not_there: str,
) -> None:
    """No time zone set: the language Telegram reports for the user's app decides."""
    runner = api.user("Ann", language_code=language)
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        await _accept(api, chat, runner)
        advice = await _say(api, chat, runner, RED_FLAG, "Stop here")
    text = advice.params["text"]
    assert number in text
    assert not_there not in text
    assert "your local emergency number" not in text
    assert_clean(api)


async def test_that_hurt_then_sharp_stops_the_warm_up_for_pain(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    warmup = shipped_content().texts.warmup
    runner = api.user("Ann", language_code="en-CA")
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        await _first_drill(api, chat, runner)
        question = await step(api, chat, runner, warmup.hurt, warmup.hurt_question)
        mark = api.mark()
        await step(api, chat, runner, warmup.hurt_sharp, "Warm-up stopped")
        advice = await api.wait_for(sent_message(chat, containing="Sharp pain"), since=mark)
    assert button_labels(question) == [warmup.hurt_sharp, warmup.hurt_uncomfortable]
    assert "911" in advice.params["text"]
    assert "reply_markup" not in advice.params
    assert await _statuses(sessions) == ["stopped"]
    assert_clean(api)


async def test_that_hurt_then_uncomfortable_offers_a_gentler_way(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    warmup = shipped_content().texts.warmup
    runner = api.user("Ann")
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        await _first_drill(api, chat, runner)
        await step(api, chat, runner, warmup.hurt, warmup.hurt_question)
        offer = await step(api, chat, runner, warmup.hurt_uncomfortable, warmup.hurt_offer)
        gentle = await step(api, chat, runner, warmup.gentle_version, "Drill 1 of 3")
    assert button_labels(offer) == [warmup.gentle_version, warmup.skip]
    assert button_labels(gentle) == ["Done", "Skip", "Stop", "That hurt", "Count me through"]
    assert await _statuses(sessions) == ["in_progress"]
    assert_clean(api)
