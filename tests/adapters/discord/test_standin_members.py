"""The Discord stand-in plays a member's standing (the Manage Server bit and role ids in
the interaction, as documented) and the bot's removal from a server (GUILD_DELETE
without ``unavailable``; its channels refuse the bot afterwards)."""

from __future__ import annotations

import asyncio

import discord

from bot.core.engine import Coach
from tests.adapters.discord_harness import Recorder, make_adapter, running
from tests.standins.discord_api import DiscordStandIn
from tests.standins.discord_objects import MANAGE_GUILD, MEMBER_PERMISSIONS


def test_an_ordinary_member_cannot_manage_the_server() -> None:
    assert not int(MEMBER_PERMISSIONS) & MANAGE_GUILD
    assert discord.Permissions(MANAGE_GUILD).manage_guild


async def test_the_member_standing_reaches_the_core(api: DiscordStandIn, coach: Coach) -> None:
    admin, member = api.user("ada"), api.user("bo")
    api.set_member(admin, manage_server=True, roles=(11,))
    api.set_member(member, roles=(22, 33))
    recorder = Recorder(coach)
    async with running(make_adapter(api, coach, recorder), api):
        for user in (admin, member):
            record = await api.command(user, "club", options={"action": "run"}, in_guild=True)
            await api.wait_until(lambda r=record: bool(api.replies(r)))  # type: ignore[misc]
    standing = [(i.member.admin, i.member.roles) for i in recorder.inbound if i.member]
    assert standing == [(True, ("11",)), (False, ("22", "33"))]


async def test_removal_from_a_server_is_reported(api: DiscordStandIn, coach: Coach) -> None:
    recorder = Recorder(coach)
    async with running(make_adapter(api, coach, recorder), api):
        await api.remove_from_guild(api.guild_id)
        for _ in range(200):  # told by the adapter, not by the stand-in: poll
            if recorder.unreachable:
                break
            await asyncio.sleep(0.02)
    assert [k.chat_id for k in recorder.unreachable] == [str(api.guild_id)]
