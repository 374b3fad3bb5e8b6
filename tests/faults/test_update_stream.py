"""Updates across crashes, on both databases: kill -9 mid-stream, SIGTERM mid-stream, and
two processes on one token. Real ``python -m bot run`` processes, real Telegram limits
at the stand-in; see tests/faults/update_stream.py for what is counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.database import create_engine
from bot.storage.migrations import upgrade_to_head
from tests.faults.update_stream import run_kill_stream, run_sigterm_stream, run_two_processes
from tests.storage.conftest import pg_url  # noqa: F401  (fixture)

CHATS = 30


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'coach.sqlite3'}"


async def migrated(url: str) -> str:
    """The server's database at head, as ``python -m bot migrate`` leaves it."""
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()
    return url


async def kill_9_mid_stream(url: str, workdir: Path) -> None:
    report = await run_kill_stream(url, workdir, kills=2, chats=CHATS)
    print("\n" + report.line())
    assert report.lost == []
    assert report.twice == []
    # Only a reply in flight at a kill may come again: at most one per chat per kill.
    assert len(report.resent) <= report.kills * CHATS
    assert report.conflicts == 0
    assert report.exit_codes[-1] == 0


async def test_sqlite_kill_9_mid_stream_loses_nothing_and_handles_nothing_twice(
    tmp_path: Path,
) -> None:
    await kill_9_mid_stream(sqlite_url(tmp_path), tmp_path)


@pytest.mark.postgres
async def test_postgres_kill_9_mid_stream_loses_nothing_and_handles_nothing_twice(
    pg_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    await kill_9_mid_stream(await migrated(pg_url), tmp_path)


async def sigterm_mid_stream(url: str, workdir: Path) -> None:
    report = await run_sigterm_stream(url, workdir)
    print("\n" + report.stream.line(), f"exit in {report.exit_seconds:.1f} s")
    assert report.exit_code == 0
    assert report.exit_seconds < 20
    assert report.polls_after_signal == 0  # it stopped fetching at once
    # What it had fetched it answered, or left for the next process: nothing lost.
    assert report.stream.lost == []
    assert report.stream.twice == []
    assert report.stream.resent == []  # a clean stop marks every reply it sent
    assert report.stream.conflicts == 0


async def test_sqlite_sigterm_mid_stream_exits_promptly_and_loses_nothing(
    tmp_path: Path,
) -> None:
    await sigterm_mid_stream(sqlite_url(tmp_path), tmp_path)


@pytest.mark.postgres
async def test_postgres_sigterm_mid_stream_exits_promptly_and_loses_nothing(
    pg_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    await sigterm_mid_stream(await migrated(pg_url), tmp_path)


async def test_sqlite_a_second_process_on_the_token_refuses_with_one_line(
    tmp_path: Path,
) -> None:
    report = await run_two_processes(sqlite_url(tmp_path), tmp_path)
    print("\n" + report.stream.line())
    assert report.second_exit_code == 2
    refusal = [line for line in report.second_log.splitlines() if "already running" in line]
    assert len(refusal) == 1
    assert "telegram bot with this token" in refusal[0]
    assert "Traceback" not in report.second_log
    assert report.stream.lost == []
    assert report.stream.twice == []
    assert report.stream.conflicts == 0
    assert report.stream.throttled == 0, report.stream.throttled_detail


@pytest.mark.postgres
async def test_postgres_a_second_process_stands_by_and_takes_over(
    pg_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    report = await run_two_processes(await migrated(pg_url), tmp_path)
    print("\n" + report.stream.line())
    assert report.took_over
    assert "token_standby platform=telegram" in report.second_log
    assert report.stream.lost == []
    assert report.stream.twice == []
    assert len(report.stream.resent) <= 20  # one kill: at most one reply per chat
    assert report.stream.conflicts == 0
    assert report.stream.throttled == 0, report.stream.throttled_detail
