"""Real ``python -m bot run`` processes against the Telegram stand-in, killed mid-stream.

Many runners each type a stream of unknown commands (``/x003n017``); the coach answers
each with exactly one message naming the command, so every reply the stand-in received
says which message it answers. The stand-in runs in this process and enforces Telegram's
real flood limits; the bot processes are fresh interpreters on a real database, as a
host would run them.

What counts, per message:

- **lost**: no reply at all;
- **resent**: two replies, and a restarted process logged the update's replies as held
  (``telegram_held_replies``): the reply in flight when the process was killed, sent but
  not yet marked. A chat's replies go out one at a time, each marked before the next, so
  this is at most one per chat per kill;
- **twice**: any other repeat: an update handled twice. Must be 0.

``run_kill_stream`` is the scenario with ``kills`` kill -9s; ``bench/faults_updates.py``
and ``bench/faults.py`` call it with more kills than the tests do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.standins.telegram_api import RateLimits, TelegramStandIn, TgChat, TgUser

ROOT = Path(__file__).resolve().parents[2]
START_WITHIN = 30.0  # a fresh interpreter importing everything, on a busy machine
_TOKEN = re.compile(r"/(x\d{3}n\d{3})")
_HELD = re.compile(r"telegram_held_replies update_id=(\d+)")


@dataclass
class StreamReport:
    database: str
    messages: int
    kills: int
    lost: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)
    twice: list[str] = field(default_factory=list)
    conflicts: int = 0  # getUpdates answered 409
    throttled: int = 0  # writes answered 429
    # Per 429: the method, and the seconds since each of that chat's three writes before it.
    throttled_detail: list[str] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{self.database}: {self.messages} messages, {self.kills} kills: "
            f"lost={len(self.lost)} twice={len(self.twice)} resent={len(self.resent)} "
            f"409={self.conflicts} 429={self.throttled} in {self.seconds:.0f} s"
        )


class BotProcess:
    """``python -m bot run`` on the stand-in's token, its log in a file of its own."""

    def __init__(self, api: TelegramStandIn, database_url: str, workdir: Path, name: str):
        self.api = api
        self.database_url = database_url
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "DISCORD_", "DATABASE_URL", "PORT", "DATA_DIR"))
        }
        env.update(
            TELEGRAM_TOKEN=self.api.token,
            TELEGRAM_API_URL=self.api.base_url,
            DATABASE_URL=self.database_url,
            CONTENT_DIR=str(ROOT / "content"),
            DATA_DIR=str(self.workdir / "data"),
            LOG_LEVEL="INFO",
            PYTHONPATH=str(ROOT),
        )
        return env

    async def start(self) -> None:
        with self.log_path.open("ab") as log_file:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=self.workdir,
                env=self.env(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log_file,
            )

    async def start_polling(self) -> None:
        """Start, and return once this process is fetching updates."""
        mark = self.api.mark()
        await self.start()
        await wait_for_poll(self.api, mark)

    async def kill(self) -> int:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        return await self.process.wait()

    async def terminate(self, within: float = 20.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout=within)
        except TimeoutError:
            await self.kill()
            raise

    async def wait(self, within: float) -> int:
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), timeout=within)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def wait_for_poll(api: TelegramStandIn, since: int) -> None:
    waited = api.wait_seconds
    api.wait_seconds = START_WITHIN
    try:
        await api.wait_for(lambda c: c.method == "getUpdates", since=since)
    finally:
        api.wait_seconds = waited


