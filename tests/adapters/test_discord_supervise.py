"""A connection that fails is tried again with back-off; a dropped gateway is resumed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.adapters.supervise import Backoff, Supervisor
from bot.core.engine import Coach
from tests.adapters.discord_harness import make_adapter, running
from tests.standins.discord_api import DiscordStandIn


@pytest.fixture
async def api() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn() as api:
        yield api
    assert api.violations == []
    assert api.late_interactions() == []


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_failures_are_retried_with_growing_delays_until_one_lasts() -> None:
    clock = _Clock()
    outcomes = ["fail", "fail", "fail", "healthy", "fail", "forever"]
    up = asyncio.Event()

    async def connect() -> None:
        outcome = outcomes.pop(0)
        if outcome == "healthy":
            clock.now += 120  # a long, good run, then the connection ended
            return
        if outcome == "forever":
            up.set()
            await asyncio.Event().wait()
        raise ConnectionError("gateway unreachable")

    backoff = Backoff(initial=1, maximum=3, factor=2, jitter=0, healthy_after=60)
    supervisor = Supervisor("test", connect, backoff, sleep=clock.sleep, clock=clock)
    supervisor.start()
    await asyncio.wait_for(up.wait(), 1)
    assert clock.slept == [1, 2, 3, 1, 2]  # capped at 3; back to 1 after the healthy run
    assert supervisor.attempts == 6
    assert supervisor.failures == 4
    await supervisor.stop()
    assert not supervisor.running


async def test_stop_interrupts_the_wait_between_attempts() -> None:
    async def connect() -> None:
        raise ConnectionError("down")

    supervisor = Supervisor("test", connect, Backoff(initial=30, maximum=30))
    supervisor.start()
    await asyncio.sleep(0.01)
    await asyncio.wait_for(supervisor.stop(), 1)
    assert supervisor.attempts == 1


async def test_a_refused_login_is_retried_until_it_works(api: DiscordStandIn, coach: Coach) -> None:
    api.refuse_logins = 2
    async with running(make_adapter(api, coach), api) as adapter:
        record = await api.command(api.user("ann"), "help")
        await api.wait_until(lambda: bool(api.replies(record)))
        assert adapter._supervisor.failures == 2
    assert [c.status for c in api.calls("GET", "/users/@me")] == [401, 401, 200]


async def test_a_dropped_gateway_is_resumed(api: DiscordStandIn, coach: Coach) -> None:
    user = api.user("ann")
    async with running(make_adapter(api, coach), api) as adapter:
        await api.drop_gateway(code=4000)
        await api.wait_connected()
        record = await api.command(user, "help")
        await api.wait_until(lambda: bool(api.replies(record)))
        assert adapter._supervisor.failures == 0
    assert api.identifies == 1
    assert api.resumes == 1


async def test_a_gateway_that_refuses_the_session_gets_a_fresh_login(
    api: DiscordStandIn, coach: Coach
) -> None:
    user = api.user("ann")
    async with running(make_adapter(api, coach), api) as adapter:
        await api.drop_gateway(code=4004)  # "authentication failed": discord.py gives up
        await api.wait_until(lambda: adapter._supervisor.failures == 1 and api.connected)
        record = await api.command(user, "help")
        await api.wait_until(lambda: bool(api.replies(record)))
    assert api.identifies == 2
    assert len(api.calls("GET", "/users/@me")) == 2
