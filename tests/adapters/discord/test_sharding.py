"""Gateway sharding: each server's events reach the worker running its shard, every shard
is served exactly once, and only one worker syncs the commands."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from bot.adapters.discord.adapter import DiscordConfig
from bot.config import SettingsError, load_settings
from bot.core.engine import Coach
from bot.testing import shipped_content
from tests.adapters.discord_harness import Recorder, make_adapter
from tests.standins.discord_api import DiscordStandIn

HELP = shipped_content().texts.help.title


@pytest.fixture
async def api() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(shard_count=2) as api:
        # discord.py waits Discord's 5 s between one process's IDENTIFYs, shard by shard.
        api.patience = 20.0
        yield api
    assert api.violations == []
    assert api.late_interactions() == []


async def test_one_worker_running_every_shard_answers_in_servers_on_each(
    api: DiscordStandIn, coach: Coach
) -> None:
    second = api.add_guild("trail runners", shard=1)
    assert (api.shard_of(api.channel), api.shard_of(second)) == (0, 1)
    adapter = make_adapter(api, coach, shard_count=2)
    await adapter.start()
    try:
        await api.wait_connected()
        assert api.shard_sessions == {0: 1, 1: 1}
        await asyncio.wait_for(adapter.wait_connected(), api.patience)
        records = [
            await api.command(api.user(), "help", channel=channel)
            for channel in (api.channel, second)
        ]
        await api.wait_until(lambda: all(api.replies(r) for r in records))
        assert all(HELP in api.replies(r)[0].content for r in records)
    finally:
        await adapter.stop()


async def test_two_workers_split_the_shards_and_only_one_syncs_commands(
    api: DiscordStandIn, coach: Coach
) -> None:
    second = api.add_guild("trail runners", shard=1)
    zero, one = Recorder(coach), Recorder(coach)
    workers = [
        make_adapter(api, coach, zero, shard_count=2, shard_ids=(0,)),
        make_adapter(api, coach, one, shard_count=2, shard_ids=(1,)),
    ]
    async with contextlib.AsyncExitStack() as stack:
        for worker in workers:
            await worker.start()
            stack.push_async_callback(worker.stop)
        await api.wait_connected()
        assert api.shard_sessions == {0: 1, 1: 1}
        ann, bo, cy = api.user("ann"), api.user("bo"), api.user("cy")
        in_first = await api.command(ann, "help", channel=api.channel)
        in_second = await api.command(bo, "help", channel=second)
        in_dm = await api.command(cy, "help")
        await api.wait_until(lambda: all(api.replies(r) for r in (in_first, in_second, in_dm)))
    assert [i.key.user_id for i in zero.inbound] == [str(ann.id), str(cy.id)]
    assert [i.key.user_id for i in one.inbound] == [str(bo.id)]
    assert api.command_syncs == [None]  # the shard-0 worker's, once


async def test_a_worker_is_connected_only_while_all_its_shards_are(
    api: DiscordStandIn, coach: Coach
) -> None:
    api.add_guild("trail runners", shard=1)
    adapter = make_adapter(api, coach, shard_count=2)
    await adapter.start()
    try:
        await asyncio.wait_for(adapter.wait_connected(), api.patience)
        api.hold_resumes = True
        await api.drop_gateway(4000, shard=1)
        await api.wait_until(lambda: api.held_resumes == 1)  # shard 1 asks to resume
        assert not adapter.connected  # shard 0 is up, but a server on shard 1 is not served
        await api.release_resumes()
        await asyncio.wait_for(adapter.wait_connected(), api.patience)
        assert api.resumes == 1
        assert api.identifies == 2  # shard 0 kept its session throughout
    finally:
        await adapter.stop()


@pytest.mark.parametrize(("count", "ids"), [(2, (2,)), (1, (0, 1)), (None, (0,)), (3, ())])
def test_shard_ids_outside_the_count_are_refused(count: int | None, ids: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="shard"):
        DiscordConfig(token="t", shard_count=count, shard_ids=ids)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0,2"}, "DISCORD_SHARD_IDS"),
        ({"DISCORD_SHARD_IDS": "1"}, "DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "one"}, "DISCORD_SHARD_IDS"),
        ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT"),
    ],
)
def test_bad_shard_settings_name_the_setting(
    env: dict[str, str], named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_shard_ids_are_read_as_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "4")
    monkeypatch.setenv("DISCORD_SHARD_IDS", " 3, 1 ,1")
    assert load_settings().shard_ids == (1, 3)
