"""The fault scenarios, run longer than the test suite runs them, with figures.

Per database (SQLite always; PostgreSQL when the local server answers):

- erasure after kill: ``--kills`` runs of a runner who warms up, reports a tight spot,
  exports, types /forget, and is killed with SIGKILL the moment "erased" shows; then a
  restart, and a byte search of everything kept (SQLite file, -wal, -shm, exports, logs)
  for the runner's words and id. On PostgreSQL, dead row versions left in the runner's
  tables after the restart count as traces too.
- broken databases: each broken-database case through ``python -m bot run``.
- fuzz: ``tests/faults/test_fuzz.py`` with ``--fuzz-text`` and ``--fuzz-presses`` examples.

Then the other fault drivers, when present (``bench/faults_updates.py``,
``bench/faults_reminders.py``): each module's ``main()`` (or ``run()``) is called with
``kills``; if it returns rows (dicts with this table's columns) they join the table.

Columns: runs; lost (runs where something the coach said it did was not done: the
runner's rows still there after "erased"); twice (something done twice; none of these
scenarios can); traces (bytes of the runner found after erasure, dead rows on
PostgreSQL); tracebacks (runs that showed one); silent exits (runs that ended other than
they should, without a line saying why).

Run: ``python bench/faults.py --kills 20``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.testing import shipped_content
from tests.faults.harness import (
    TRACEBACK,
    coach_env,
    postgres_reachable,
    run_coach,
    spawn,
    sqlite_url,
    temporary_postgres,
)
from tests.faults.test_erasure_after_kill import database_state
from tests.features.privacy.test_erasure import NEEDLES, USER, forget, journey, traces

ROOT = Path(__file__).resolve().parents[1]
OTHER_DRIVERS = (
    ("update stream", "bench.faults_updates"),
    ("reminder burst", "bench.faults_reminders"),
)


@dataclass
class Row:
    scenario: str
    database: str
    runs: int = 0
    lost: int = 0
    twice: int = 0
    traces: int = 0
    tracebacks: int = 0
    silent_exits: int = 0
    seconds: float = 0.0


def erasure_after_kill(database: str, kills: int, work: Path) -> Row:
    row = Row("erasure after kill", database)
    content = shipped_content()
    started = time.monotonic()
    for run in range(kills):
        folder = work / f"erase-{database}-{run}"
        if database == "sqlite":
            _erase_once(row, content, folder, sqlite_url(folder / "data" / "hipcoach.sqlite3"))
        else:
            with temporary_postgres() as url:
                assert run_coach(["migrate"], coach_env(url, folder), folder).returncode == 0
                _erase_once(row, content, folder, url)
    row.seconds = time.monotonic() - started
    return row


def _erase_once(row: Row, content: Any, folder: Path, url: str) -> None:
    data_dir = folder / "data"
    env = coach_env(url, data_dir, LOG_LEVEL="DEBUG")
    row.runs += 1
    with spawn(["console", "--user", USER], env, folder / "run") as coach:
        coach.type(*journey(content), *forget(content))
        try:
            coach.wait_for(content.texts.privacy.forgotten.split("\n")[0], timeout=60)
        except AssertionError:
            row.silent_exits += 1
        coach.kill()
        killed = coach.wait(timeout=20)
    restart = run_coach(["console"], env, folder / "restart")
    shown = killed.stdout + killed.stderr + restart.stdout + restart.stderr
    row.tracebacks += shown.count(TRACEBACK)
    if restart.returncode != 0:
        row.silent_exits += 1
    kept = [data_dir / "exports", coach.stderr_path]
    if url.startswith("sqlite"):
        db = data_dir / "hipcoach.sqlite3"
        kept += [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
        with sqlite3.connect(db) as connection:
            left = connection.execute(
                "SELECT count(*) FROM users WHERE platform_user_id = ?", (USER,)
            ).fetchone()[0]
    else:
        state = asyncio.run(database_state(url, settle=True))
        left = int(state["users"])  # type: ignore[call-overload]
        row.traces += sum(state["dead"].values())  # type: ignore[attr-defined]
    row.lost += 1 if left else 0
    row.traces += sum(traces(kept).values())
    row.traces += sum(restart.stderr.encode().count(n) for n in NEEDLES)


def broken_databases(database: str, work: Path) -> Row:
    """Each case through ``run``: one line and exit 2, never a traceback."""
    row = Row("broken databases", database)
    started = time.monotonic()
    cases: list[tuple[str, Callable[[Path], str]]] = []
    if database == "sqlite":
        cases = [
            ("random bytes", _random_bytes),
            ("tables, no version", _foreign_tables),
            ("newer revision", _newer_revision),
            ("opened read-only", _read_only_uri),
            ("folder can't be made", _blocked_folder),
        ]
    for name, make in cases:
        folder = work / f"broken-{name.replace(' ', '-')}"
        folder.mkdir(parents=True)
        result = run_coach(["run"], coach_env(make(folder), folder / "data"), folder)
        row.runs += 1
        row.tracebacks += (result.stdout + result.stderr).count(TRACEBACK)
        if result.returncode != 2 or len(result.stderr_lines) != 1:
            row.silent_exits += 1
            print(f"  {name}: exit {result.returncode}: {result.stderr.strip()[:300]}")
    if database == "postgres":
        with temporary_postgres() as url:
            for name, statements in (
                ("behind head", []),
                ("ahead of head", ["CREATE TABLE alembic_version (version_num VARCHAR(32))",
                                   "INSERT INTO alembic_version VALUES ('9999_next')"]),
            ):  # fmt: skip
                asyncio.run(_execute(url, statements))
                result = run_coach(["run"], coach_env(url, work / "pg"), work / "pg")
                row.runs += 1
                row.tracebacks += (result.stdout + result.stderr).count(TRACEBACK)
                told = result.stderr_lines
                wrong = name == "ahead of head" and "bot migrate" in result.stderr
                if result.returncode != 2 or len(told) != 1 or wrong:
                    row.silent_exits += 1
        row.runs += 1
        unreachable = "postgresql+asyncpg://postgres@127.0.0.1:9/nothing"
        with spawn(["run"], coach_env(unreachable, work / "gone"), work / "gone") as coach:
            time.sleep(4)
            coach.terminate()
            result = coach.wait(timeout=20)
        row.tracebacks += (result.stdout + result.stderr).count(TRACEBACK)
        if result.returncode != 0 or "database_unreachable retry_in_s=" not in result.stderr:
            row.silent_exits += 1
    row.seconds = time.monotonic() - started
    return row


def _random_bytes(folder: Path) -> str:
    (folder / "db").write_bytes(os.urandom(8192))
    return sqlite_url(folder / "db")


def _foreign_tables(folder: Path) -> str:
    with sqlite3.connect(folder / "db") as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    return sqlite_url(folder / "db")


def _newer_revision(folder: Path) -> str:
    with sqlite3.connect(folder / "db") as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        db.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    return sqlite_url(folder / "db")


def _read_only_uri(folder: Path) -> str:
    run_coach(["migrate"], coach_env(sqlite_url(folder / "db"), folder), folder)
    return f"sqlite:///file:{folder / 'db'}?mode=ro&uri=true"


def _blocked_folder(folder: Path) -> str:
    (folder / "blocker").write_text("a file where a folder should be")
    return sqlite_url(folder / "blocker" / "db")


async def _execute(url: str, statements: list[str]) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def fuzz(text_examples: int, presses: int) -> Row:
    row = Row("fuzz (in-process + terminal)", "sqlite", runs=text_examples + presses + 1)
    started = time.monotonic()
    env = {
        **os.environ,
        "FUZZ_TEXT_EXAMPLES": str(text_examples),
        "FUZZ_PRESS_EXAMPLES": str(presses),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/faults/test_fuzz.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        row.tracebacks += 1
        print(result.stdout[-3000:])
    row.seconds = time.monotonic() - started
    return row


def other_drivers(kills: int) -> list[Row]:
    rows: list[Row] = []
    for name, module_name in OTHER_DRIVERS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            print(f"({name}: {module_name} not present, skipped)")
            continue
        entry = getattr(module, "main", None) or getattr(module, "run", None)
        if entry is None:
            print(f"({name}: {module_name} has no main() or run(), skipped)")
            continue
        try:
            produced = entry(kills=kills)
        except TypeError:
            produced = entry()
        for item in produced if isinstance(produced, list) else []:
            known = {k: v for k, v in dict(item).items() if k in Row.__dataclass_fields__}
            rows.append(Row(**{"scenario": name, "database": "-", **known}))
    return rows


def print_table(rows: list[Row]) -> None:
    columns = list(Row.__dataclass_fields__)
    cells = [[_cell(value) for value in asdict(row).values()] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    names = [c.replace("_", " ") for c in columns]
    print("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)))
    for row_cells in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row_cells, widths, strict=True)))


def _cell(value: object) -> str:
    return f"{value:.0f}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=20, help="kill -9 runs per database")
    parser.add_argument("--fuzz-text", type=int, default=5000, help="typed inputs to fuzz")
    parser.add_argument("--fuzz-presses", type=int, default=3000, help="presses to fuzz")
    args = parser.parse_args(argv)
    databases = ["sqlite"] + (["postgres"] if postgres_reachable() else [])
    if "postgres" not in databases:
        print("(PostgreSQL at 127.0.0.1:5432 not reachable: SQLite only)")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="hipcoach-faults-") as tmp:
        work = Path(tmp)
        for database in databases:
            rows.append(erasure_after_kill(database, args.kills, work))
            rows.append(broken_databases(database, work))
        rows.append(fuzz(args.fuzz_text, args.fuzz_presses))
    rows += other_drivers(args.kills)
    print_table(rows)
    bad = sum(r.lost + r.twice + r.traces + r.tracebacks + r.silent_exits for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
