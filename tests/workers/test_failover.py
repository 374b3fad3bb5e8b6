"""A worker killed with SIGKILL, and a rolling restart: runners carry on, nothing lost."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.standins.telegram_api import TelegramStandIn
from tests.workers.cluster import Telegram, running_cluster
from tests.workers.runners import Runner, tokens_shown

APOLOGY = "went wrong"


async def test_a_worker_killed_mid_conversation_leaves_the_runners_on_the_other(
    nginx: str, pg_url: str, api: TelegramStandIn, workdir: Path
) -> None:
    async with (
        running_cluster(api, pg_url, workdir, count=2) as cluster,
        Telegram(cluster.nginx.url) as telegram,
    ):
        runners = [Runner.new(api, telegram) for _ in range(4)]
        victim = cluster.workers[0]

        async def kill_midway() -> None:
            while sum(len(r.latencies) for r in runners) < 3 * len(runners):
                await asyncio.sleep(0.02)
            victim.kill()

        async with asyncio.timeout(180):
            await asyncio.gather(kill_midway(), *(runner.warm_up() for runner in runners))
        code = await victim.wait()
        survivor = await cluster.workers[1].metric("hipcoach_updates_total")
    assert code == -signal.SIGKILL
    assert survivor > 0
    for runner in runners:
        shown = runner.shown()
        assert sum("Nice work" in text for text in shown) == 1, shown
        assert not any(APOLOGY in text for text in shown), shown


async def test_a_rolling_restart_loses_nothing_and_shows_no_error(
    nginx: str, pg_url: str, api: TelegramStandIn, workdir: Path
) -> None:
    async with (
        running_cluster(api, pg_url, workdir, count=2) as cluster,
        Telegram(cluster.nginx.url) as telegram,
    ):
        runners = [Runner.new(api, telegram) for _ in range(4)]
        restarted = asyncio.Event()
        typed: dict[int, list[str]] = {n: [] for n in range(len(runners))}

        async def keep_typing(n: int, runner: Runner) -> None:
            count = 0
            while not restarted.is_set() or count < 3:
                token = f"x{n}n{count}"
                typed[n].append(token)
                await runner.say(f"/{token}", token)
                count += 1

        codes = []

        async def roll() -> None:
            # One at a time, each back in the balancer's rotation (it has handled an
            # update through nginx) before the next one stops.
            for worker in cluster.workers:
                codes.append(await worker.terminate())
                await worker.start()
                await worker.ready()
                async with asyncio.timeout(30):
                    while await worker.metric("hipcoach_updates_total") == 0:
                        await asyncio.sleep(0.1)
            restarted.set()

        async with asyncio.timeout(240):
            await asyncio.gather(roll(), *(keep_typing(n, r) for n, r in enumerate(runners)))
    assert codes == [0, 0]
    for n, runner in enumerate(runners):
        assert tokens_shown(runner) == typed[n]
        assert not any(APOLOGY in text for text in runner.shown())
    # nginx handed every update to a worker that took it: Telegram never had to retry.
    assert telegram.reposted() == []
