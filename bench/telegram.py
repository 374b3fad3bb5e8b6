"""Telegram latency: many chats doing warm-ups at once, against a minimal echo bot.

The bots run on the real python-telegram-bot, each in a process of its own against a
Bot API stand-in of its own, all at the same time; the stand-ins and the simulated users
live in this process. Each bot gets the same users (same number, same think time between
taps). For each user action the time runs from the update being made available by the
stand-in to the reply arriving back at it:

- echo bot: the echo of a text message;
- coach: the message the runner needs next (the next question, drill or summary);
  the first write the coach makes for the update is reported too;
- the coach's Telegram adapter with an echo in place of the coach: the same echo
  sessions, so what the adapter adds (de-duplication, per-chat order, pacer, rendering)
  shows apart from what the coach's own step (and its extra Bot API calls) costs.

Why at the same time: on a shared machine, slow spells (another tenant, a descheduled
vCPU) come and go over seconds, and a p99 is made of them. Bots measured one after the
other drew different luck: the coach/echo ratio of single runs ranged from 0.3 to 3 with
the same code. Run side by side, every slow spell falls on all the bots alike. The figures
pool three rounds, and each bot's CPU time per update is printed too (read from
``/proc``), which the machine's luck disturbs far less.

Telegram's flood limits are off in the stand-ins and the coach's pacer is set far above
the load, so the bots are measured on the same footing: what the software adds, not
what Telegram's 30 messages a second would impose on any bot. The coach keeps its real
SQLite file, update de-duplication, pacer and rendering.

Run: `python bench/telegram.py` (options: --chats, --think, --rounds, --database). Takes
about 40 seconds a round.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on the path and its name would hide
# the python-telegram-bot package: look in the project root instead.
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from telegram import Update  # noqa: E402
from telegram.ext import Application, ContextTypes, MessageHandler, filters  # noqa: E402

from bot.adapters.telegram.adapter import TelegramAdapter, TelegramConfig  # noqa: E402
from bot.app import build_coach, unreachable_reporter  # noqa: E402
from bot.content import load_content  # noqa: E402
from bot.core.messages import Inbound, Outcome, Reply, Text  # noqa: E402
from bot.core.ports import SystemClock  # noqa: E402
from bot.delivery.pacer import PaceLimits  # noqa: E402
from bot.media.library import MediaLibrary, every_demo  # noqa: E402
from bot.storage.database import create_engine, session_factory  # noqa: E402
from bot.storage.key_values import KeyValueStore  # noqa: E402
from bot.storage.migrations import upgrade_to_head  # noqa: E402
from bot.storage.processed_updates import UpdateOutbox  # noqa: E402
from bot.testing import shipped_content  # noqa: E402
from tests.standins.telegram_api import Call, TelegramStandIn, TgChat, TgUser  # noqa: E402

WRITES = {
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "sendDocument",
    "sendPhoto",
    "sendAnimation",
}
WARMING_CHATS = 10
UNTHROTTLED = PaceLimits(overall_per_second=100_000, overall_burst=10_000)
# What a runner does, and the reply they wait for before the next tap (words in its text,
# or a button label it carries).
WARMUP: list[tuple[str, str, str]] = [
    ("command", "start", "I understand"),
    ("press", "I understand", "Thanks!"),
    ("command", "warmup", "how do your hips feel"),
    ("press", "A bit stiff", "anything sharp"),
    ("press", "No, just stiff or fine", "Drill 1 of 3"),
    ("press", "Done", "Drill 2 of 3"),
    ("press", "Done", "Drill 3 of 3"),
    ("press", "Done", "Nice work"),
]
# A drill comes as its animation (the drill's name and first step as the caption), then
# its steps with the buttons: the runner has the reply once the buttons are there.
UNTIL_BUTTONS = {"Drill 1 of 3", "Drill 2 of 3", "Drill 3 of 3"}


@dataclass
class Waiting:
    expect: str
    since: float
    first: float | None = None
    found: bool = False
    done: asyncio.Future[float] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


@dataclass
class Latencies:
    reply: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    # By what the runner waited for: steps answered with two messages show apart.
    by_step: dict[str, list[float]] = field(default_factory=dict)


class Users:
    """Simulated users: inject an update, wait for the reply it should bring."""

    def __init__(self, api: TelegramStandIn, think: float) -> None:
        self.api = api
        self.think = think
        self.waiting: dict[int, Waiting] = {}
        self.latencies = Latencies()
        api.observe(self._seen)

    def _seen(self, call: Call) -> None:
        if call.chat_id is None or not call.ok or call.method not in WRITES:
            return
        waiting = self.waiting.get(call.chat_id)
        if waiting is None or waiting.done.done():
            return
        if waiting.first is None:
            waiting.first = call.at - waiting.since
        shown = call.params.get("text") or call.params.get("caption") or ""
        markup = call.params.get("reply_markup", "")
        waiting.found = waiting.found or waiting.expect in shown or waiting.expect in markup
        if waiting.found and (waiting.expect not in UNTIL_BUTTONS or markup):
            waiting.done.set_result(call.at - waiting.since)

    async def act(self, chat: TgChat, inject: Callable[[], object], expect: str) -> None:
        waiting = self.waiting[chat.id] = Waiting(expect, time.monotonic())
        inject()
        async with asyncio.timeout(60):
            took = await waiting.done
        self.latencies.reply.append(took)
        self.latencies.by_step.setdefault(expect, []).append(took)
        self.latencies.first.append(waiting.first or 0.0)

    async def pause(self) -> None:
        await asyncio.sleep(random.uniform(0.5, 1.5) * self.think)

    async def echo_session(self, user: TgUser, chat: TgChat, rounds: int) -> None:
        for n in range(rounds):
            await self.pause()
            text = f"echo {user.id} {n}"
            await self.act(chat, functools.partial(self.api.send_text, chat, user, text), text)

    async def warm_up(self, user: TgUser, chat: TgChat) -> None:
        for kind, what, expect in WARMUP:
            await self.pause()
            inject: Callable[[], object]
            if kind == "command":
                inject = functools.partial(self.api.send_command, chat, user, what)
            else:
                inject = functools.partial(self.api.press_button, chat, user, what)
            await self.act(chat, inject, expect)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await context.bot.send_message(message.chat_id, message.text)


async def until_terminated() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()


async def serve_echo(api_url: str, token: str) -> None:
    """The minimal python-telegram-bot echo bot (handling updates concurrently too)."""
    app = (
        Application.builder()
        .token(token)
        .base_url(api_url)
        .job_queue(None)
        .concurrent_updates(256)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=10)
    await until_terminated()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def serve_coach(
    api_url: str, token: str, database: str, media: str, *, echo_only: bool
) -> None:
    """The coach as the app wires it, with the pacer set far above the load, sending
    its drill demos: drawn into ``media`` in the background at start (as the app
    does), uploaded once each, then sent by the file_id stored in the database.

    ``echo_only`` keeps the whole adapter (de-duplication, per-chat order, pacer,
    rendering) but puts an echo in place of the coach: what the adapter alone adds.
    """
    engine = create_engine(database)
    await upgrade_to_head(engine)
    sessions = session_factory(engine)
    content = load_content(ROOT / "content")
    coach = build_coach(sessions, content, clock=SystemClock())
    pictures = MediaLibrary(content.directory, content.media, Path(media))

    async def echo_handler(inbound: Inbound) -> Outcome:
        if isinstance(inbound.event, Text):
            return Outcome(replies=(Reply(inbound.event.text),))
        return Outcome()

    adapter = TelegramAdapter(
        echo_handler if echo_only else coach.handle,
        TelegramConfig(token=token, api_url=api_url, pace=UNTHROTTLED),
        texts=shipped_content().telegram_texts,
        words=shipped_content().texts,
        pictures=pictures,
        commands=coach.commands(),
        outbox=UpdateOutbox(sessions, coach.clock),
        on_unreachable=unreachable_reporter(coach),
        store=KeyValueStore(sessions),
    )
    await adapter.start()
    demos = every_demo(content.media.poses, [drill.id for drill in content.drills.drills])
    # The echo handler sends no pictures: nothing to draw.
    preparing = asyncio.create_task(pictures.prepare([] if echo_only else demos))
    gc.freeze()  # as bot/app.py does once everything is started
    await until_terminated()
    preparing.cancel()
    await adapter.stop()
    await engine.dispose()


async def run_users(users: Users, chats: int, coach: bool) -> None:
    api = users.api
    if coach:
        people = [api.user(f"Runner {n}") for n in range(chats)]
        sessions = [users.warm_up(p, api.private_chat(p)) for p in people]
    else:
        people = [api.user(f"Echo {n}") for n in range(chats)]
        sessions = [users.echo_session(p, api.private_chat(p), len(WARMUP)) for p in people]
    await asyncio.gather(*sessions)


@dataclass
class Phase:
    """One bot's share of the run: its latencies and the CPU its process spent on them."""

    latencies: Latencies = field(default_factory=Latencies)
    cpu_seconds: float = 0.0
    updates: int = 0

    def add(self, latencies: Latencies, cpu_seconds: float) -> None:
        self.latencies.reply += latencies.reply
        self.latencies.first += latencies.first
        for expect, values in latencies.by_step.items():
            self.latencies.by_step.setdefault(expect, []).extend(values)
        self.cpu_seconds += cpu_seconds
        self.updates += len(latencies.reply)


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


