"""Slash commands on Discord: made from the core's list, synced only when that list changes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.engine import Coach
from bot.core.messages import Command
from bot.core.ports import CommandSpec
from bot.testing import shipped_content
from tests.adapters.discord_harness import Recorder, make_adapter, running
from tests.standins.discord_api import DiscordStandIn


def _registered(api: DiscordStandIn, scope: int | None = None) -> dict[str, str]:
    return {c["name"]: c["description"] for c in api.commands.get(scope, [])}


async def test_commands_are_the_cores_and_sync_once(api: DiscordStandIn, coach: Coach) -> None:
    async with running(make_adapter(api, coach), api):
        pass
    assert api.command_syncs == [None]
    assert _registered(api) == {spec.name: spec.description for spec in coach.commands()}

    # A restart with the same commands leaves Discord alone.
    async with running(make_adapter(api, coach), api):
        user = api.user("ann")
        record = await api.command(user, "help")
        await api.wait_until(lambda: bool(api.replies(record)))
    assert api.command_syncs == [None]
    assert api.identifies == 2
    assert shipped_content().texts.help.title in api.replies(record)[0].content


async def test_a_changed_command_list_is_synced_again(api: DiscordStandIn, coach: Coach) -> None:
    async with running(make_adapter(api, coach), api):
        pass
    extra = CommandSpec("stretch", "A command this version adds", takes_text=False)
    async with running(make_adapter(api, coach, commands=[*coach.commands(), extra]), api):
        pass
    assert api.command_syncs == [None, None]
    assert _registered(api)["stretch"] == "A command this version adds"


async def test_a_development_server_gets_the_commands_at_once(
    api: DiscordStandIn, coach: Coach
) -> None:
    async with running(make_adapter(api, coach, guild_id=api.guild_id), api):
        user = api.user("ann")
        record = await api.command(user, "help", in_guild=True)
        await api.wait_until(lambda: bool(api.replies(record)))
    assert api.command_syncs == [api.guild_id]
    assert set(_registered(api, api.guild_id)) == {spec.name for spec in coach.commands()}
    assert api.commands.get(None) is None


async def test_a_command_that_takes_text_passes_it_to_the_core(
    api: DiscordStandIn, coach: Coach
) -> None:
    recorder = Recorder(coach)
    # Every shipped command that takes words has boxes of its own now; one box is what
    # any other gets.
    spec = CommandSpec("stretch", "Stretch what you name", takes_text=True)
    user = api.user("ann")
    adapter = make_adapter(api, coach, recorder, commands=[*coach.commands(), spec])
    async with running(adapter, api):
        [registered] = [c for c in api.commands[None] if c["name"] == spec.name]
        option = shipped_content().discord_texts.text_option
        assert registered["options"] == [
            {
                "type": 3,
                "name": option.name,
                "description": option.per_command.get(spec.name, option.description),
                "required": False,
            }
        ]
        plain = [c for c in api.commands[None] if c["name"] == "warmup"]
        assert plain[0]["options"] == []
        record = await api.command(user, spec.name, text="left glute knotted, outer thigh tight")
        await api.wait_until(lambda: bool(api.replies(record)))
    assert recorder.inbound[-1].event == Command(spec.name, "left glute knotted, outer thigh tight")
    assert recorder.inbound[-1].is_private


def test_a_command_listed_twice_is_refused_before_login(coach: Coach) -> None:
    from bot.adapters.discord.commands import build_commands

    twice = [*coach.commands(), coach.commands()[0]]
    with pytest.raises(ValueError, match="listed twice"):
        build_commands(twice, shipped_content().discord_texts.text_option, _never)


async def test_a_command_discord_still_shows_but_the_bot_dropped_is_answered(
    api: DiscordStandIn, coach: Coach
) -> None:
    old = CommandSpec("stretch", "Gone in the next version")
    async with running(make_adapter(api, coach, commands=[*coach.commands(), old]), api):
        pass
    # The next version no longer has /stretch, and its sync fails (Discord has a bad day),
    # so Discord keeps offering /stretch to users.
    api.fail_next("PUT", "/applications/{application_id}/commands", status=403)
    user = api.user("ann")
    async with running(make_adapter(api, coach), api):
        record = await api.command(user, "stretch")
        await api.wait_until(lambda: bool(api.replies(record)))
    unknown = shipped_content().texts.common.unknown_command.format(command="stretch")
    assert api.replies(record)[0].content == unknown


def test_descriptions_over_discords_limit_are_shortened(coach: Coach) -> None:
    from bot.adapters.discord.commands import build_commands

    spec = replace(coach.commands()[0], description="word " * 40)
    [command] = build_commands([spec], shipped_content().discord_texts.text_option, _never)
    assert len(command.description) == 100
    assert command.description.endswith("…")


async def _never(*_: object) -> None:
    raise AssertionError("not called")
