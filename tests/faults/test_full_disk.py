"""A full disk during a step: the runner is told the step couldn't be saved, nothing of it
is half-saved (the conversation stays at its previous step), and no traceback is shown.

The disk is real: a tmpfs of 2 MiB (mounting one needs root, as CI and the project's
machines have; elsewhere these tests skip), filled with a file until writing fails with
ENOSPC. SQLite then answers SQLITE_FULL exactly as on a full disk, and the export's write
fails the same way.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import build_coach
from bot.content import Content
from bot.storage.database import create_engine, session_factory
from bot.storage.migrations import upgrade_to_head
from bot.testing import Chat, FakeClock
from tests.faults.harness import (
    NoSmallDisk,
    assert_no_traceback,
    coach_env,
    fill_disk,
    run_coach,
    small_disk,
    spawn,
    sqlite_url,
)

DISK = 2 << 20


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    try:
        with small_disk(tmp_path / "disk", DISK) as path:
            yield path
    except NoSmallDisk as exc:
        pytest.skip(f"no small disk to fill here: {exc}")


def saved_state(db: Path) -> list[dict[str, object]]:
    """Every saved conversation, read straight from the file (reading needs no room)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return [json.loads(row[0]) for row in connection.execute("SELECT state FROM conversations")]


async def test_a_step_on_a_full_disk_is_refused_whole_and_the_next_one_carries_on(
    disk: Path, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    db = disk / "coach.sqlite3"
    engine = create_engine(sqlite_url(db))
    try:
        await upgrade_to_head(engine)
        chat = Chat(build_coach(session_factory(engine), content, clock=FakeClock()))
        await chat.command("start")
        await chat.press(content.texts.start.accept)
        await chat.command("warmup")
        before = saved_state(db)
        soreness = chat.last_choices()

        filler = fill_disk(disk)
        for press in range(3):  # each try is refused, and changes nothing
            outcome = await chat.press_payload(soreness[0].payload)
            assert chat.last_text() == content.texts.common.not_saved
            assert not outcome.accepted
            assert saved_state(db) == before, f"try {press + 1}"

        filler.unlink()  # room again: the very same button now works
        await chat.press_payload(soreness[0].payload)
        assert chat.last_text() == content.texts.warmup.sharp_question
    finally:
        await engine.dispose()
    refused = [r for r in caplog.records if "step_not_saved" in r.getMessage()]
    assert len(refused) == 3
    assert all(r.levelno == logging.ERROR and r.exc_info is None for r in refused)
    assert "reason=full" in refused[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info], "no traceback logged"


def test_the_terminal_on_a_full_disk_says_so_and_resumes_after(
    disk: Path, tmp_path: Path, content: Content
) -> None:
    env = coach_env(sqlite_url(disk / "coach.sqlite3"), disk / "data")
    accept = content.texts.start.accept
    with spawn(["console"], env, tmp_path / "run1") as coach:
        coach.type("/start", accept, "/warmup")
        seen = coach.wait_for(content.texts.warmup.soreness_question.split("\n")[0][:40])
        filler = fill_disk(disk)
        coach.type("1", "/warmup", "hello")  # a press, a command, free text
        for _ in range(3):
            seen = coach.wait_for(content.texts.common.not_saved[:40], after=seen)
        coach.close_input()
        first = coach.wait()
    assert first.returncode == 0, first.stderr
    assert_no_traceback(first.stdout, first.stderr)
    assert content.texts.warmup.sharp_question not in first.stdout
    assert "step_not_saved" in first.stderr  # one log line a try, no traceback

    filler.unlink()
    # A new process on the same file: the runner is still at the soreness question.
    second = run_coach(["console"], env, tmp_path / "run2", input="1\n")
    assert second.returncode == 0, second.stderr
    assert content.texts.warmup.sharp_question in second.stdout
    assert_no_traceback(second.stdout, second.stderr)


def test_an_export_into_a_full_folder_is_one_line_and_leaves_nothing(
    disk: Path, tmp_path: Path, content: Content
) -> None:
    # The database has room; only the export folder's disk is full.
    env = coach_env(sqlite_url(tmp_path / "coach.sqlite3"), disk / "data")
    (disk / "data" / "exports").mkdir(parents=True)
    run_coach(["console"], env, tmp_path / "warm", input="/start\n1\n")  # makes the secret
    fill_disk(disk)
    result = run_coach(["console"], env, tmp_path / "run", input="/export\n/help\n")
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    [line] = [x for x in result.stdout.splitlines() if "couldn't save your export" in x]
    assert "No space left on device" in line
    assert list((disk / "data" / "exports").iterdir()) == []  # no half-written file
    assert "/warmup - " in result.stdout.split("> /help")[1]  # and the chat carries on


def test_an_export_into_a_read_only_folder_is_one_line(
    disk: Path, tmp_path: Path, content: Content
) -> None:
    env = coach_env(sqlite_url(tmp_path / "coach.sqlite3"), disk / "data")
    (disk / "data" / "exports").mkdir(parents=True)
    run_coach(["console"], env, tmp_path / "warm", input="/start\n1\n")
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    result = run_coach(["console"], env, tmp_path / "run", input="/export\n/help\n")
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    [line] = [x for x in result.stdout.splitlines() if "couldn't save your export" in x]
    assert "Read-only file system" in line
    assert list((disk / "data" / "exports").iterdir()) == []
