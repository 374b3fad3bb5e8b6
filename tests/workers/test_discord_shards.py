"""Discord workers sharing the bot by its gateway shards, with the real discord.py against
the stand-in: each server's commands are answered by the worker running its shard, once;
a worker given a shard another one runs stands by, and takes it over when that one dies."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.testing import shipped_content
from tests.workers.discord_shards import run_shard_failover, run_split

pytestmark = pytest.mark.postgres
HELP = shipped_content().texts.help.title


async def test_two_workers_on_shards_0_and_1_each_answer_their_servers_once(
    pg_url: str, workdir: Path
) -> None:
    split = await run_split(pg_url, workdir)
    assert split.violations == []  # among them: no shard served twice
    assert [(a.shard, a.dispatched_to) for a in split.answered] == [(0, 0), (1, 1)]
    assert all((a.responses, a.replies) == (1, 1) for a in split.answered), split.answered
    assert all(HELP in a.text for a in split.answered)
    assert split.leading == {"0": True, "1": True}
    assert split.command_syncs == [None]  # by the shard-0 worker only


async def test_a_worker_given_a_running_shard_stands_by_and_takes_it_over(
    pg_url: str, workdir: Path
) -> None:
    failover = await run_shard_failover(pg_url, workdir)
    assert failover.violations == []  # the stand-by never opened shard 1 beside the leader
    assert failover.standby_took_over
    answered = failover.answered
    assert (answered.shard, answered.dispatched_to) == (1, 1)
    assert (answered.responses, answered.replies) == (1, 1)
    assert HELP in answered.text
