"""Slash commands with a box for each part: /remind's days, time and lead, /timezone's
zone with suggestions as the runner types."""

from __future__ import annotations

from typing import Any

from bot.core.engine import Coach
from bot.testing import shipped_content
from tests.adapters.discord_harness import make_adapter, newest_with, running
from tests.standins.discord_api import DiscordStandIn


def options_of(api: DiscordStandIn, name: str) -> dict[str, dict[str, Any]]:
    command = api.registered_command(name)
    assert command is not None
    return {o["name"]: o for o in command["options"]}


async def test_remind_and_timezone_show_a_box_for_each_part(
    api: DiscordStandIn, coach: Coach
) -> None:
    async with running(make_adapter(api, coach), api):
        pass
    remind = options_of(api, "remind")
    assert list(remind) == ["days", "time", "before"]
    assert remind["days"]["autocomplete"] is True
    assert [c["value"] for c in remind["before"]["choices"]] == ["15", "30", "45", "60"]
    assert options_of(api, "timezone")["zone"]["autocomplete"] is True
    tight = options_of(api, "tight")
    assert list(tight) == ["area", "side", "text"]
    areas = shipped_content().tight.vocabulary.areas
    assert [c["name"] for c in tight["area"]["choices"]] == [a.label for a in areas]
    assert [c["value"] for c in tight["side"]["choices"]] == ["left", "right", "both"]
    assert "choices" not in tight["text"]  # the runner's own words, as before


async def test_the_zone_box_suggests_cities_and_zones_as_the_runner_types(
    api: DiscordStandIn, coach: Coach
) -> None:
    user = api.user("ann")
    async with running(make_adapter(api, coach), api):
        first = await api.autocomplete(user, "timezone", "zone", "")
        madrid = await api.autocomplete(user, "timezone", "zone", "madr")
        new = await api.autocomplete(user, "timezone", "zone", "new y")
        many = await api.autocomplete(user, "timezone", "zone", "a")
        nothing = await api.autocomplete(user, "timezone", "zone", "zzqx")
    common = [z.zone for z in shipped_content().reminder_texts.common_zones]
    assert [c["value"] for c in first][: len(common)] == common
    assert [c["value"] for c in madrid] == ["Europe/Madrid"]
    assert new[0]["value"] == "America/New_York"
    assert len(many) == 25  # Discord's limit, however many zones match
    assert nothing == []


async def test_a_reminder_filled_in_box_by_box_is_set_in_one_go(
    api: DiscordStandIn, coach: Coach
) -> None:
    texts = shipped_content()
    user = api.user("ann")
    async with running(make_adapter(api, coach), api):
        days = await api.autocomplete(user, "remind", "days", "mon w")
        zone = await api.command(user, "timezone", options={"zone": "Europe/Madrid"})
        note = await newest_with(api, zone, texts.texts.start.accept)
        accepted = await api.press(user, note, texts.texts.start.accept)
        await api.wait_until(
            lambda: any("Europe/Madrid" in m.content for m in api.replies(accepted))
        )
        record = await api.command(
            user, "remind", options={"days": "mon wed fri", "time": "06:30", "before": "45"}
        )
        await api.wait_until(lambda: bool(api.replies(record)))
    [saved] = api.replies(record)
    assert days[0]["value"] == "mon w"  # what they typed comes first: any days work
    assert "mon wed fri" in [c["value"] for c in days]
    assert saved.content.startswith("Done! I'll remind you Mon Wed Fri, 45 minutes before")
    assert "06:30" in saved.content


async def test_a_tight_spot_picked_from_the_boxes_gets_its_plan_at_once(
    api: DiscordStandIn, coach: Coach
) -> None:
    texts = shipped_content()
    user = api.user("ann")
    async with running(make_adapter(api, coach), api):
        note = await api.command(user, "start")
        shown = await newest_with(api, note, texts.texts.start.accept)
        accepted = await api.press(user, shown, texts.texts.start.accept)
        await api.wait_until(lambda: bool(api.replies(accepted)))
        record = await api.command(
            user, "tight", options={"area": "glute", "side": "left", "text": "knotted, 4/10"}
        )
        await api.wait_until(lambda: bool(api.replies(record)))
    [plan] = api.replies(record)
    assert "Rolling plan: left glute (tight, 4/10)" in plan.content
    assert "• Left glute:" in plan.content
