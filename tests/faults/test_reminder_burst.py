"""300 runners' reminders due at once, the real bot process killed or stopped mid-burst.

kill -9, twice, and restart: every runner gets their reminder; at most the sends in
flight at each kill arrive twice, and every second arrival says it may be a repeat.
SIGTERM: the process exits 0 within 20 s, leaves nothing claimed (what it had not sent
is released, and the next process sends it), and nobody gets one twice. On SQLite and,
when the local server answers, PostgreSQL. About 15 s each (Telegram's 30 a second).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot.features.reminders.dispatcher import MARK_AHEAD
from tests.faults.reminder_burst import (
    CONCURRENCY,
    STOP_LIMIT_SECONDS,
    BurstOutcome,
    PostgresUnavailable,
    migrate,
    postgres_database,
    run_burst,
)

RUNNERS = 300
pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass(frozen=True)
class Bursts:
    killed: BurstOutcome
    stopped: BurstOutcome


@pytest_asyncio.fixture(
    scope="module",
    loop_scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
async def bursts(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Bursts]:
    """Both scenarios on this kind of database, side by side (each its own database,
    stand-in and bot processes; each bot paces itself), to keep the suite short."""
    kind: str = request.param
    work = tmp_path_factory.mktemp(f"burst-{kind}")
    async with scratch_databases(kind, work) as (first, second):
        for url in (first, second):
            await migrate(url)
        killed, stopped = await asyncio.gather(
            run_burst(first, work / "killed", kills=2, runners=RUNNERS, migrated=True),
            run_burst(second, work / "stopped", sigterms=1, kills=0, migrated=True),
        )
    yield Bursts(killed, stopped)


@contextlib.asynccontextmanager
async def scratch_databases(kind: str, work: Path) -> AsyncIterator[tuple[str, str]]:
    if kind == "sqlite":
        yield f"sqlite:///{work / 'killed.sqlite3'}", f"sqlite:///{work / 'stopped.sqlite3'}"
        return
    try:
        async with postgres_database() as first, postgres_database() as second:
            yield first, second
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))


def assert_everyone_got_theirs(outcome: BurstOutcome) -> None:
    assert len(outcome.arrivals) == RUNNERS
    assert outcome.lost == 0, [chat for chat, texts in outcome.arrivals.items() if not texts]
    assert outcome.lost_logged == 0
    assert outcome.statuses == {"sent": RUNNERS}  # nothing left claimed, released or lost
    assert outcome.final_exit_code == 0
    assert outcome.final_stop_seconds < STOP_LIMIT_SECONDS


async def test_kill_9_mid_burst_loses_nothing_and_repeats_at_most_what_was_in_flight(
    bursts: Bursts,
) -> None:
    outcome = bursts.killed

    assert [i.exit_code for i in outcome.interruptions] == [-9, -9]
    assert all(0 < i.delivered_before < RUNNERS for i in outcome.interruptions)  # mid-burst
    assert all(i.left_claimed for i in outcome.interruptions)  # claims the kill left behind
    assert_everyone_got_theirs(outcome)
    assert outcome.duplicated <= outcome.repeat_bound, outcome.summary()
    assert outcome.unmarked_repeats == 0, outcome.summary()
    # Marked: what was in flight, and what had been marked attempted just ahead of it.
    assert outcome.marked <= outcome.kills * (CONCURRENCY + MARK_AHEAD)


async def test_sigterm_mid_burst_exits_0_in_time_and_the_next_process_sends_the_rest(
    bursts: Bursts,
) -> None:
    outcome = bursts.stopped

    [stop] = outcome.interruptions
    assert stop.exit_code == 0
    assert stop.stop_seconds < STOP_LIMIT_SECONDS
    assert 0 < stop.delivered_before < RUNNERS
    assert stop.left_claimed == 0  # finished or released, nothing held by a gone process
    drained = re.search(r"reminders_drained finished=(\d+) released=(\d+)", stop.drained)
    assert drained is not None, stop.drained
    assert int(drained.group(2)) == stop.released  # the log line is exact
    assert stop.get_updates_after <= 2  # the poll in flight, and the library's last one
    assert_everyone_got_theirs(outcome)
    assert outcome.duplicated == 0
    assert outcome.marked == 0  # nothing released had been handed over
