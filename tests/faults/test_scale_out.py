"""Several workers on one PostgreSQL database and one bot token.

- A reminder burst shared by three dispatchers while runners write to the bot: every
  runner gets their reminder exactly once, Telegram's stand-in answers no 429 (the
  workers share the send budget, the runners' replies included), and every runner who
  wrote got the coach's answer, not an apology.
- A reminder burst shared by two dispatchers while one is killed with SIGKILL: every
  runner gets their reminder, Telegram's stand-in answers no 429 (the workers share the
  send budget), both workers sent some, and repeats stay within the outbox's bound (the
  sends in flight at the kill, ``REMINDER_SEND_CONCURRENCY``), each one saying so. With
  the production lease (30 s), the killed worker's claims are given back once the
  registry confirms it dead: each one it had not yet handed to Telegram reaches its
  runner exactly once, from the worker left.
- The polling worker killed with SIGKILL: the stand-by takes over the polling and
  answers the runner's next message (bounded; ``bench/scale_failover.py`` times it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.testing import shipped_content
from tests.faults.reminder_burst import CONCURRENCY, PostgresUnavailable, postgres_database
from tests.faults.scale_out import run_failover, run_shared_burst

pytestmark = pytest.mark.postgres
RUNNERS = 240
LEASE_SECONDS = 30  # REMINDER_LEASE_SECONDS's default


async def test_a_burst_shared_by_three_workers_reaches_everyone_once_and_answers_meanwhile(
    tmp_path: Path,
) -> None:
    try:
        async with postgres_database() as url:
            outcome = await run_shared_burst(
                url, tmp_path, runners=RUNNERS, workers=3, probe_every=0.5
            )
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    assert outcome.lost == 0, [chat for chat, texts in outcome.arrivals.items() if not texts]
    assert outcome.duplicated == 0
    assert outcome.throttled == 0
    assert outcome.probe_replies  # runners wrote while the burst went out...
    assert outcome.probe_unanswered == 0  # ...and each was answered,
    apology = shipped_content().texts.common.error
    assert not [reply for reply in outcome.probe_replies if apology in reply]  # properly


async def test_a_burst_shared_by_two_workers_survives_a_kill(tmp_path: Path) -> None:
    try:
        async with postgres_database() as url:
            outcome = await run_shared_burst(
                url,
                tmp_path,
                runners=RUNNERS,
                workers=2,
                kill_one=True,
                lease_seconds=LEASE_SECONDS,
            )
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    assert outcome.killed
    assert outcome.lost == 0, [chat for chat, texts in outcome.arrivals.items() if not texts]
    assert outcome.throttled == 0
    assert outcome.senders == 2
    assert outcome.duplicated <= CONCURRENCY
    assert outcome.unmarked_repeats == 0
    assert not outcome.statuses.get("claimed")
    assert not outcome.statuses.get("released")
    assert outcome.dead_claims  # it died holding claims
    assert set(outcome.unsent_dead_claims.values()) <= {1}, outcome.unsent_dead_claims
    assert any("reminder_claims_of_dead_worker_released" in line for line in outcome.logs)


async def test_the_stand_by_takes_over_polling_when_the_poller_is_killed(tmp_path: Path) -> None:
    try:
        async with postgres_database() as url:
            failover = await run_failover(url, tmp_path, within=30.0)
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    assert failover.reply  # the runner was answered, by the worker left
    assert any("token_standby platform=telegram" in line for line in failover.logs)
    assert sum("telegram_polling_leader" in line for line in failover.logs) == 2
