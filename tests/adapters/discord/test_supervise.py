"""Discord under the supervisor: a refused login is tried again; a dropped gateway is resumed."""

from __future__ import annotations

from bot.core.engine import Coach
from tests.adapters.discord_harness import make_adapter, running
from tests.standins.discord_api import DiscordStandIn


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
