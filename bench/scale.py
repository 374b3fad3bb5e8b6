"""Webhook updates through nginx for 1, 2 and 3 workers on PostgreSQL, on the same load.

Each phase starts N real ``python -m bot run`` workers in webhook mode on a fresh
PostgreSQL database, with Debian's nginx in front of them (the README's configuration,
as the tests run it: ``tests/workers/cluster.py``), and the Telegram stand-in in this
process. Every message is an unknown command, answered with one message naming it, so
each reply is matched to its message. Each phase measures two loads, after a warm-up:

- **offered rate** (``--rate``, below saturation): messages posted at fixed intervals,
  spread over ``--rate-chats`` runners (one message in flight per runner), whatever the
  answers do: the time to an answer when the coach keeps up, which is what a runner
  notices. The same rate for every phase, so the latencies compare.
- **saturation**: ``--chats`` runners type as fast as the coach answers (a closed loop:
  each sends its next message when the reply to the last one is in): the most updates a
  second the phase can take.

Per load: updates/s (replies to messages posted in the window), p50/p99 from posting the
update to nginx to the reply reaching the stand-in, the scaling ratio (over one worker's
updates/s), CPU milliseconds per update of the workers, PostgreSQL (the backends serving
this run's database), nginx and this process (stand-in and runners), and the cores busy
with other work (the machine is shared); the workers'
database calls per update (asyncpg calls, each one round trip: statements, and
``BEGIN``/``COMMIT``/pings), and the updates that waited for their chat's turn.

The workers' pacer is lifted far above the load (in the worker processes only, through a
preamble), so the figure is what the workers and the database can do, not Telegram's 30
messages a second, which caps any number of workers alike.

What limits scaling here (2 cores; figures in the README, "Running more than one
worker"): CPU, all of it. At saturation both cores are busy, and an update costs about
the same CPU whichever worker takes it, so updates/s is the cores left free of other work
divided by the CPU per update: printed as the ceiling, which the measured rate meets. One
worker already has both cores busy, since PostgreSQL, nginx and the stand-in share them
with it, so more workers cannot go faster here; they add a little CPU per update (each
worker's own background checks, smaller group commits, and half or more of the updates
meeting their chat's earlier one on another worker: one more look and a notification).
The turn itself no longer costs CPU while waiting (no polling), and the wait is short.

Every database call costs CPU on both sides (the send that wakes the server, and its
work), and calls were most of a worker's work: an update made about 30 (the pool's
pre-ping was 3 on every connection taken, the arrival 3 more plus a poll every 10 ms
while waiting, the done mark 4 in a transaction of its own). It makes about 17 now: the
step's transaction (a ping, ``BEGIN``, the conversation read and written, the update
recorded, ``COMMIT``), the send budget's reservation (4: ping, ``BEGIN``, the statement,
``COMMIT``), the reply marks (3, shared with other updates), the arrival (a ping and one
statement) and the done mark (shared). On a machine with more cores than one worker
uses, workers add throughput until PostgreSQL's cores are the limit.

Run: ``python bench/scale.py`` (options: --rate, --rate-chats, --chats, --seconds,
--warmup, --workers 1,2,3). Needs the PostgreSQL at 127.0.0.1:5432 and nginx.
``--with-more`` also runs ``bench/scale_burst.py`` and ``bench/scale_failover.py`` when
they are there (their ``main()``).
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
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

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
# In the workers only: no pacing to speak of, so the software is what is measured; and
# every asyncpg call (one round trip each) counted, by kind, on /metrics.
PREAMBLE = """
import bot.delivery.limits as limits
from bot.delivery.pacer import PaceLimits
limits.TELEGRAM = PaceLimits(
    overall_per_second=100000, overall_burst=1000, per_chat_per_second=100000,
    per_chat_burst=1000, per_group_per_minute=10000000,
)
import asyncpg.connection, asyncpg.prepared_stmt
from prometheus_client import Counter
_CALLS = Counter("bench_db_calls_total", "asyncpg calls", ["kind"])
def _counted(cls, name, kind):
    original = getattr(cls, name)
    async def counted(self, *args, **kwargs):
        _CALLS.labels(kind).inc()
        return await original(self, *args, **kwargs)
    setattr(cls, name, counted)