BOTS = ("echo", "coach", "adapter")
ROLES = {"echo": "serve-echo", "coach": "serve-coach", "adapter": "serve-adapter-echo"}


async def start_bot(
    api: TelegramStandIn, name: str, databases: dict[str, str]
) -> asyncio.subprocess.Process:
    """The bot in a process of its own, polling ``api``; returns once it is fetching."""
    argv = [ROLES[name], "--api-url", api.base_url, "--token", api.token]
    if name in databases:
        argv += ["--database", databases[name], "--media", databases["media"]]
    mark = api.mark()
    process = await asyncio.create_subprocess_exec(sys.executable, __file__, *argv)
    await api.wait_for(lambda c: c.method == "getUpdates", since=mark)
    return process


async def run_round(
    apis: dict[str, TelegramStandIn], chats: int, think: float, databases: dict[str, str]
) -> dict[str, tuple[Latencies, float]]:
    """The three bots at once, each with its own users: latencies and the CPU seconds
    each bot's process spent on them."""
    processes: dict[str, asyncio.subprocess.Process] = {}
    try:
        for name in BOTS:
            processes[name] = await start_bot(apis[name], name, databases)
        # A few users first, not counted: first-use costs (imports, caches, connections)
        # are not what a busy bot feels.
        await asyncio.gather(
            *(run_users(Users(apis[n], 0.05), WARMING_CHATS, n == "coach") for n in BOTS)
        )
        for api in apis.values():
            api.unobserve_all()
        users = {name: Users(apis[name], think) for name in BOTS}
        # This process (stand-ins and simulated users) is the measuring instrument: its
        # recorded-request heap grows through the run, and its full collections would
        # stall the replies it is timing. Every bot gets the same quiet instrument.
        gc.collect()
        gc.freeze()
        gc.disable()
        cpu_before = {name: process_cpu_seconds(p.pid) for name, p in processes.items()}
        try:
            await asyncio.gather(*(run_users(users[n], chats, n == "coach") for n in BOTS))
        finally:
            gc.enable()
        cpu = {n: process_cpu_seconds(p.pid) - cpu_before[n] for n, p in processes.items()}
    finally:
        for process in processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            await process.wait()
        for api in apis.values():
            api.unobserve_all()
    return {name: (users[name].latencies, cpu[name]) for name in BOTS}


