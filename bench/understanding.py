"""The understanding step: how long one typed message takes through every pass.

A mix of 600 phrases from the labelled files (red flags, everyday words, greetings,
commands, plain-word requests, FAQ questions, nonsense), each heard by the passes before
the step (red flags) and, when those pass it on, by the passes after (greetings and
thanks, commands, plain-word requests, the FAQ, a bare yes or no).
No database: the passes only read and reply. Prints p50 and p99 per message; the target
is p99 under 1 ms. Run: `taskset -c 0 python bench/understanding.py` to hold it to one core;
`--cpu` times with CPU time, which leaves out other processes on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_coach
from bot.content import load_content
from bot.core.engine import Coach
from bot.core.messages import ConversationKey
from bot.core.ports import SystemClock
from bot.core.runner import Runner
from bot.core.state import FlowState
from bot.core.stores import Transaction
from bot.core.turn import Turn
from bot.storage.database import create_engine, session_factory

ROOT = Path(__file__).resolve().parents[1]
TABLES = ROOT / "tests" / "understanding"
PHRASES = 600


def phrases() -> list[str]:
    flags = yaml.safe_load((TABLES / "red_flags.yaml").read_text(encoding="utf-8"))
    intents = yaml.safe_load((TABLES / "intents.yaml").read_text(encoding="utf-8"))
    groups = [
        [row["text"] for row in flags["red_flags"]],
        list(flags["not_red_flags"]),
        [row["text"] for row in intents],
    ]
    # Round-robin over the groups, so the mix is even whatever their sizes.
    mixed = [p for row in itertools.zip_longest(*groups) for p in row if p is not None]
    return list(itertools.islice(itertools.cycle(mixed), PHRASES))


def turn_for(coach: Coach, n: int) -> Turn:
    return Turn(
        key=ConversationKey("bench", f"chat-{n}", f"user-{n}"),
        is_private=True,
        now=datetime.now(UTC),
        texts=coach.words,
        safety=coach.safety,
        user=Runner(id=n, time_zone="Europe/London"),
        state=FlowState(),
        tx=cast(Transaction, None),  # the passes never touch the database
    )


async def measure(
    coach: Coach, texts: list[str], rounds: int, timer: Callable[[], float] = time.perf_counter
) -> list[float]:
    timings: list[float] = []
    for _ in range(rounds):
        for n, text in enumerate(texts):
            turn = turn_for(coach, n)
            started = timer()
            for passes in (
                coach.understanding,
                coach.social,
                coach.after_step,
                coach.near_misses,
            ):
                if await passes.hear(turn, text) is not None:
                    break
            timings.append(timer() - started)
    return timings


async def main(rounds: int, cpu: bool) -> None:
    content = load_content(ROOT / "content")
    engine = create_engine("sqlite:///:memory:")
    coach = build_coach(session_factory(engine), content, clock=SystemClock())
    texts = phrases()
    await measure(coach, texts, 1)  # warm caches (zone tables, typo lookups)
    # CPU time leaves out the time other processes held the core (a busy shared machine).
    timer = time.process_time if cpu else time.perf_counter
    timings = sorted(await measure(coach, texts, rounds, timer))
    p50 = statistics.median(timings) * 1000
    p99 = timings[int(len(timings) * 0.99) - 1] * 1000
    clock = "CPU time" if cpu else "wall clock"
    print(f"understanding step: {len(timings)} messages ({len(texts)} phrases x {rounds}), {clock}")
    print(f"  p50 {p50:.3f} ms   p99 {p99:.3f} ms   (target p99 < 1 ms)")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--cpu", action="store_true", help="time with CPU time, not wall clock")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.cpu))