_counted(asyncpg.connection.Connection, "execute", "control")
_counted(asyncpg.connection.Connection, "fetchrow", "control")
_counted(asyncpg.connection.Connection, "prepare", "prepare")
_counted(asyncpg.prepared_stmt.PreparedStatement, "fetch", "statement")
_counted(asyncpg.prepared_stmt.PreparedStatement, "executemany", "statement")
_connect = asyncpg.connect
async def _connecting(*args, **kwargs):
    _CALLS.labels("connect").inc()
    return await _connect(*args, **kwargs)
asyncpg.connect = _connecting
"""
TICKS = os.sysconf("SC_CLK_TCK")
WHO = ("workers", "postgres", "nginx", "bench")
METRICS = (
    "bench_db_calls_total",
    "hipcoach_update_order_waits_total",
    "hipcoach_update_order_wait_seconds_sum",
)


class Measured(Cluster):
    def __init__(self, api: TelegramStandIn, url: str, workdir: Path, count: int) -> None:
        super().__init__(api, url, workdir, count)
        self.database = url.rsplit("/", 1)[1]
        self.workers = [CountedWorker(api, url, w.workdir, w.name, w.port) for w in self.workers]


class CountedWorker(Worker):
    async def start(self) -> None:
        main = "import sys\nfrom bot.__main__ import main\nsys.exit(main(['run']))\n"
        with self.log_path.open("ab") as log_file:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                PREAMBLE + main,
                cwd=self.workdir,
                env=self.env(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log_file,
            )


@dataclass
class Window:
    """One load's measurement on one phase."""

    load: str
    workers: int
    updates: int
    seconds: float
    latencies: list[float]
    cpu: dict[str, float]  # CPU seconds in the window, by who
    busy: float  # cores busy, all work on the machine
    counters: dict[str, float] = field(default_factory=dict)  # the workers' metrics

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def ms_per_update(self, who: str) -> float:
        return self.cpu.get(who, 0.0) / max(self.updates, 1) * 1000

    @property
    def ours(self) -> float:
        """Cores busy with this measurement's processes."""
        return sum(self.cpu.get(w, 0.0) for w in WHO) / self.seconds

    def per_update(self, counter: str) -> float:
        return self.counters.get(counter, 0.0) / max(self.updates, 1)


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _processes() -> dict[int, tuple[str, int]]:
    """pid -> (name, parent pid)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                head, tail = (entry / "stat").read_text().rsplit(")", 1)
                found[int(entry.name)] = (head.split("(", 1)[1], int(tail.split()[1]))
    return found


def _title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _machine() -> tuple[float, float]:
    """(busy, total) jiffies of all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _snapshot(cluster: Measured) -> dict[str, float]:
    processes = _processes()
    workers = sum(_cpu_of(w.process.pid) for w in cluster.workers if w.process is not None)
    nginx = 0.0
    if cluster.nginx.process is not None:
        master = cluster.nginx.process.pid
        nginx = _cpu_of(master) + sum(
            _cpu_of(p) for p, (_, parent) in processes.items() if parent == master
        )
    # This run's database's backends only (their title names it): other people's work on
    # a shared server stays out. (A backend that exits takes its CPU with it.)
    backends = {
        f"pg{pid}": _cpu_of(pid)
        for pid, (name, _) in processes.items()
        if name == "postgres" and f" {cluster.database} " in _title(pid)
    }
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "workers": workers,
        **backends,
        "nginx": nginx,
        "bench": usage.ru_utime + usage.ru_stime,
    }


async def _counters(session: aiohttp.ClientSession, cluster: Cluster) -> dict[str, float]:
    """The workers' metrics of :data:`METRICS`, summed (database calls also by kind)."""
    totals: dict[str, float] = {}
    for worker in cluster.workers:
        async with session.get(f"http://127.0.0.1:{worker.port}/metrics") as answer:
            body = await answer.text()
        for line in body.splitlines():
            name = line.split("{", 1)[0].split(" ", 1)[0]
            if name not in METRICS:
                continue
            value = float(line.rsplit(" ", 1)[1])
            totals[name] = totals.get(name, 0.0) + value
            if 'kind="' in line:
                kind = name + ":" + line.split('kind="', 1)[1].split('"', 1)[0]
                totals[kind] = totals.get(kind, 0.0) + value
    return totals


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


