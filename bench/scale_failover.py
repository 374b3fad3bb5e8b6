"""Failover between worker processes on PostgreSQL: how long runners wait when a worker dies.

- **Poller**: two real ``python -m bot run`` workers on one token; the one that polls is
  killed with SIGKILL and a runner writes at once. Measured: from the kill to the reply,
  which the stand-by sends once it holds the token lock and polls (target under 10 s).
- **Dispatcher**: every worker dispatches reminders (claims are shared with
  ``FOR UPDATE SKIP LOCKED``), so there is no dispatching leader to replace: a burst of
  ``--runners`` reminders shared by two workers, one killed with SIGKILL a third of the
  way in. Measured: from the kill to the next reminder sent by the worker left, and to the
  first reminder sent of the claims the dead worker held (given back as soon as the
  registry confirms it dead; target under 10 s with the production lease, ``--lease``,
  ``REMINDER_LEASE_SECONDS``, default 30, which is then only the last resort), and to the
  first re-send saying it may be a repeat (a claim it had handed to Telegram). Also: how
  many of its claims it had not handed over, and whether each reached its runner once.

- **Discord shard**: shards 0 and 1 of 2 on two workers, a third given shard 1 too
  standing by; the shard-1 worker is killed with SIGKILL and a runner uses a command in a
  server of shard 1 at once. Measured: from the kill to the answer, sent by the stand-by
  once it holds the shard's lock and has opened the gateway (target under 10 s).

Scenarios: ``tests/faults/scale_out.py``, ``tests/workers/discord_shards.py``. Run:
``python bench/scale_failover.py`` (``--rounds 3`` repeats the poller and shard cases;
``--json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

# Run as a script, this folder is first on the path; put the repository root there.
sys.path.remove(sys.path[0])
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.reminder_burst import PostgresUnavailable, postgres_database
from tests.faults.scale_out import run_failover, run_shared_burst
from tests.workers.discord_shards import run_shard_failover


async def poller(rounds: int) -> list[float]:
    seconds: list[float] = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            async with postgres_database() as url:
                failover = await run_failover(url, Path(tmp))
        seconds.append(round(failover.seconds_to_reply, 2))
    return seconds


async def discord_shard(rounds: int) -> list[float]:
    seconds: list[float] = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            async with postgres_database() as url:
                failover = await run_shard_failover(url, Path(tmp))
        seconds.append(round(failover.seconds_to_answer, 2))
    return seconds


async def dispatcher(runners: int, lease: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with postgres_database() as url:
            burst = await run_shared_burst(
                url, Path(tmp), runners=runners, workers=2, kill_one=True, lease_seconds=lease
            )
    return {
        "runners": runners,
        "lease_s": lease,
        "lost": burst.lost,
        "duplicated": burst.duplicated,
        "throttled_429": burst.throttled,
        "kill_to_next_reminder_s": _round(burst.kill_to_next_send),
        "kill_to_first_dead_workers_claim_sent_s": _round(burst.kill_to_dead_claim),
        "kill_to_first_may_be_a_repeat_s": _round(burst.kill_to_takeover),
        "dead_workers_claims": len(burst.dead_claims),
        "of_them_not_handed_over": len(burst.unsent_dead_claims),
        "of_those_arrived_other_than_once": sum(
            1 for count in burst.unsent_dead_claims.values() if count != 1
        ),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runners", type=int, default=600)
    parser.add_argument("--lease", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        result = {
            "poller_kill_to_reply_s": asyncio.run(poller(args.rounds)),
            "discord_shard_kill_to_answer_s": asyncio.run(discord_shard(args.rounds)),
            "dispatcher": asyncio.run(dispatcher(args.runners, args.lease)),
        }
    except PostgresUnavailable as exc:
        print(f"skipped: {exc}")
        return 0
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
