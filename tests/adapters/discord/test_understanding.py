"""What runners type and press on Discord, through discord.py and the stand-in: a red flag
answered for the country of the client's locale, numbers at number questions, a stray
digit at a drill, and the That hurt button."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.engine import Coach
from bot.features.warmup.models import WarmupSession
from bot.testing import sessions_of, shipped_content
from tests.adapters.discord_harness import make_adapter, newest_with, press_through, running
from tests.standins.discord_api import DiscordStandIn
from tests.standins.discord_objects import DcUser, StoredMessage

RED_FLAG = "fell on a trail run and now I can't put weight on my left leg"


async def _accept(api: DiscordStandIn, user: DcUser, command: str = "start") -> StoredMessage:
    texts = shipped_content().texts
    record = await api.command(user, command)
    disclaimer = await newest_with(api, record, texts.start.accept)
    press = await api.press(user, disclaimer, texts.start.accept)
    await api.wait_until(lambda: bool(api.replies(press)))
    return api.replies(press)[-1]


async def _first_drill(api: DiscordStandIn, user: DcUser) -> StoredMessage:
    texts = shipped_content().texts
    record = await api.command(user, "warmup")
    disclaimer = await newest_with(api, record, texts.start.accept)
    soreness = await press_through(api, user, disclaimer, texts.start.accept, "Sore")
    sharp = await press_through(api, user, soreness, "Sore", texts.warmup.sharp_no)
    return await press_through(api, user, sharp, texts.warmup.sharp_no, texts.warmup.done)


async def _typed(api: DiscordStandIn, user: DcUser, text: str) -> StoredMessage:
    """The user types ``text`` in their DM; the bot's next message there."""
    before = len(api.from_bot(api.dm_channel(user), seen_by=user))
    await api.send_dm(user, text)
    await api.wait_until(lambda: len(api.from_bot(api.dm_channel(user), seen_by=user)) > before)
    return api.from_bot(api.dm_channel(user), seen_by=user)[before]


async def _statuses(coach: Coach) -> list[str]:
    async with sessions_of(coach)() as session:
        return [s.status for s in await session.scalars(select(WarmupSession))]


@pytest.mark.parametrize(
    ("locale", "number", "not_there"),
    [("en-CA", "911", "999"), ("en-GB", "999", "911")],
)
@pytest.mark.parametrize("in_guild", [False, True], ids=["dm", "server"])
async def test_a_red_flag_names_the_number_of_the_clients_country(
    api: DiscordStandIn, coach: Coach, locale: str, number: str, not_there: str, in_guild: bool
) -> None:
    """No time zone set: the locale Discord sends with the interaction decides."""
    user = api.user("ann", locale=locale)
    async with running(make_adapter(api, coach), api):
        await _accept(api, user)
        record = await api.command(user, "tight", RED_FLAG, in_guild=in_guild)
        await api.wait_until(lambda: any("Stop here" in m.content for m in api.replies(record)))
    [advice] = [m for m in api.replies(record) if "Stop here" in m.content]
    assert number in advice.content
    assert not_there not in advice.content
    assert "NHS" not in advice.content or locale == "en-GB"
    assert advice.components == []
    if in_guild:  # health advice in a server is for the runner's eyes only
        assert advice.ephemeral
        assert advice.visible_to == user.id


async def test_a_typed_number_at_how_strong_is_that_strength(
    api: DiscordStandIn, coach: Coach
) -> None:
    user = api.user("ann")
    async with running(make_adapter(api, coach), api):
        await _accept(api, user)
        record = await api.command(user, "tight", "left glute tight")
        plan = await newest_with(api, record, "10")  # the plan first; how strong, for the log
        logged = await _typed(api, user, "2")
    assert "Rolling plan: left glute" in plan.content
    assert "left glute (tight, 2/10)" in logged.content


async def test_a_stray_digit_at_a_drill_stops_nothing(api: DiscordStandIn, coach: Coach) -> None:
    texts = shipped_content().texts
    user = api.user("ann")
    async with running(make_adapter(api, coach), api):
        drill = await _first_drill(api, user)
        answer = await _typed(api, user, "3")
        assert answer.components == []
        assert texts.warmup.stop in drill.labels()  # still live: nothing was pressed
        await press_through(api, user, drill, texts.warmup.done, texts.warmup.done)
    assert await _statuses(coach) == ["in_progress"]


async def test_that_hurt_then_sharp_stops_the_warm_up_for_pain(
    api: DiscordStandIn, coach: Coach
) -> None:
    warmup = shipped_content().texts.warmup
    user = api.user("ann", locale="en-CA")
    async with running(make_adapter(api, coach), api):
        drill = await _first_drill(api, user)
        question = await press_through(api, user, drill, warmup.hurt, warmup.hurt_sharp)
        press = await api.press(user, question, warmup.hurt_sharp)
        await api.wait_until(lambda: any("Sharp pain" in m.content for m in api.replies(press)))
    assert question.content.startswith(warmup.hurt_question)
    assert question.components == []  # answered: it shows the choice and no buttons
    assert f"» {warmup.hurt_sharp}" in question.content
    said = [m.content for m in api.replies(press)]
    assert any(c.startswith("Warm-up stopped") for c in said)
    [advice] = [c for c in said if "Sharp pain" in c]
    assert "911" in advice
    assert await _statuses(coach) == ["stopped"]


async def test_that_hurt_then_uncomfortable_offers_a_gentler_way(
    api: DiscordStandIn, coach: Coach
) -> None:
    warmup = shipped_content().texts.warmup
    user = api.user("ann")
    async with running(make_adapter(api, coach), api):
        drill = await _first_drill(api, user)
        question = await press_through(api, user, drill, warmup.hurt, warmup.hurt_uncomfortable)
        offer = await press_through(
            api, user, question, warmup.hurt_uncomfortable, warmup.gentle_version
        )
        assert offer.labels() == [warmup.gentle_version, warmup.skip]
        gentle = await press_through(api, user, offer, warmup.gentle_version, warmup.done)
    assert gentle.content.startswith("Drill 1 of 3")
    assert await _statuses(coach) == ["in_progress"]


@pytest.mark.parametrize(("locale", "number"), [("en-CA", "911"), ("en-GB", "999")])
async def test_a_red_flag_typed_in_a_dm_goes_by_the_clients_locale(
    api: DiscordStandIn, coach: Coach, locale: str, number: str
) -> None:
    """A DM message carries no locale; the one the runner's commands and presses sent does."""
    user = api.user("ann", locale=locale)
    async with running(make_adapter(api, coach), api):
        await _accept(api, user)
        await api.send_dm(user, RED_FLAG)

        def advice() -> list[StoredMessage]:
            dm = api.from_bot(api.dm_channel(user), seen_by=user)
            return [m for m in dm if m.content.startswith("Stop here")]

        await api.wait_until(lambda: bool(advice()))
    [said] = advice()
    assert number in said.content
