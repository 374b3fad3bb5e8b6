"""Core throughput: simulated users doing full warm-ups, on a SQLite file and on PostgreSQL.

Prints updates per second and p50/p99 time per update for each database, twice: users one
after another (the time one update takes), and many users at once (what a burst feels
like, queueing included); a line per run as it ends, then a table with SQLite and
PostgreSQL side by side. Run: `taskset -c 0 python bench/core.py` to hold it to one core.
PostgreSQL is the server at ``BENCH_POSTGRES_URL`` (default: the test server at
127.0.0.1:5432); a fresh database is created there and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

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
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


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


@dataclass(frozen=True)
class Result:
    updates: int
    elapsed: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.updates / self.elapsed


async def main(users: int, concurrency: int, databases: list[str]) -> None:
    results: dict[tuple[str, int], Result] = {}
    for database in databases:
        for level in (1, concurrency):
            try:
                async with fresh_database(database) as url:
                    results[(database, level)] = await measure(database, url, users, level)
            except OSError as exc:
                print(f"database={database} skipped: not reachable ({exc})")
                break
    print(side_by_side(results, databases, (1, concurrency), users))


def side_by_side(
    results: dict[tuple[str, int], Result],
    databases: list[str],
    levels: tuple[int, ...],
    users: int,
) -> str:
    """One row per concurrency, the databases next to each other."""
    head = f"{users} users, full warm-ups | " + " | ".join(
        f"{d:>10}: updates/s  p50 ms  p99 ms" for d in databases
    )
    lines = [head]
    for level in levels:
        cells = []
        for database in databases:
            r = results.get((database, level))
            cells.append(
                "not reachable".rjust(37)
                if r is None
                else f"{r.rate:21.0f}  {r.p50_ms:6.2f}  {r.p99_ms:6.2f}"
            )
        lines.append(f"{'concurrency ' + str(level):>26} | " + " | ".join(cells))
    return "\n".join(lines)


@contextlib.asynccontextmanager
async def fresh_database(kind: str) -> AsyncIterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    admin = create_async_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"hipcoach_bench_{uuid.uuid4().hex[:12]}"
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with contextlib.suppress(OSError):
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def measure(database: str, url: str, users: int, concurrency: int) -> Result:
    engine = create_engine(url)
    await upgrade_to_head(engine)
    runner = Runner(
        build_coach(session_factory(engine), load_content(ROOT / "content"), clock=SystemClock())
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
        f"database={database} users={users} concurrency={concurrency} updates={len(timings)} "
        f"elapsed={elapsed:.2f}s updates_per_s={len(timings) / elapsed:.0f} "
        f"p50_ms={p50:.2f} p99_ms={p99:.2f}"
    )
    return Result(len(timings), elapsed, p50, p99)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--database", choices=["sqlite", "postgres", "both"], default="both", dest="database"
    )
    args = parser.parse_args()
    chosen = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    asyncio.run(main(args.users, args.concurrency, chosen))
