"""A chat's updates spread over two workers: handled in order, and each once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.standins.telegram_api import TelegramStandIn
from tests.workers.cluster import WEBHOOK_PATH, Telegram, Worker, running_cluster
from tests.workers.runners import Runner, tokens_shown, wait_for_tokens

ROUNDS = 4
BURST = 6  # consecutive updates of one chat in a round
MARGIN = 0.004  # seconds between posts: later updates first, by this much each


def webhook(worker: Worker) -> str:
    return f"http://127.0.0.1:{worker.port}{WEBHOOK_PATH}"


async def later(delay: float, telegram: Telegram, update: dict[str, object], url: str) -> None:
    await asyncio.sleep(delay)
    await telegram.deliver(update, url)


async def test_consecutive_updates_on_different_workers_are_handled_in_order(
    nginx: str, pg_url: str, api: TelegramStandIn, workdir: Path
) -> None:
    async with (
        running_cluster(api, pg_url, workdir, count=2) as cluster,
        Telegram(cluster.nginx.url) as telegram,
    ):
        runner = Runner.new(api, telegram)
        typed: list[str] = []
        for round_ in range(ROUNDS):
            tokens = [f"x{round_}n{k}" for k in range(BURST)]
            updates = [await runner.make(f"/{token}") for token in tokens]
            typed += tokens
            # Alternate workers; the last update is posted first, the first one last.
            posts = [
                later(
                    (BURST - 1 - k) * MARGIN,
                    telegram,
                    update,
                    webhook(cluster.workers[k % 2]),
                )
                for k, update in enumerate(updates)
            ]
            async with asyncio.timeout(60):
                await asyncio.gather(*posts)
            await wait_for_tokens(runner, len(typed))
        waits = [await w.metric("hipcoach_update_order_waits_total") for w in cluster.workers]
    # The runner saw the replies in the order they typed, each once.
    assert tokens_shown(runner) == typed
    assert sum(waits) > 0  # and the later updates did have to wait for the earlier ones


async def test_an_update_posted_to_both_workers_is_handled_once(
    nginx: str, pg_url: str, api: TelegramStandIn, workdir: Path
) -> None:
    async with (
        running_cluster(api, pg_url, workdir, count=2) as cluster,
        Telegram(cluster.nginx.url) as telegram,
    ):
        runners = [Runner.new(api, telegram) for _ in range(6)]
        for n, runner in enumerate(runners):
            update = await runner.make(f"/x{n}n0")
            async with asyncio.timeout(60):
                await asyncio.gather(
                    *(telegram.deliver(update, webhook(worker)) for worker in cluster.workers)
                )
        # A later message of each chat: once its reply is in, any repeat would be too.
        for n, runner in enumerate(runners):
            await runner.say(f"/x{n}n1", f"x{n}n1")
    for n, runner in enumerate(runners):
        assert tokens_shown(runner) == [f"x{n}n0", f"x{n}n1"]
    # Both workers said 200 to each copy: the repeat was recognised, not refused.
    assert all(set(answers) == {200} for answers in telegram.statuses.values())


async def test_a_second_message_at_another_worker_is_answered_after_the_first(
    nginx: str, pg_url: str, api: TelegramStandIn, workdir: Path
) -> None:
    # The first reply is slow on its way to Telegram; the runner's next message meanwhile
    # reaches the other worker, which holds it until the first update is done. Answered
    # at once, its reply would reach the chat first.
    async with (
        running_cluster(api, pg_url, workdir, count=2) as cluster,
        Telegram(cluster.nginx.url) as telegram,
    ):
        first, second = cluster.workers
        runner = Runner.new(api, telegram)
        await runner.say("/x0n0", "x0n0")  # both workers know the chat from here on
        slow_network = api.hold_next_write(runner.chat)
        await telegram.deliver(await runner.make("/x1n0"), webhook(first))
        await api.wait_until(lambda: bool(api.holding))
        waits_before = await second.metric("hipcoach_update_order_waits_total")
        answered = asyncio.create_task(
            telegram.deliver(await runner.make("/x1n1"), webhook(second))
        )
        async with asyncio.timeout(30):
            while await second.metric("hipcoach_update_order_waits_total") == waits_before:
                await asyncio.sleep(0.02)
        assert not answered.done()  # held for its turn, not handled
        slow_network.set()
        async with asyncio.timeout(60):
            await answered
        await wait_for_tokens(runner, 3)
    assert tokens_shown(runner) == ["x0n0", "x1n0", "x1n1"]
