"""A reminder burst across several worker processes on PostgreSQL: exactly once, no 429,
at the limit's pace, with interactive replies still quick.

``--runners`` one-off reminders (default 3,000) are due at once; ``--workers`` real
``python -m bot run`` processes (default 3) on one PostgreSQL database and one token send
them to Telegram's stand-in, which enforces Telegram's flood limits (30 a second, 1 a
second per chat). The workers share the send budget in the database
(``bot/storage/send_budget.py``), which spaces the bot's sends at 29 a second. Meanwhile
a probe writes ``/help`` every ``--probe-every`` seconds (default 0.5; 0 for none), from
four runners in turn, and the time to each reply is kept. (One runner writing twice a
second would time Telegram's limit of a message a second per chat: half a second a
reply, however fast the bot.)

Prints: runners reached, lost, duplicated, 429s, how many workers sent, the time from the
first reminder to the last runner reached against the floor N/30 s (and the ratio), the
probe's replies sent meanwhile and the floor counting them too ((N + replies)/30 s: every
message the bot sends draws on the same 30 a second), and the probe's p50/p99/max. The
scenario is ``tests/faults/scale_out.py``. The machine's load matters (the stand-in, three
workers and PostgreSQL share its cores): ``load_1min`` is printed with the figures.

Run: ``python bench/scale_burst.py`` (``--runners 600`` for a shorter run; ``--json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

# Run as a script, this folder is first on the path; put the repository root there.
sys.path.remove(sys.path[0])
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.reminder_burst import PostgresUnavailable, postgres_database
from tests.faults.scale_out import run_shared_burst

TELEGRAM_PER_SECOND = 30


async def one(runners: int, workers: int, probe_every: float, kill: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with postgres_database() as url:
            outcome = await run_shared_burst(
                url,
                Path(tmp),
                runners=runners,
                workers=workers,
                kill_one=kill,
                probe_every=probe_every,
            )
    floor = runners / TELEGRAM_PER_SECOND
    with_replies = (runners + outcome.others_during) / TELEGRAM_PER_SECOND
    probes = outcome.probe_latencies
    return {
        "runners": runners,
        "workers": workers,
        "killed_one": outcome.killed,
        "reached": runners - outcome.lost,
        "lost": outcome.lost,
        "duplicated": outcome.duplicated,
        "unmarked_repeats": outcome.unmarked_repeats,
        "throttled_429": outcome.throttled,
        "workers_that_sent": outcome.senders,
        "first_to_last_s": round(outcome.first_to_last, 2),
        "floor_s": round(floor, 2),
        "over_floor": round(outcome.first_to_last / floor - 1, 4),
        "replies_meanwhile": outcome.others_during,
        "floor_with_replies_s": round(with_replies, 2),
        "over_floor_with_replies": round(outcome.first_to_last / with_replies - 1, 4),
        "probe_count": len(probes),
        "probe_p50_ms": round(statistics.median(probes) * 1000, 1) if probes else None,
        "probe_p99_ms": round(outcome.p99() * 1000, 1) if probes else None,
        "probe_max_ms": round(max(probes) * 1000, 1) if probes else None,
        "load_1min": round(os.getloadavg()[0], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runners", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--probe-every", type=float, default=0.5)
    parser.add_argument("--kill-one", action="store_true", help="SIGKILL one worker mid-burst")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        result = asyncio.run(one(args.runners, args.workers, args.probe_every, args.kill_one))
    except PostgresUnavailable as exc:
        print(f"skipped: {exc}")
        return 0
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>20}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
