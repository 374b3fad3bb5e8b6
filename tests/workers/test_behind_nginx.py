"""Two workers behind nginx on one PostgreSQL: warm-ups for many chats, start-up once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.standins.telegram_api import TelegramStandIn
from tests.workers.cluster import Telegram, running_cluster
from tests.workers.runners import Runner

CHATS = 8


async def test_two_workers_serve_many_warm_ups_and_set_up_the_bot_once(
    nginx: str, pg_url: str, api: TelegramStandIn, workdir: Path
) -> None:
    async with (
        running_cluster(api, pg_url, workdir, count=2) as cluster,
        Telegram(cluster.nginx.url) as telegram,
    ):
        runners = [Runner.new(api, telegram) for _ in range(CHATS)]
        async with asyncio.timeout(180):
            await asyncio.gather(*(runner.warm_up() for runner in runners))
        handled = [await w.metric("hipcoach_updates_total") for w in cluster.workers]
    # Both worked, and every runner finished, with no apology.
    assert all(count > 0 for count in handled), handled
    for runner in runners:
        shown = runner.shown()
        assert any("Nice work" in text for text in shown), shown
        assert not any("went wrong" in text for text in shown), shown
    # Two workers started at once; the bot was set up by one of them.
    assert len(api.calls_since(0, "setWebhook")) == 1
    assert len(api.calls_since(0, "setMyCommands")) == 1
    assert api.violations == []
    # Each runner saw each step's replies once: the summary once.
    for runner in runners:
        shown = runner.shown()
        assert sum("Nice work" in text for text in shown) == 1, shown
    assert telegram.reposted() == []
