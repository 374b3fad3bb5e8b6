"""Real ``python -m bot run`` Discord workers on one PostgreSQL database, splitting the
bot's gateway shards, against the Discord stand-in serving two shards.

Two scenarios, asserting nothing themselves (``test_discord_shards.py`` asserts, and
``bench/scale_failover.py`` prints the figure):

- :func:`run_split`: two workers, shards 0 and 1 of 2; a runner uses a command in a
  server of each shard.
- :func:`run_shard_failover`: shards 0 and 1 on two workers, and a third given shard 1
  too, which stands by; the shard-1 worker is killed with SIGKILL and a runner uses a
  command in a server of shard 1 at once: the time from the kill to the answer (sent by
  the stand-by, which has opened the gateway for shard 1) is measured.
"""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.faults.reminder_burst import migrate
from tests.processes import BotRun
from tests.standins.discord_api import DiscordStandIn, InteractionRecord
from tests.standins.discord_objects import DcChannel

SHARDS = 2
# Several interpreters starting on two busy cores, each connecting its shards.
PATIENCE = 90.0


class DiscordWorker(BotRun):
    """``python -m bot run`` on the Discord stand-in, running ``shards``; its log kept."""

    def __init__(self, url: str, api: DiscordStandIn, workdir: Path, shards: str) -> None:
        super().__init__(url, workdir)
        self.api = api
        self.shards = shards

    def settings(self) -> dict[str, str]:
        return {
            "DISCORD_TOKEN": self.api.token,
            "DISCORD_API_URL": self.api.api_url,
            "DISCORD_GATEWAY_URL": self.api.gateway_url,
            "DISCORD_SHARD_COUNT": str(SHARDS),
            "DISCORD_SHARD_IDS": self.shards,
            "BUTTON_SECRET": "the-same-for-every-worker-of-this-bot",
        }

    async def until_logged(self, text: str) -> None:
        async with asyncio.timeout(PATIENCE):
            while not self.logged(text):
                await asyncio.sleep(0.05)


@dataclass
class Answered:
    """A command used in a server, and what came of it."""

    shard: int  # the server's shard
    dispatched_to: int | None  # the shard whose gateway session got it
    responses: int  # interaction responses the bot made (Discord allows one)
    replies: int  # messages answering it
    text: str


@dataclass
class Split:
    answered: list[Answered]
    # Each worker's shards → whether it logged leading them.
    leading: dict[str, bool]
    command_syncs: list[int | None]
    violations: list[str]
    logs: list[str] = field(default_factory=list)


@dataclass
class ShardFailover:
    answered: Answered
    seconds_to_answer: float  # from the SIGKILL to the stand-by's answer
    standby_took_over: bool
    violations: list[str]
    logs: list[str] = field(default_factory=list)


async def _answered(api: DiscordStandIn, channel: DcChannel) -> tuple[InteractionRecord, Answered]:
    record = await api.command(api.user(), "help", channel=channel)
    await api.wait_until(lambda: bool(api.replies(record)))
    replies = api.replies(record)
    return record, Answered(
        shard=api.shard_of(channel),
        dispatched_to=record.shard,
        responses=len(record.response_types),
        replies=len(replies),
        text=replies[0].content if replies else "",
    )


async def _stopped(workers: list[DiscordWorker]) -> list[str]:
    for worker in workers:
        if worker.process is not None and worker.process.returncode is None:
            worker.signal(signal.SIGTERM)
    logs: list[str] = []
    for worker in workers:
        if worker.process is not None:
            await worker.wait()
        logs.extend(worker.lines)
    return logs


async def run_split(url: str, workdir: Path) -> Split:
    """See the module docstring. ``url``: an empty PostgreSQL database."""
    await migrate(url)
    async with DiscordStandIn(shard_count=SHARDS) as api:
        api.patience = PATIENCE
        second = api.add_guild("trail runners", shard=1)
        workers = [DiscordWorker(url, api, workdir / f"w{n}", str(n)) for n in range(SHARDS)]
        try:
            for worker in workers:
                await worker.start()
            await api.wait_connected()
            answered = [(await _answered(api, channel))[1] for channel in (api.channel, second)]
        finally:
            logs = await _stopped(workers)
        return Split(
            answered=answered,
            leading={
                w.shards: any(
                    f"discord_gateway_leader shards={w.shards}" in line for line in w.lines
                )
                for w in workers
            },
            command_syncs=list(api.command_syncs),
            violations=list(api.violations),
            logs=logs,
        )


async def run_shard_failover(url: str, workdir: Path) -> ShardFailover:
    """See the module docstring. ``url``: an empty PostgreSQL database."""
    await migrate(url)
    async with DiscordStandIn(shard_count=SHARDS) as api:
        api.patience = PATIENCE
        second = api.add_guild("trail runners", shard=1)
        first = DiscordWorker(url, api, workdir / "w0", "0")
        leader = DiscordWorker(url, api, workdir / "w1", "1")
        standby = DiscordWorker(url, api, workdir / "w2", "1")
        workers = [first, leader, standby]
        try:
            await first.start()
            await leader.start()
            await leader.until_logged("discord_gateway_leader shards=1")
            await standby.start()
            await standby.until_logged("token_standby platform=discord shards=1")
            await api.wait_connected()
            await _answered(api, second)  # the leader answers: everything is up
            leader.signal(signal.SIGKILL)
            killed_at = time.monotonic()
            await leader.wait()
            _, answered = await _answered(api, second)
            record = api.interactions[-1]
            assert record.first_response_at is not None
            seconds = record.first_response_at - killed_at
        finally:
            logs = await _stopped(workers)
        return ShardFailover(
            answered=answered,
            seconds_to_answer=seconds,
            standby_took_over=standby.logged("discord_gateway_leader shards=1"),
            violations=list(api.violations),
            logs=logs,
        )