def describe(name: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    cuts = statistics.quantiles(ms, n=100)
    return f"{name:<34} n={len(ms):5d}  p50={cuts[49]:7.1f} ms  p99={cuts[98]:7.1f} ms"


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=200, help="chats per bot (default 200)")
    parser.add_argument(
        "--think", type=float, default=3.0, help="mean seconds between a user's taps (default 3)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--database", help="the coach's database URL (default: a new SQLite file)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    phases = {name: Phase() for name in BOTS}
    ratios: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        # Each bot its own database: a SQLite file has one process writing to it.
        database = args.database or f"sqlite:///{tmp}/coach.sqlite3"
        databases = {"coach": database, "adapter": f"sqlite:///{tmp}/adapter.sqlite3"}
        databases["media"] = f"{tmp}/media"
        async with contextlib.AsyncExitStack() as stack:
            apis: dict[str, TelegramStandIn] = {}
            for name in BOTS:
                api = TelegramStandIn(rate_limits=None, use_spec=False)
                apis[name] = await stack.enter_async_context(api)
                api.wait_seconds = 60
            for round_number in range(1, args.rounds + 1):
                measured = await run_round(apis, args.chats, args.think, databases)
                for name, (latencies, cpu) in measured.items():
                    phases[name].add(latencies, cpu)
                ratios.append(p99(measured["coach"][0].reply) / p99(measured["echo"][0].reply))
                print(f"round {round_number}: p99 coach / echo = {ratios[-1]:.2f}", flush=True)
            problems = [
                (len(a.violations), len(a.throttled), len(a.unanswered_queries()))
                for a in apis.values()
            ]
            animations = [c for c in apis["coach"].calls if c.method == "sendAnimation" and c.ok]
            uploads = [c for c in animations if "animation" in c.uploads]
            uploaded_files = {c.uploads["animation"].data for c in uploads}

    kind = database.split(":")[0]
    print(
        f"{args.chats} chats per bot, ~{args.think:.1f} s between taps, database {kind}, "
        f"{args.rounds} rounds"
    )
    labels = {
        "echo": "echo bot: update -> echo",
        "coach": "coach: update -> next prompt",
        "adapter": "adapter + echo handler -> echo",
    }
    for name, phase in phases.items():
        cpu_ms = phase.cpu_seconds / phase.updates * 1000
        print(describe(labels[name], phase.latencies.reply), f"cpu {cpu_ms:4.1f} ms/update")
        if name == "coach":
            print(describe("coach: update -> first write", phase.latencies.first))
    print("coach, by the reply waited for:")
    for kind, what, expect in WARMUP:
        label = f"{kind} {what} -> {expect}"[:32]
        print("  " + describe(label, phases["coach"].latencies.by_step[expect]))
    echo_p99 = p99(phases["echo"].latencies.reply)
    ratio = p99(phases["coach"].latencies.reply) / echo_p99
    verdict = "within" if ratio <= 1.5 else "OVER"
    rounds = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"p99 coach / echo = {ratio:.2f} ({verdict} the 1.5x target); by round: {rounds}")
    adapter_ratio = p99(phases["adapter"].latencies.reply) / echo_p99
    print(f"p99 adapter + echo handler / echo = {adapter_ratio:.2f}")
    violations, throttled, unanswered = (sum(p[i] for p in problems) for i in range(3))
    print(f"stand-ins: violations={violations} throttled={throttled} unanswered={unanswered}")
    by_id = len(animations) - len(uploads)
    print(
        f"animations: {len(animations)} sent, {len(uploads)} uploaded "
        f"({len(uploaded_files)} different files), {by_id} by stored file_id"
    )


def serve(argv: list[str]) -> None:
    """The bot side, in its own process: ``serve-echo|serve-coach --api-url U --token T``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["serve-echo", "serve-coach", "serve-adapter-echo"])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database")
    parser.add_argument("--media")
    args = parser.parse_args(argv)
    if args.role == "serve-echo":
        asyncio.run(serve_echo(args.api_url, args.token))
    else:
        echo_only = args.role == "serve-adapter-echo"
        asyncio.run(
            serve_coach(args.api_url, args.token, args.database, args.media, echo_only=echo_only)
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("serve-"):
        serve(sys.argv[1:])
    else:
        asyncio.run(main())
