"""/forget leaves no byte of the runner behind: not in the SQLite file, its WAL or
shared-memory file, the terminal's export files or the logs. (The same after SIGKILL the
moment it says "erased": tests/faults/test_erasure_after_kill.py.)"""

from __future__ import annotations

import io
import logging
import sqlite3
import time
from pathlib import Path

import pytest

from bot.adapters.terminal import TerminalAdapter
from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import ConversationKey
from bot.storage.database import SqlDatabase
from bot.testing import Chat

USER = "runner-zq81x"
REPORT = "zebra-quokka knot in my left glute, tight, about 4/10"
NEEDLES = (b"zebra-quokka", USER.encode())


def journey(content: Content) -> list[str]:
    """Start, report a tight spot (its plan comes at once), warm up, export."""
    return [
        "/start",
        content.texts.start.accept,
        REPORT,
        "/warmup",
        next(c.label for c in content.routine.soreness_choices if c.value == 0),
        content.texts.warmup.sharp_no,
        "/cancel",
        "/export",
    ]


def forget(content: Content) -> list[str]:
    return ["/forget", content.texts.privacy.forget_yes]


def traces(paths: list[Path]) -> dict[str, int]:
    """How often each needle occurs in the bytes of these files (and files under folders)."""
    files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*")))]
    data = [f.read_bytes() for f in files if f.is_file()]
    return {n.decode(): sum(d.count(n) for d in data) for n in NEEDLES}


def stored_files(data_dir: Path) -> list[Path]:
    db = data_dir / "hipcoach.sqlite3"
    return [db, Path(f"{db}-wal"), Path(f"{db}-shm"), data_dir / "exports"]


async def run_script(coach: Coach, lines: list[str], export_dir: Path) -> str:
    out = io.StringIO()
    adapter = TerminalAdapter(
        coach.handle,
        user=USER,
        stdin=io.StringIO("\n".join(lines) + "\n"),
        stdout=out,
        export_dir=export_dir,
    )
    await adapter.run()
    return out.getvalue()


async def test_forget_leaves_no_trace_in_the_sqlite_files_exports_or_logs(
    coach: Coach, content: Content, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    files = stored_files(tmp_path)
    transcript = await run_script(coach, journey(content), tmp_path / "exports")
    assert "[saved to " in transcript
    before = traces(files)
    assert all(before.values()), before  # the needles are there to be found

    transcript = await run_script(coach, forget(content), tmp_path / "exports")
    assert content.texts.privacy.forgotten in transcript
    assert traces(files) == {n.decode(): 0 for n in NEEDLES}
    assert list((tmp_path / "exports").iterdir()) == []
    logged = caplog.text.encode()
    assert [n for n in NEEDLES if n in logged] == []


async def test_a_reader_holding_the_wal_delays_the_checkpoint_without_blocking(
    coach: Coach, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await Chat(coach).command("start")
    database = coach.database
    assert isinstance(database, SqlDatabase)
    reader = sqlite3.connect(tmp_path / "hipcoach.sqlite3", isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM users").fetchone()
        await Chat(coach, ConversationKey("terminal", "console", "another")).command("start")
        started = time.monotonic()
        await database.scrub()  # the reader keeps the WAL: logged, and the step goes on
        assert time.monotonic() - started < 3
        assert "wal_checkpoint_incomplete" in caplog.text
        reader.execute("COMMIT")
        await database.scrub()
        assert Path(f"{tmp_path / 'hipcoach.sqlite3'}-wal").stat().st_size == 0
    finally:
        reader.close()
