"""A database the coach can't use stops the command with one line and exit code 2.

Each case runs the real command line (``python -m bot``) on a broken database, as a
deployer would, and checks what they would see: one line on stderr that says what is
wrong, no traceback, exit code 2, and the database left exactly as it was. A server that
does not answer is the exception: ``run`` waits for it, logging each retry in one line
with the delay growing, and a SIGTERM meanwhile stops it cleanly.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.migrations import head_revision
from tests.faults.harness import (
    Finished,
    NoSmallDisk,
    assert_no_traceback,
    assert_one_line,
    coach_env,
    run_coach,
    small_disk,
    spawn,
    sqlite_url,
)

UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:9/nothing"  # refused at once


def cli(command: str, url: str, workdir: Path, *, stdin: str = "") -> Finished:
    return run_coach([command], coach_env(url, workdir / "data"), workdir, input=stdin)


def _sqlite_with(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)


@pytest.mark.parametrize("command", ["run", "console", "migrate"])
def test_random_bytes_are_not_a_database(tmp_path: Path, command: str) -> None:
    path = tmp_path / "coach.sqlite3"
    garbage = os.urandom(8192)
    path.write_bytes(garbage)
    result = cli(command, sqlite_url(path), tmp_path)
    assert_one_line(result, "not a SQLite database", str(path))
    assert path.read_bytes() == garbage


@pytest.mark.parametrize("command", ["run", "migrate"])
def test_tables_without_a_migration_record_are_refused(tmp_path: Path, command: str) -> None:
    path = tmp_path / "other.sqlite3"
    _sqlite_with(path, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    assert_one_line(cli(command, sqlite_url(path), tmp_path), "no migration record")
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert tables == {"users"}  # nothing was added to somebody else's database


@pytest.mark.parametrize("command", ["run", "console", "migrate"])
def test_a_newer_revision_is_refused_without_suggesting_migrate(
    tmp_path: Path, command: str
) -> None:
    path = tmp_path / "newer.sqlite3"
    _sqlite_with(
        path,
        "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
        "INSERT INTO alembic_version VALUES ('9999_from_the_future')",
    )
    line = assert_one_line(cli(command, sqlite_url(path), tmp_path), "9999_from_the_future")
    assert "newer version" in line
    assert "bot migrate" not in line


@pytest.mark.parametrize("command", ["run", "console"])
def test_a_database_opened_read_only_is_refused_before_any_step(
    tmp_path: Path, command: str
) -> None:
    path = tmp_path / "coach.sqlite3"
    assert cli("migrate", sqlite_url(path), tmp_path).returncode == 0
    before = path.read_bytes()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    result = cli(command, url, tmp_path, stdin="/start\n")
    assert_one_line(result, "read-only")
    assert "Hip Coach" not in result.stdout  # no chat started on a database it can't save
    assert path.read_bytes() == before


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder whose files can't be written, even by root: a read-only filesystem when
    this machine lets us mount one, else a folder and file without write permission."""
    folder = tmp_path / "ro"
    try:
        with small_disk(folder, 4 << 20):
            yield folder
    except NoSmallDisk:
        if os.geteuid() == 0:
            pytest.skip("root ignores file permissions, and no read-only mount can be made")
        folder.mkdir(exist_ok=True)
        yield folder


def _make_read_only(folder: Path) -> None:
    if os.path.ismount(folder):
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    else:
        for path in folder.iterdir():
            path.chmod(0o444)
        folder.chmod(0o555)


def test_a_read_only_file_is_refused_before_any_step(
    tmp_path: Path, read_only_folder: Path
) -> None:
    path = read_only_folder / "coach.sqlite3"
    assert cli("migrate", sqlite_url(path), tmp_path).returncode == 0
    _make_read_only(read_only_folder)
    before = path.read_bytes()
    for command in ("run", "migrate"):
        result = cli(command, sqlite_url(path), tmp_path, stdin="/start\n")
        assert_one_line(result, str(path))
        assert "read-only" in result.stderr or "can't open" in result.stderr
    assert path.read_bytes() == before


