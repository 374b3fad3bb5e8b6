"""A tight spot on Telegram and Discord, through the stand-ins: the plan at once, the log's
buttons under it (within each platform's limits), a correction typed, More detail."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.engine import Coach
from bot.testing import shipped_content
from tests.adapters.discord_harness import make_adapter, newest_with, running
from tests.adapters.telegram_harness import (
    FAST_FLOOD,
    assert_clean,
    button_labels,
    running_bot,
    sent_message,
    step,
)
from tests.standins.discord_api import DiscordStandIn
from tests.standins.telegram_api import TelegramStandIn


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn(rate_limits=FAST_FLOOD) as api:
        yield api


@pytest.fixture
async def discord() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn() as api:
        yield api
    assert api.violations == []
    assert api.late_interactions() == []


async def test_a_tight_spot_on_telegram(
    telegram: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    api = telegram
    words = shipped_content().tight.words.tight
    runner = api.user("Ann")
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        api.send_command(chat, runner, "start")
        await api.wait_for(sent_message(chat, buttons=True))
        await step(api, chat, runner, "I understand", "Thanks!")

        mark = api.mark()
        api.send_command(chat, runner, "tight", "tight quads")
        plan = await api.wait_for(sent_message(chat, containing="Rolling plan"), since=mark)
        assert button_labels(plan) == [
            "Left",
            "Right",
            "Both",
            "Skip",
            "More detail",
            "Count me through: quad",
        ]

        strength = await step(api, chat, runner, "Left", words.log_strength)
        assert button_labels(strength)[:10] == [str(n) for n in range(1, 11)]
        assert len(strength.json("reply_markup")["inline_keyboard"]) <= 3

        saved = await step(api, chat, runner, "6", words.saved)
        assert "left quad (tight, 6/10)" in saved.params["text"]

        mark = api.mark()
        api.send_text(chat, runner, "no, both sides")
        fixed = await api.wait_for(sent_message(chat, containing="both quads"), since=mark)
        assert words.updated.split("{")[0] in fixed.params["text"]

        await step(api, chat, runner, "More detail", "Where this comes from")
    assert_clean(api)


async def test_a_tight_spot_on_discord(discord: DiscordStandIn, coach: Coach) -> None:
    api = discord
    texts = shipped_content().texts
    words = shipped_content().tight.words.tight
    user = api.user("ann")
    async with running(make_adapter(api, coach), api):
        record = await api.command(user, "start")
        note = await newest_with(api, record, texts.start.accept)
        await api.press(user, note, texts.start.accept)

        record = await api.command(user, "tight", "IT band on my left leg is angry")
        question = await newest_with(api, record, "4")
        assert words.ask_strength in question.content
        record = await api.press(user, question, "4")
        plan = await newest_with(api, record, words.buttons.more_detail)
        assert "Rolling plan: left outer thigh (painful, 4/10)" in plan.content
        assert len(plan.content) <= 1200

        record = await api.press(user, plan, words.buttons.more_detail)
        await api.wait_until(
            lambda: any(words.detail_sources in m.content for m in api.replies(record))
        )


async def test_a_tight_spot_in_a_server_is_seen_by_the_runner_alone(
    discord: DiscordStandIn, coach: Coach
) -> None:
    api = discord
    texts = shipped_content().texts
    words = shipped_content().tight.words.tight
    ann, bo = api.user("ann"), api.user("bo")
    async with running(make_adapter(api, coach), api):
        record = await api.command(ann, "start", in_guild=True)
        note = await newest_with(api, record, texts.start.accept)
        await api.press(ann, note, texts.start.accept)
        record = await api.command(ann, "tight", "left glute hurts, 6/10", in_guild=True)
        plan = await newest_with(api, record, words.buttons.more_detail)
    assert "left glute (painful, 6/10)" in plan.content
    assert plan.ephemeral
    # The club sees nothing of it.
    assert not any("glute" in m.content for m in api.in_channel(api.channel, seen_by=bo))