class Runners:
    """The people typing: ``chats`` private chats, a numbered command each time."""

    def __init__(self, api: TelegramStandIn, chats: int) -> None:
        self.api = api
        self.people: list[tuple[TgUser, TgChat]] = []
        for _ in range(chats):
            user = api.user()
            self.people.append((user, api.private_chat(user)))
        self.sent: dict[str, int] = {}  # token -> update id
        self._counts = [0] * chats

    def type_one(self, n: int) -> str:
        index = n % len(self.people)
        user, chat = self.people[index]
        seq = self._counts[index]
        self._counts[index] += 1
        token = f"x{index:03d}n{seq:03d}"
        self.sent[token] = self.api.send_text(chat, user, f"/{token}")
        return token

    async def stream(self, rate: float, until: asyncio.Event) -> None:
        """Commands at ``rate`` a second, round the chats, until ``until`` is set."""
        started = time.monotonic()
        n = 0
        while not until.is_set():
            self.type_one(n)
            n += 1
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await until.wait()

    def replies(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for call in self.api.calls:
            if call.method == "sendMessage" and call.ok:
                found = _TOKEN.search(call.params.get("text", ""))
                if found:
                    counts[found.group(1)] += 1
        return counts

    def all_answered(self) -> bool:
        counts = self.replies()
        return all(counts[token] for token in self.sent)

    async def wait_answered(self, within: float) -> None:
        """Until every message has a reply, or no new reply came for ``within`` seconds
        (a backlog after many kills drains at Telegram's 30 a second, however long)."""
        last, quiet_since = -1, time.monotonic()
        while not self.all_answered():
            count = sum(self.replies().values())
            if count != last:
                last, quiet_since = count, time.monotonic()
            elif time.monotonic() - quiet_since > within:
                return
            await asyncio.sleep(0.5)

    def report(self, database: str, kills: int, logs: list[str]) -> StreamReport:
        held = {int(m) for log in logs for m in _HELD.findall(log)}
        counts = self.replies()
        report = StreamReport(database, len(self.sent), kills)
        for token, update_id in self.sent.items():
            if counts[token] == 0:
                report.lost.append(token)
            elif counts[token] > 1:
                (report.resent if update_id in held else report.twice).append(token)
        report.conflicts = sum(c.method == "getUpdates" and c.status == 409 for c in self.api.calls)
        report.throttled = len(self.api.throttled)
        for refused in self.api.throttled:
            before = [
                round(refused.at - c.at, 3)
                for c in self.api.calls
                if c.chat_id == refused.chat_id and c.ok and c.at < refused.at
            ][-3:]
            report.throttled_detail.append(f"{refused.method} {before}")
        return report


def database_name(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


async def run_kill_stream(
    database_url: str,
    workdir: Path,
    *,
    kills: int,
    chats: int = 30,
    rate: float = 25.0,
    seed: int = 1,
) -> StreamReport:
    """Stream commands from ``chats`` chats at ``rate`` a second while the bot is killed
    with SIGKILL ``kills`` times, each a random moment after it started fetching, and
    started again at once, as a host restarts a crashed worker; then count, per message,
    the replies the stand-in received. The stream goes on a second past the last restart.
    """
    rng = random.Random(seed)
    started = time.monotonic()
    async with TelegramStandIn(rate_limits=RateLimits()) as api:
        runners = Runners(api, chats)
        bots: list[BotProcess] = []
        exit_codes: list[int] = []

        async def fresh() -> BotProcess:
            bot = BotProcess(api, database_url, workdir, f"bot-{len(bots)}")
            bots.append(bot)
            await bot.start_polling()
            return bot

        bot = await fresh()
        enough = asyncio.Event()
        stream = asyncio.create_task(runners.stream(rate, enough))
        try:
            for _ in range(kills):
                await asyncio.sleep(rng.uniform(0.3, 1.5))
                exit_codes.append(await bot.kill())
                bot = await fresh()
            await asyncio.sleep(1.0)
            enough.set()
            await stream
            await runners.wait_answered(within=15)
            exit_codes.append(await bot.terminate())
        finally:
            enough.set()
            stream.cancel()
            for each in bots:
                if each.process is not None and each.process.returncode is None:
                    await each.kill()
        report = runners.report(database_name(database_url), kills, [b.log() for b in bots])
        report.exit_codes = exit_codes
        report.seconds = time.monotonic() - started
        return report


@dataclass
class SigtermReport:
    stream: StreamReport
    exit_code: int
    exit_seconds: float
    polls_after_signal: int  # getUpdates calls that arrived after the signal


async def run_sigterm_stream(
    database_url: str, workdir: Path, *, chats: int = 20, rate: float = 25.0
) -> SigtermReport:
    """SIGTERM in the middle of a stream; a new process then answers what was left."""
    started = time.monotonic()
    async with TelegramStandIn(rate_limits=RateLimits()) as api:
        runners = Runners(api, chats)
        first = BotProcess(api, database_url, workdir, "bot-0")
        second = BotProcess(api, database_url, workdir, "bot-1")
        await first.start_polling()
        enough = asyncio.Event()
        stream = asyncio.create_task(runners.stream(rate, enough))
        try:
            await asyncio.sleep(1.5)
            assert first.process is not None
            first.process.send_signal(signal.SIGTERM)
            signalled_at, mark = time.monotonic(), api.mark()
            exit_code = await first.wait(within=30)
            exit_seconds = time.monotonic() - signalled_at
            enough.set()
            await stream
            # A poll sent just before the signal may arrive a moment after it.
            polls = [
                c
                for c in api.calls_since(mark, "getUpdates")
                if c.at > signalled_at + POLL_IN_FLIGHT
            ]
            await second.start_polling()
            await runners.wait_answered(within=15)
            await second.terminate()
        finally:
            enough.set()
            stream.cancel()
            for bot in (first, second):
                if bot.process is not None and bot.process.returncode is None:
                    await bot.kill()
        report = runners.report(database_name(database_url), 0, [first.log(), second.log()])
        report.seconds = time.monotonic() - started
        return SigtermReport(report, exit_code, exit_seconds, len(polls))


POLL_IN_FLIGHT = 0.5


@dataclass
class TwoProcessesReport:
    stream: StreamReport
    second_exit_code: int | None  # SQLite: the second refuses to start
    second_log: str
    took_over: bool  # PostgreSQL: the second polled once the first was killed


async def run_two_processes(
    database_url: str, workdir: Path, *, chats: int = 20, rate: float = 25.0
) -> TwoProcessesReport:
    """A second process on the same token and database while the first serves a stream.
    On PostgreSQL the first is then killed, and the stand-by takes over."""
    sqlite = database_url.startswith("sqlite")
    started = time.monotonic()
    async with TelegramStandIn(rate_limits=RateLimits()) as api:
        runners = Runners(api, chats)
        first = BotProcess(api, database_url, workdir, "bot-0")
        second = BotProcess(api, database_url, workdir, "bot-1")
        await first.start_polling()
        enough = asyncio.Event()
        stream = asyncio.create_task(runners.stream(rate, enough))
        second_exit: int | None = None
        took_over = False
        try:
            await second.start()
            if sqlite:
                second_exit = await second.wait(within=START_WITHIN)
            else:
                await wait_in_log(second, "token_standby", within=START_WITHIN)
                await asyncio.sleep(1.0)
                mark = api.mark()
                await first.kill()
                await wait_for_poll(api, mark)
                took_over = True
            await asyncio.sleep(1.0)
            enough.set()
            await stream
            await runners.wait_answered(within=15)
            for bot in (first, second):
                if bot.process is not None and bot.process.returncode is None:
                    await bot.terminate()
        finally:
            enough.set()
            stream.cancel()
            for bot in (first, second):
                if bot.process is not None and bot.process.returncode is None:
                    await bot.kill()
        report = runners.report(database_name(database_url), 0, [first.log(), second.log()])
        report.seconds = time.monotonic() - started
        return TwoProcessesReport(report, second_exit, second.log(), took_over)


async def wait_in_log(bot: BotProcess, text: str, *, within: float) -> None:
    async with asyncio.timeout(within):
        while text not in bot.log():
            await asyncio.sleep(0.1)
