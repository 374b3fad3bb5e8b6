"""Throughput through nginx for 1, 2 and 3 workers on PostgreSQL, on the same load.

Each phase starts N real ``python -m bot run`` workers in webhook mode on a fresh
PostgreSQL database, with Debian's nginx in front of them (the README's configuration,
as the tests run it: ``tests/workers/cluster.py``), and the Telegram stand-in in this
process. ``--chats`` runners then type as fast as the coach answers (a closed loop: each
sends its next message when the reply to the last one is in), for ``--seconds`` after a
short warm-up. Every message is an unknown command, answered with one message naming it,
so each reply is matched to its message. Per phase:

- updates/s: replies received per second of the measured window;
- p50/p99: from posting the update to nginx to the reply reaching the stand-in;
- CPU seconds per 1,000 updates of the workers, of PostgreSQL (every ``postgres``
  process on the machine: other users' work would show here too), of nginx, and of this
  process (stand-in and runners), and how busy the machine's cores were.

The workers' pacer is lifted far above the load (in the worker processes only, through a
preamble), so the figure is what the workers and the database can do, not Telegram's 30
messages a second, which caps any number of workers alike.

Every phase has the same load, and the table puts them side by side; the scaling ratio is
each phase's updates/s over the single worker's.

Run: ``python bench/scale.py`` (options: --chats, --seconds, --workers 1,2,3). Needs the
PostgreSQL at 127.0.0.1:5432 and nginx. ``--with-more`` also runs ``bench/scale_burst.py``
and ``bench/scale_failover.py`` when they are there (their ``main()``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from tests.standins.telegram_api import TelegramStandIn  # noqa: E402
from tests.workers.cluster import Cluster, Telegram, Worker, migrate, nginx_binary  # noqa: E402
from tests.workers.runners import Runner  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
MORE = ("scale_burst", "scale_failover")
# In the workers only: no pacing to speak of, so the software is what is measured.
UNPACED = """
import bot.delivery.limits as limits
from bot.delivery.pacer import PaceLimits
limits.TELEGRAM = PaceLimits(
    overall_per_second=100000, overall_burst=1000, per_chat_per_second=100000,
    per_chat_burst=1000, per_group_per_minute=10000000,
)
"""
TICKS = os.sysconf("SC_CLK_TCK")


class UnpacedWorker(Worker):
    async def start(self) -> None:
        main = "import sys\nfrom bot.__main__ import main\nsys.exit(main(['run']))\n"
        with self.log_path.open("ab") as log_file:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                UNPACED + main,
                cwd=self.workdir,
                env=self.env(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log_file,
            )


@dataclass
class Phase:
    workers: int
    updates: int
    seconds: float
    latencies: list[float]
    cpu: dict[str, float]  # CPU seconds in the window, by who
    busy: float  # share of all cores busy in the window

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def per_thousand(self, who: str) -> float:
        return self.cpu.get(who, 0.0) / max(self.updates, 1) * 1000


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _pids_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
    return found


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) == pid:
                    found.append(int(entry.name))
    return found


def _machine() -> tuple[float, float]:
    """(busy, total) jiffies of all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _snapshot(cluster: Cluster) -> dict[str, float]:
    workers = sum(_cpu_of(w.process.pid) for w in cluster.workers if w.process is not None)
    nginx = 0.0
    if cluster.nginx.process is not None:
        master = cluster.nginx.process.pid
        nginx = sum(_cpu_of(p) for p in [master, *_children(master)])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "workers": workers,
        "postgres": sum(_cpu_of(p) for p in _pids_named("postgres")),
        "nginx": nginx,
        "bench": usage.ru_utime + usage.ru_stime,
    }


@contextlib.asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    name = f"hipcoach_scale_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def run_phase(workers: int, chats: int, seconds: float, warmup: float) -> Phase:
    with tempfile.TemporaryDirectory(prefix="hipcoach-scale-") as folder:
        workdir = Path(folder)
        async with fresh_database() as url, TelegramStandIn(push_webhook=False) as api:
            api.wait_seconds = 60.0
            await migrate(url, workdir / "migrate")
            cluster = Cluster(api, url, workdir, workers)
            cluster.workers = [
                UnpacedWorker(api, url, w.workdir, w.name, w.port) for w in cluster.workers
            ]
            try:
                await cluster.start()
                async with Telegram(cluster.nginx.url) as telegram:
                    return await _measure(api, telegram, cluster, chats, seconds, warmup)
            finally:
                await cluster.stop()


async def _measure(
    api: TelegramStandIn,
    telegram: Telegram,
    cluster: Cluster,
    chats: int,
    seconds: float,
    warmup: float,
) -> Phase:
    runners = [Runner.new(api, telegram) for _ in range(chats)]
    window: dict[str, float] = {}
    counted: list[float] = []
    stop = asyncio.Event()

    async def type_away(n: int, runner: Runner) -> None:
        count = 0
        while not stop.is_set():
            token = f"x{n}n{count}"
            started = time.monotonic()
            await runner.say(f"/{token}", token)
            if "start" in window and started >= window["start"]:
                counted.append(time.monotonic() - started)
            count += 1

    async def clock() -> tuple[dict[str, float], float]:
        await asyncio.sleep(warmup)
        before, machine_before = _snapshot(cluster), _machine()
        window["start"] = time.monotonic()
        await asyncio.sleep(seconds)
        after, machine_after = _snapshot(cluster), _machine()
        window["end"] = time.monotonic()
        stop.set()
        busy = (machine_after[0] - machine_before[0]) / max(machine_after[1] - machine_before[1], 1)
        return {k: after[k] - before[k] for k in after}, busy

    typing = [asyncio.create_task(type_away(n, r)) for n, r in enumerate(runners)]
    cpu, busy = await clock()
    await asyncio.gather(*typing)
    # Only messages posted inside the window, and answered: the closed loop's true rate.
    length = window["end"] - window["start"]
    return Phase(len(cluster.workers), len(counted), length, counted, cpu, busy)


def report(phases: list[Phase], chats: int) -> str:
    base = phases[0].rate
    lines = [
        f"{chats} runners typing as fast as answered; {os.cpu_count()} cores",
        "workers  updates/s  ratio  p50 ms  p99 ms  cores busy  "
        "CPU s per 1000 updates: workers  postgres  nginx  bench",
    ]
    for p in phases:
        lines.append(
            f"{p.workers:7d}  {p.rate:9.1f}  {p.rate / base:5.2f}  {p.quantile(0.5):6.0f}  "
            f"{p.quantile(0.99):6.0f}  {p.busy:9.0%}  "
            f"{p.per_thousand('workers'):31.1f}  {p.per_thousand('postgres'):8.1f}  "
            f"{p.per_thousand('nginx'):5.1f}  {p.per_thousand('bench'):5.1f}"
        )
    return "\n".join(lines)


async def amain(args: argparse.Namespace) -> None:
    if nginx_binary() is None:
        raise SystemExit("nginx is not installed: apt-get install nginx-light")
    phases = []
    for count in [int(n) for n in args.workers.split(",")]:
        phase = await run_phase(count, args.chats, args.seconds, args.warmup)
        print(
            f"  {count} worker(s): {phase.rate:.1f} updates/s, p99 {phase.quantile(0.99):.0f} ms",
            flush=True,
        )
        phases.append(phase)
    print(report(phases, args.chats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--with-more", action="store_true", help="also run " + ", ".join(MORE))
    args = parser.parse_args()
    asyncio.run(amain(args))
    if args.with_more:
        for name in MORE:
            if (HERE / f"{name}.py").exists():
                print(f"--- {name}", flush=True)
                importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main()
