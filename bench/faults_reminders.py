"""Reminders across many kill -9s: the real ``python -m bot run``, killed mid-burst again
and again, on SQLite and PostgreSQL.

The scenario is ``tests/faults/reminder_burst.py`` (300 runners' one-off reminders due
at once, sent at Telegram's 30 a second to the stand-in), here with ``--kills`` kills
(default 20) spread evenly over the burst, then one SIGTERM to finish. Per database it
prints how many runners got nothing (lost), how many extra arrivals there were
(duplicated) against the bound (the sends in flight at each kill), repeats without the
"may be a repeat" line, arrivals saying they come late, the lost count in the bot's
logs, and rows left claimed. PostgreSQL is skipped, with the reason, when the local
server does not answer.

Run: ``python bench/faults_reminders.py`` (``--databases sqlite`` for one,
``--json`` for one line per database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

# Run as a script, this folder is first on the path; put the repository root there.
sys.path.remove(sys.path[0])
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.reminder_burst import (
    PostgresUnavailable,
    postgres_database,
    run_burst,
)


async def one(database: str, kills: int, runners: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if database == "sqlite":
            url = f"sqlite:///{work / 'burst.sqlite3'}"
            outcome = await run_burst(url, work / "run", kills=kills, runners=runners)
        else:
            try:
                async with postgres_database() as url:
                    outcome = await run_burst(url, work / "run", kills=kills, runners=runners)
            except PostgresUnavailable as exc:
                return {"database": database, "skipped": str(exc)}
    summary = outcome.summary()
    summary["database"] = database
    return summary


def verdict(result: dict[str, Any]) -> list[str]:
    if "skipped" in result:
        return []
    failures = []
    if result["lost"]:
        failures.append(f"{result['lost']} lost")
    if result["duplicated"] > result["repeat_bound"]:
        failures.append("more repeats than sends in flight")
    if result["unmarked_repeats"]:
        failures.append("repeats without the may-be-a-repeat line")
    if result["left_claimed_at_end"]:
        failures.append("claims left behind")
    if any(code != 0 for code in result["term_exit_codes"]):
        failures.append("SIGTERM did not exit 0")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--runners", type=int, default=300)
    parser.add_argument(
        "--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument("--json", action="store_true", help="one JSON line per database")
    args = parser.parse_args()
    failures: list[str] = []
    for database in args.databases:
        result = asyncio.run(one(database, args.kills, args.runners))
        failed = verdict(result)
        failures += [f"{database}: {failure}" for failure in failed]
        if args.json:
            print(json.dumps(result))
            continue
        print(f"[{database}]")
        for key, value in result.items():
            if key != "database":
                print(f"  {key}: {value}")
    print("PASS" if not failures else "FAIL: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