@dataclass
class Load:
    rate: float
    rate_chats: int
    chats: int
    seconds: float
    warmup: float


async def run_phase(workers: int, load: Load) -> list[Window]:
    with tempfile.TemporaryDirectory(prefix="hipcoach-scale-") as folder:
        workdir = Path(folder)
        async with fresh_database() as url, TelegramStandIn(push_webhook=False) as api:
            api.wait_seconds = 60.0
            await migrate(url, workdir / "migrate")
            cluster = Measured(api, url, workdir, workers)
            try:
                await cluster.start()
                async with Telegram(cluster.nginx.url) as telegram, aiohttp.ClientSession() as s:
                    offered = await _measure(
                        "rate", cluster, s, load, _offered(api, telegram, load)
                    )
                    saturated = await _measure(
                        "saturation", cluster, s, load, _closed_loop(api, telegram, load)
                    )
                    return [offered, saturated]
            finally:
                await cluster.stop()


Counted = Callable[[float], None]  # called with each latency inside the window
Driver = Callable[[asyncio.Event, Callable[[float], bool], Counted], Coroutine[Any, Any, None]]


def _offered(api: TelegramStandIn, telegram: Telegram, load: Load) -> Driver:
    """Messages at fixed intervals, each runner with at most one in flight."""
    runners = [Runner.new(api, telegram) for _ in range(load.rate_chats)]
    free = list(range(len(runners)))

    async def drive(stop: asyncio.Event, inside: Callable[[float], bool], count: Counted) -> None:
        sent: set[asyncio.Task[None]] = set()
        serial = 0

        async def one(n: int, token: str) -> None:
            started = time.monotonic()
            try:
                await runners[n].say(f"/{token}", token)
                if inside(started):
                    count(time.monotonic() - started)
            finally:
                free.append(n)

        begun = time.monotonic()
        while not stop.is_set():
            serial += 1
            if free:  # else every runner waits for an answer: this one is not offered
                n = free.pop(0)
                task = asyncio.create_task(one(n, f"x{n}n{serial}"))
                sent.add(task)
                task.add_done_callback(sent.discard)
            await asyncio.sleep(max(0.0, begun + serial / load.rate - time.monotonic()))
        await asyncio.gather(*sent)

    return drive


def _closed_loop(api: TelegramStandIn, telegram: Telegram, load: Load) -> Driver:
    runners = [Runner.new(api, telegram) for _ in range(load.chats)]

    async def drive(stop: asyncio.Event, inside: Callable[[float], bool], count: Counted) -> None:
        async def type_away(n: int, runner: Runner) -> None:
            serial = 0
            while not stop.is_set():
                token = f"y{n}n{serial}"
                started = time.monotonic()
                await runner.say(f"/{token}", token)
                if inside(started):
                    count(time.monotonic() - started)
                serial += 1

        await asyncio.gather(*(type_away(n, r) for n, r in enumerate(runners)))

    return drive


async def _measure(
    name: str,
    cluster: Measured,
    session: aiohttp.ClientSession,
    load: Load,
    drive: Driver,
) -> Window:
    window: dict[str, float] = {}
    latencies: list[float] = []
    stop = asyncio.Event()

    def inside(started: float) -> bool:
        return "start" in window and window["start"] <= started < window.get("end", 1e18)

    async def clock() -> tuple[dict[str, float], float, dict[str, float]]:
        await asyncio.sleep(load.warmup)
        counted = await _counters(session, cluster)
        before, machine_before = _snapshot(cluster), _machine()
        window["start"] = time.monotonic()
        await asyncio.sleep(load.seconds)
        after, machine_after = _snapshot(cluster), _machine()
        window["end"] = time.monotonic()
        stop.set()
        counters = await _counters(session, cluster)
        busy = (machine_after[0] - machine_before[0]) / max(machine_after[1] - machine_before[1], 1)
        moved = {k: counters[k] - counted.get(k, 0.0) for k in counters}
        cpu = {k: v - before.get(k, 0.0) for k, v in after.items() if not k.startswith("pg")}
        cpu["postgres"] = sum(v - before.get(k, 0.0) for k, v in after.items() if k[:2] == "pg")
        return cpu, busy * (os.cpu_count() or 1), moved

    driving = asyncio.create_task(drive(stop, inside, latencies.append))
    cpu, busy, counters = await clock()
    await driving
    # Only messages posted inside the window, and answered.
    length = window["end"] - window["start"]
    workers = len(cluster.workers)
    return Window(name, workers, len(latencies), length, latencies, cpu, busy, counters)


