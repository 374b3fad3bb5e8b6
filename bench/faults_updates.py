"""Updates across kill -9: lost and twice-handled messages, on SQLite and PostgreSQL.

The scenario of tests/faults/update_stream.py with many more kills: real ``python -m bot
run`` processes against the Telegram stand-in (Telegram's real flood limits), 30 chats
typing 25 commands a second between them, the bot killed with SIGKILL ``--kills`` times
at random moments and restarted at once. Per message it counts:

- lost: no reply;
- twice: two replies for an update handled twice;
- resent: two replies, the second sent after a restart because the first was in flight
  (sent, not yet marked) when the process died; at most one per chat per kill.

PostgreSQL is the server at 127.0.0.1:5432 (``TEST_POSTGRES_URL`` to change it); a fresh
database is made and dropped. Run: ``python bench/faults_updates.py [--kills 20]``.
About two minutes per database at 20 kills.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on the path; look in the project root.
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bot.storage.database import create_engine  # noqa: E402
from bot.storage.migrations import upgrade_to_head  # noqa: E402
from tests.faults.update_stream import StreamReport, run_kill_stream  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


async def on_sqlite(kills: int, workdir: Path) -> StreamReport:
    url = f"sqlite:///{workdir / 'coach.sqlite3'}"
    return await run_kill_stream(url, workdir, kills=kills)


async def on_postgres(kills: int, workdir: Path) -> StreamReport | None:
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"hipcoach_bench_{uuid.uuid4().hex[:12]}"
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"postgresql: skipped, not reachable at {PG_ADMIN_URL} ({type(exc).__name__})")
        await admin.dispose()
        return None
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = create_engine(url)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()
        return await run_kill_stream(url, workdir, kills=kills)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20, help="kills per database (20)")
    args = parser.parse_args()
    failed = False
    for run in (on_sqlite, on_postgres):
        with tempfile.TemporaryDirectory(prefix="faults-updates-") as folder:
            report = await run(args.kills, Path(folder))
        if report is None:
            continue
        print(report.line())
        if report.lost or report.twice:
            print(f"  lost: {report.lost}\n  twice: {report.twice}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
