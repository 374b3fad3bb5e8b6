"""Core throughput: simulated users doing full warm-ups against a SQLite file.

Prints updates per second and p50/p99 time per update, twice: users one after another
(the time one update takes), and many users at once (what a burst feels like, queueing
included). Run: `taskset -c 0 python bench/core.py` to hold it to one core.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_coach
from bot.content import load_content
from bot.core.engine import Coach
from bot.core.messages import (
    ChoiceMade,
    Command,
    ConversationKey,
    Event,
    Inbound,
    Outcome,
)
from bot.core.ports import SystemClock
from bot.storage.database import create_engine, session_factory
from bot.storage.migrations import upgrade_to_head

ROOT = Path(__file__).resolve().parents[1]


class Runner:
    def __init__(self, coach: Coach) -> None:
        self.coach = coach
        self.timings: list[float] = []

    async def send(self, key: ConversationKey, event: Event) -> Outcome:
        started = time.perf_counter()
        outcome = await self.coach.handle(Inbound(key, event))
        self.timings.append(time.perf_counter() - started)
        return outcome

    async def warm_up(self, n: int) -> None:
        key = ConversationKey("bench", f"chat-{n}", f"user-{n}")
        outcome = await self.send(key, Command("start"))
        for step in (
            "I understand",
            None,
            "A bit stiff",
            "No, just stiff or fine",
            "Done",
            "Done",
            "Done",
        ):
            if step is None:
                outcome = await self.send(key, Command("warmup"))
                continue
            choice = next(c for r in outcome.replies for c in r.choices if c.label == step)
            outcome = await self.send(key, ChoiceMade(choice.payload))
        assert "3 of 3 drills done" in outcome.replies[-1].text, outcome


async def main(users: int, concurrency: int) -> None:
    for level in (1, concurrency):
        await measure(users, level)


async def measure(users: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/bench.sqlite3")
        await upgrade_to_head(engine)
        runner = Runner(
            build_coach(
                session_factory(engine), load_content(ROOT / "content"), clock=SystemClock()
            )
        )
        gate = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            async with gate:
                await runner.warm_up(n)

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(users)))
        elapsed = time.perf_counter() - started
        await engine.dispose()
    timings = sorted(runner.timings)
    p50 = statistics.median(timings) * 1000
    p99 = timings[int(len(timings) * 0.99) - 1] * 1000
    print(
        f"users={users} concurrency={concurrency} updates={len(timings)} "
        f"elapsed={elapsed:.2f}s updates_per_s={len(timings) / elapsed:.0f} "
        f"p50_ms={p50:.2f} p99_ms={p99:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.users, args.concurrency))