def report(windows: list[Window], load: Load) -> str:
    cores = os.cpu_count() or 1
    lines = [f"{cores} cores; load average before: {os.getloadavg()[0]:.2f}"]
    for name, title in (
        ("rate", f"offered {load.rate:g} updates/s over {load.rate_chats} runners"),
        ("saturation", f"saturation: {load.chats} runners typing as fast as answered"),
    ):
        rows = [w for w in windows if w.load == name]
        if not rows:
            continue
        base = rows[0].rate
        lines += [
            "",
            title,
            "workers  updates/s  ratio  p50 ms  p99 ms | CPU ms/update: workers  postgres  "
            "nginx  bench | other cores | db calls/update | waited  wait ms",
        ]
        for w in rows:
            calls = w.per_update("bench_db_calls_total")
            waits = w.per_update("hipcoach_update_order_waits_total")
            wait_ms = w.per_update("hipcoach_update_order_wait_seconds_sum") * 1000
            lines.append(
                f"{w.workers:7d}  {w.rate:9.1f}  {w.rate / base:5.2f}  {w.quantile(0.5):6.0f}  "
                f"{w.quantile(0.99):6.0f} | {w.ms_per_update('workers'):22.2f}  "
                f"{w.ms_per_update('postgres'):8.2f}  {w.ms_per_update('nginx'):5.2f}  "
                f"{w.ms_per_update('bench'):5.2f} | {max(w.busy - w.ours, 0.0):11.2f} | "
                f"{calls:15.1f} | {waits:6.0%}  {wait_ms:7.1f}"
            )
        if name == "saturation":
            lines.append("")
            for w in rows:
                total = sum(w.ms_per_update(who) for who in WHO)
                free = max(cores - max(w.busy - w.ours, 0.0), 0.01)
                kinds = ", ".join(
                    f"{kind} {w.per_update(f'bench_db_calls_total:{kind}'):.1f}"
                    for kind in ("statement", "control", "prepare", "connect")
                )
                lines.append(
                    f"{w.workers} worker(s): {total:.2f} CPU ms per update in all; "
                    f"{free:.2f} cores free of other work -> ceiling "
                    f"{free * 1000 / total:.0f} updates/s, measured {w.rate:.0f}; "
                    f"db calls per update: {kinds}"
                )
    return "\n".join(lines)


async def amain(args: argparse.Namespace) -> None:
    if nginx_binary() is None:
        raise SystemExit("nginx is not installed: apt-get install nginx-light")
    load = Load(args.rate, args.rate_chats, args.chats, args.seconds, args.warmup)
    windows: list[Window] = []
    for count in [int(n) for n in args.workers.split(",")]:
        phase = await run_phase(count, load)
        for w in phase:
            print(
                f"  {count} worker(s), {w.load}: {w.rate:.1f} updates/s, "
                f"p50 {w.quantile(0.5):.0f} ms, p99 {w.quantile(0.99):.0f} ms",
                flush=True,
            )
        windows += phase
    print(report(windows, load))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=30.0, help="offered updates/s")
    parser.add_argument("--rate-chats", type=int, default=200)
    parser.add_argument("--chats", type=int, default=40, help="runners at saturation")
    parser.add_argument("--seconds", type=float, default=20.0, help="each window")
    parser.add_argument("--warmup", type=float, default=4.0, help="before each window")
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