def test_a_missing_folder_that_cannot_be_made_gets_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    result = cli("run", sqlite_url(blocker / "coach.sqlite3"), tmp_path)
    assert_one_line(result, str(blocker))


def test_an_unreachable_server_gets_one_line_from_migrate(tmp_path: Path) -> None:
    assert_one_line(cli("migrate", UNREACHABLE, tmp_path), "does not answer", "127.0.0.1:9")


def test_run_waits_for_an_unreachable_server_with_growing_delays(tmp_path: Path) -> None:
    """Every retry is logged at DEBUG; a person reading at WARNING sees one line a minute."""
    env = coach_env(UNREACHABLE, tmp_path / "data", LOG_LEVEL="DEBUG")
    with spawn(["run"], env, tmp_path / "run", stdin=subprocess.DEVNULL) as coach:
        deadline = time.monotonic() + 30
        while coach.stderr().count("database_unreachable") < 3:
            assert coach.popen.poll() is None, coach.stderr()
            assert time.monotonic() < deadline, coach.stderr()
            time.sleep(0.2)
        coach.terminate()  # stopped while it waits: a clean exit
        result = coach.wait(timeout=20)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    retries = [line for line in result.stderr_lines if "database_unreachable" in line]
    delays = [float(m[1]) for line in retries if (m := re.search(r"retry_in_s=(\d+)", line))]
    assert delays[:3] == sorted(delays[:3])
    assert delays[2] > delays[0]
    assert "127.0.0.1:9 does not answer" in retries[0]
    said = [line for line in retries if "level=WARNING" in line]
    assert len(said) == 1, retries  # the first; the next one a minute later
    assert said[0] == retries[0]
    assert "stopped_before_start" in result.stderr
    assert "Hip Coach" not in result.stdout  # no chat on a database that isn't there


def test_a_worker_waiting_for_the_database_says_not_ready(tmp_path: Path) -> None:
    """While it waits, /healthz answers (the process is alive) and /readyz says 503,
    naming the database; the runner-facing side is not up, so nobody gets a traceback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = coach_env(
        UNREACHABLE,
        tmp_path / "data",
        HEALTH_PORT=str(port),
        TELEGRAM_TOKEN="123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789",
        TELEGRAM_API_URL="http://127.0.0.1:9/bot",
    )
    with spawn(["run"], env, tmp_path / "run", stdin=subprocess.DEVNULL) as coach:
        deadline = time.monotonic() + 30
        while "database_unreachable" not in coach.stderr():
            assert coach.popen.poll() is None, coach.stderr()
            assert time.monotonic() < deadline, coach.stderr()
            time.sleep(0.2)
        ready = urllib.request.Request(f"http://127.0.0.1:{port}/readyz")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(ready, timeout=10)
        assert refused.value.code == 503
        assert "database: not reached yet" in refused.value.read().decode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as alive:
            assert alive.status == 200
        coach.terminate()
        result = coach.wait(timeout=20)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    assert "ABCdefGHI" not in result.stderr


@pytest.mark.postgres
async def test_postgres_ahead_of_the_code_is_refused_without_suggesting_migrate(
    pg_url: str, tmp_path: Path
) -> None:
    engine = create_async_engine(pg_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
            )
            await connection.execute(text("INSERT INTO alembic_version VALUES ('9999_next')"))
    finally:
        await engine.dispose()
    for command in ("run", "console", "migrate"):
        line = assert_one_line(cli(command, pg_url, tmp_path), "9999_next")
        assert "bot migrate" not in line


@pytest.mark.postgres
def test_postgres_behind_head_names_the_migrate_command(pg_url: str, tmp_path: Path) -> None:
    line = assert_one_line(cli("run", pg_url, tmp_path), "python -m bot migrate")
    assert head_revision() in line
    assert cli("migrate", pg_url, tmp_path).returncode == 0
