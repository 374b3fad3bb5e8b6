"""A database the coach can't use stops the command with one line and exit code 2.

Each case runs the real command line (``python -m bot``) on a broken database, as a
deployer would, and checks what they would see: one line on stderr that says what is
wrong, no traceback, exit code 2, and the database left exactly as it was.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.migrations import head_revision

ROOT = Path(__file__).resolve().parents[2]


def run_cli(command: str, url: str, *, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "CONTENT_DIR": str(ROOT / "content")}
    env.pop("TELEGRAM_TOKEN", None)
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", command],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


def _sqlite_with(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)


@pytest.mark.parametrize("command", ["console", "migrate"])
def test_random_bytes_are_not_a_database(tmp_path: Path, command: str) -> None:
    path = tmp_path / "coach.sqlite3"
    garbage = os.urandom(8192)
    path.write_bytes(garbage)
    result = run_cli(command, f"sqlite:///{path}")
    assert_one_line(result, "not a SQLite database", str(path))
    assert path.read_bytes() == garbage


def test_tables_without_a_migration_record_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    _sqlite_with(path, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    result = run_cli("migrate", f"sqlite:///{path}")
    assert_one_line(result, "no migration record")
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert tables == {"users"}  # nothing was added to somebody else's database


def test_a_newer_revision_is_refused_without_suggesting_migrate(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    _sqlite_with(
        path,
        "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
        "INSERT INTO alembic_version VALUES ('9999_from_the_future')",
    )
    line = assert_one_line(run_cli("console", f"sqlite:///{path}"), "9999_from_the_future")
    assert "newer version" in line
    assert "bot migrate" not in line


def test_a_read_only_database_is_refused_before_any_step(tmp_path: Path) -> None:
    path = tmp_path / "coach.sqlite3"
    assert run_cli("migrate", f"sqlite:///{path}").returncode == 0
    before = path.read_bytes()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    result = run_cli("console", url, stdin="/start\n")
    assert_one_line(result, "read-only")
    assert "Hip Coach" not in result.stdout  # no chat started on a database it can't save
    assert path.read_bytes() == before


def test_a_missing_folder_that_cannot_be_made_gets_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    result = run_cli("migrate", f"sqlite:///{blocker}/coach.sqlite3")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_server_gets_one_line_from_migrate() -> None:
    # A port nothing listens on: connection refused at once.
    result = run_cli("migrate", "postgresql+asyncpg://postgres@127.0.0.1:9/nothing")
    assert_one_line(result, "does not answer", "127.0.0.1:9")


@pytest.mark.postgres
async def test_postgres_ahead_of_the_code_is_refused_without_suggesting_migrate(
    pg_url: str,
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
    for command in ("console", "migrate"):
        line = assert_one_line(run_cli(command, pg_url), "9999_next")
        assert "bot migrate" not in line


@pytest.mark.postgres
def test_postgres_behind_head_names_the_migrate_command(pg_url: str) -> None:
    line = assert_one_line(run_cli("console", pg_url), "python -m bot migrate")
    assert head_revision() in line
    assert run_cli("migrate", pg_url).returncode == 0
