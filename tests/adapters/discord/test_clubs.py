"""Club runs on the real discord.py against the Discord stand-in: /club with structured
options, set only by members who manage the server (or hold the named role), the
channel's one message and its "Warm up with me" button, each member's warm-up shown to
them alone, and a club that pauses when the coach is removed from the server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from bot.adapters.discord.adapter import DiscordAdapter
from bot.app import build_dispatcher
from bot.core.engine import Coach
from bot.features.clubs.models import Club
from bot.testing import FakeClock, sessions_of, shipped_content
from tests.adapters.discord_harness import Recorder, make_adapter, newest_with, running
from tests.standins.discord_api import DiscordStandIn, InteractionRecord
from tests.standins.discord_objects import DcUser

RUN = {"action": "run", "days": "sat", "time": "08:00", "zone": "Europe/London", "minutes": "30"}
FRIDAY = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
INVITE_AT = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)


async def answer_to(api: DiscordStandIn, record: InteractionRecord) -> str:
    await api.wait_until(lambda: bool(api.replies(record)))
    return "\n".join(m.content for m in api.replies(record))


async def club(api: DiscordStandIn, user: DcUser, options: dict[str, str]) -> str:
    return await answer_to(api, await api.command(user, "club", options=options, in_guild=True))


async def post_due(coach: Coach, adapter: DiscordAdapter) -> None:
    dispatcher = build_dispatcher(
        sessions_of(coach), shipped_content(), [adapter], coach.clock, buttons=coach.buttons
    )
    await dispatcher.run_once()


async def test_only_members_who_manage_the_server_or_hold_the_role_set_runs(
    api: DiscordStandIn, coach: Coach
) -> None:
    admin, member = api.user("ada"), api.user("bo")
    api.set_member(admin, manage_server=True)
    api.set_member(member, roles=(777,))
    async with running(make_adapter(api, coach), api):
        assert "Manage Server" in await club(api, member, RUN)
        assert "Club run saved" in await club(api, admin, RUN)
        said = await club(api, admin, {"action": "role", "value": "<@&777>"})
        assert "can now set club runs" in said
        assert "Club run saved" in await club(api, member, {**RUN, "days": "tue"})


async def test_a_club_run_in_a_server_channel(
    api: DiscordStandIn, coach: Coach, clock: FakeClock
) -> None:
    admin, runner = api.user("ada"), api.user("cy")
    api.set_member(admin, manage_server=True)
    api.set_member(runner)
    clock.current = FRIDAY
    adapter = make_adapter(api, coach)
    async with running(adapter, api):
        await club(api, admin, RUN)
        clock.current = INVITE_AT
        await post_due(coach, adapter)
        posted = [m for m in api.from_bot(api.channel) if "Warm up with me" in m.labels()]
        assert len(posted) == 1
        assert posted[0].visible_to is None  # the whole channel sees it
        record = await api.press(runner, posted[0], "Warm up with me")
        mine = await newest_with(api, record, "Start warm-up")
        assert mine.visible_to == runner.id  # shown to the runner alone
        start = await api.press(runner, mine, "Start warm-up")
        await api.wait_until(lambda: bool(api.replies(start)))
        assert all(m.visible_to == runner.id for m in api.replies(start))
        # The channel's message keeps its button for everyone else.
        assert "Warm up with me" in api.messages[posted[0].id].labels()


async def test_removed_from_the_server_before_the_run_nothing_is_posted(
    api: DiscordStandIn, coach: Coach, clock: FakeClock
) -> None:
    admin = api.user("ada")
    api.set_member(admin, manage_server=True)
    clock.current = FRIDAY
    recorder = Recorder(coach)
    adapter = make_adapter(api, coach, recorder)
    async with running(adapter, api):
        await club(api, admin, RUN)
        await api.remove_from_guild(api.guild_id)
        for _ in range(200):
            async with sessions_of(coach)() as session:
                status = await session.scalar(select(Club.status))
            if status == "paused":
                break
            await asyncio.sleep(0.02)
        assert status == "paused"
        clock.current = INVITE_AT
        before = len(api.requests)
        await post_due(coach, adapter)
        assert not [r for r in api.requests[before:] if r.method == "POST"]
