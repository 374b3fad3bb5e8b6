"""Reminder delivery at scale, against the Telegram stand-in enforcing its flood limits.

Two measurements, each in its own process so resident memory is its own:

``burst``: N users' reminders all due at the same instant, delivered through the real
python-telegram-bot adapter to the Bot API stand-in, whose flood limits are Telegram's
scaled up (default 300 messages/s overall instead of 30, so 3,000 users take ten
seconds instead of a hundred). While the burst runs, other runners send /warmup and
the time to their reply is measured, and a probe measures event-loop stalls. Checks:
every reminder delivered exactly once, zero 429s, finish within 5% of the N/limit
floor, interactive p99 < 500 ms, no loop stall > 100 ms.

``club``: a club run in a Telegram group of ``--members`` (500) who have all talked to
the coach before, against the stand-in at Telegram's own limits (30 messages/s overall,
1/s per chat, 20/min per group). The reminder scheduler posts the group's one "Warm up
with me" message; ``--pressers`` (200) of the members press it, arriving at random
(Poisson, ``--press-rate`` 10/s on average). Measured: from each press reaching the
stand-in to the first message in that member's private chat (p50, p99, max); 429s;
messages the group got. Checks: every presser answered in private, p99 < 500 ms, zero
429s and rule violations, the group got exactly one message.

``startup``: 100,000 stored reminders; time from opening the services (content,
database) to the reminder scheduler's first pass being done, and resident memory.

The stand-in runs in a child process (it plays Telegram's servers, which are not on the
bot's machine either), driven through a small control API. The adapter paces at
``--pace`` (default 296/s) with a burst allowance of ``--pace-burst`` (default 4): at ten
times Telegram's speed a message is due every 3.4 ms, and the event loop's millisecond
timer rounding would lose a slice of every interval without a little burst; 296 + 4 still
keeps any one-second window at or under the stand-in's 300. ``--bot-cpu N`` pins the bot
to one CPU and the stand-in to another.

Run: ``python bench/reminders.py`` (all three), or ``--phase burst`` / ``club`` /
``startup``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Run as a script, this folder is first on the path, where a sibling module named like a
# library (bench/telegram.py) would shadow it: put the repository root there instead.
sys.path.remove(sys.path[0])
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from aiohttp import web
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.telegram.adapter import TelegramAdapter, TelegramConfig
from bot.app import build_coach, build_dispatcher, unreachable_reporter
from bot.config import Settings
from bot.content import load_content
from bot.core.messages import ConversationKey, Reply
from bot.delivery.pacer import PaceLimits
from bot.features.clubs.models import Club, ClubRun
from bot.features.reminders.models import Reminder
from bot.features.reminders.options import ReminderOptions
from bot.features.reminders.scheduler import ReminderScheduler
from bot.storage.database import create_engine, session_factory
from bot.storage.key_values import KeyValueStore
from bot.storage.migrations import upgrade_to_head
from bot.storage.models import User
from bot.storage.processed_updates import UpdateOutbox
from tests.features.reminders.harness import RunningClock
from tests.standins.telegram_api import RateLimits, TelegramStandIn, TgChat, TgUser

ROOT = Path(__file__).resolve().parents[1]
FIRE_AT = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
LEAD_IN = timedelta(seconds=5)  # the clock starts this long before everything is due
REMINDER_TEXT = "Your run is at"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def chunks(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def store(
    engine: AsyncEngine, users: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> None:
    async with engine.begin() as connection:
        for part in chunks(users, 5000):
            await connection.execute(insert(User), part)
        for part in chunks(rows, 5000):
            await connection.execute(insert(Reminder), part)


def user_row(number: int, platform_user_id: str) -> dict[str, Any]:
    return {
        "id": number,
        "platform": "telegram",
        "platform_user_id": platform_user_id,
        "time_zone": "Europe/London",
        "disclaimer_accepted_at": FIRE_AT - timedelta(days=30),
        "unreachable_since": None,
        "created_at": FIRE_AT - timedelta(days=30),
    }


def reminder_row(user_id: int, chat_id: str, fire_at: datetime, run_time: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "platform": "telegram",
        "chat_id": chat_id,
        "weekdays": "0123456",
        "once_on": None,
        "run_time": run_time,
        "lead_minutes": 30,
        "time_zone": "Europe/London",
        "status": "active",
        "paused_reason": None,
        "next_fire_at": fire_at,
        "snooze_until": None,
        "created_at": FIRE_AT - timedelta(days=1),
        "updated_at": FIRE_AT - timedelta(days=1),
    }


# --- the stand-in in its own process --------------------------------------------------------


async def serve_stand_in(rate: int) -> None:
    """Child process: the stand-in plus a small control API; prints both addresses."""
    # The stand-in stamps a request when its handler runs; a garbage-collector pause here
    # would bunch the requests that queued meanwhile into one instant and count them
    # against the limit as a burst the bot never sent. It lives a minute: skip collection.
    gc.disable()
    api = TelegramStandIn(rate_limits=stand_in_limits(rate))
    await api.start()
    people: list[tuple[TgUser, TgChat]] = []
    pushed: dict[int, float] = {}

    async def setup(request: web.Request) -> web.Response:
        count = int((await request.json())["count"])
        people.extend((user, api.private_chat(user)) for user in (api.user() for _ in range(count)))
        return web.json_response({"people": [[user.id, chat.id] for user, chat in people]})

    async def warmup(request: web.Request) -> web.Response:
        user, chat = people[int((await request.json())["index"])]
        pushed[chat.id] = time.monotonic()
        api.send_command(chat, user, "warmup")
        return web.json_response({})

    async def progress(request: web.Request) -> web.Response:
        calls = [c for c in api.calls if c.method == "sendMessage" and c.ok]
        reminders = sum(1 for c in calls if REMINDER_TEXT in (c.text or ""))
        answered = sum(1 for chat_id in pushed if any(c.chat_id == chat_id for c in calls))
        return web.json_response({"reminders": reminders, "answered": answered})

    async def result(request: web.Request) -> web.Response:
        since = float(request.query["since"])
        writes = [c for c in api.calls if c.method == "sendMessage" and c.ok]
        reminders = [c for c in writes if REMINDER_TEXT in (c.text or "")]
        per_chat: dict[str, int] = {}
        for call in reminders:
            per_chat[str(call.chat_id)] = per_chat.get(str(call.chat_id), 0) + 1
        replies = [
            min((c.at for c in writes if c.chat_id == chat_id and c.at >= at), default=math.inf)
            - at
            for chat_id, at in pushed.items()
        ]
        return web.json_response(
            {
                "per_chat": per_chat,
                "last_reminder_at": max((c.at for c in reminders), default=math.inf),
                "reminder_times": [c.at for c in reminders],
                "writes_in_burst": sum(1 for c in writes if c.at >= since),
                "replies": replies,
                "throttled": len(api.throttled),
                "throttled_detail": [
                    [c.method, c.chat_id, round(c.at - since, 3), (c.text or "")[:20]]
                    for c in api.throttled[:10]
                ],
                "cpu_seconds": time.process_time(),
                "violations": len(api.violations),
            }
        )

    group = api.group_chat("Riverside Runners")
    pressed: dict[int, float] = {}

    async def club_setup(request: web.Request) -> web.Response:
        count = int((await request.json())["members"])
        members = [api.user() for _ in range(count)]
        for member in members:
            api.private_chat(member)  # every member has talked to the coach before
        people.extend((member, group) for member in members)
        return web.json_response({"group": group.id, "members": [m.id for m in members]})

    async def club_invite(request: web.Request) -> web.Response:
        invites = [m for m in api.bot_messages(group) if m.buttons]
        if not invites:
            return web.json_response({})
        button = invites[-1].buttons[0]
        return web.json_response(
            {"message_id": invites[-1].message_id, "data": button["callback_data"]}
        )

    async def club_press(request: web.Request) -> web.Response:
        body = await request.json()
        member, _ = people[int(body["index"])]
        pressed[member.id] = time.monotonic()
        api.press(group, member, int(body["message_id"]), str(body["data"]))
        return web.json_response({})

    def first_private(user_id: int, since: float) -> float:
        return min(
            (
                c.at
                for c in api.calls
                if c.method == "sendMessage" and c.ok and c.chat_id == user_id and c.at >= since
            ),
            default=math.inf,
        )

    async def club_progress(request: web.Request) -> web.Response:
        answered = sum(1 for uid, at in pressed.items() if first_private(uid, at) < math.inf)
        return web.json_response({"answered": answered})

    async def club_result(request: web.Request) -> web.Response:
        to_group = [
            c for c in api.calls if c.chat_id == group.id and c.method.startswith("send") and c.ok
        ]
        return web.json_response(
            {
                "latencies": [first_private(uid, at) - at for uid, at in pressed.items()],
                "group_messages": len(to_group),
                "throttled": len(api.throttled),
                "violations": len(api.violations),
                "unanswered_presses": len(api.unanswered_queries()),
            }
        )

    control = web.Application()
    control.router.add_post("/club/setup", club_setup)
    control.router.add_get("/club/invite", club_invite)
    control.router.add_post("/club/press", club_press)
    control.router.add_get("/club/progress", club_progress)
    control.router.add_get("/club/result", club_result)
    control.router.add_post("/setup", setup)
    control.router.add_post("/warmup", warmup)
    control.router.add_get("/progress", progress)
    control.router.add_get("/result", result)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert isinstance(server, asyncio.base_events.Server)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"api": api.base_url, "token": api.token, "control": port}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent ends
    await runner.cleanup()
    await api.stop()


def stand_in_limits(rate: int) -> RateLimits:
    return RateLimits(
        overall_per_second=rate,
        per_chat_per_second=rate / 30,  # Telegram's 1 per chat against 30 overall, scaled
        per_chat_burst=3,
        per_group_per_minute=20 * rate // 30,
    )


class StandInProcess:
    """The parent's handle on the stand-in child."""

    def __init__(self, rate: int, cpu: int | None) -> None:
        pinned = [] if cpu is None else ["--stand-in-cpu", str(cpu)]
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--phase", "standin", "--rate", str(rate), *pinned],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        hello = json.loads(self.process.stdout.readline())
        self.api_url: str = hello["api"]
        self.token: str = hello["token"]
        self.control = f"http://127.0.0.1:{hello['control']}"
        self.http = aiohttp.ClientSession()

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        async with self.http.post(self.control + path, json=body) as response:
            return await response.json()

    async def get(self, path: str, **query: str) -> Any:
        async with self.http.get(self.control + path, params=query) as response:
            return await response.json()

    async def close(self) -> None:
        await self.http.close()
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


class LoopProbe:
    """Measures how late the event loop wakes a 10 ms sleeper: the worst stall seen."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.stalls: list[tuple[float, float]] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lag = time.perf_counter() - before - 0.01
            if lag > 0.03:
                self.stalls.append((time.monotonic(), lag))
            self.worst = max(self.worst, lag)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


# --- burst ---------------------------------------------------------------------------------


async def burst(
    users: int,
    rate: int,
    interactive: int,
    pace: float,
    burst_allowance: int,
    verbose: bool,
    bot_cpu: int | None,
) -> dict[str, Any]:
    stand_in_cpu = None
    if bot_cpu is not None:
        others = sorted(os.sched_getaffinity(0) - {bot_cpu})
        stand_in_cpu = others[0] if others else None
        os.sched_setaffinity(0, {bot_cpu})
    stand_in = StandInProcess(rate, stand_in_cpu)
    limits = stand_in_limits(rate)
    people = (await stand_in.post("/setup", {"count": users + interactive}))["people"]
    runners = people[:users]
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/bench.sqlite3")
        await upgrade_to_head(engine)
        await store(
            engine,
            [user_row(n + 1, str(user_id)) for n, (user_id, _) in enumerate(people)],
            [
                reminder_row(n + 1, str(chat_id), FIRE_AT, "07:00")
                for n, (_, chat_id) in enumerate(runners)
            ],
        )
        sessions = session_factory(engine)
        clock = RunningClock(FIRE_AT - LEAD_IN)
        due_at = time.monotonic() + LEAD_IN.total_seconds()
        options = ReminderOptions()
        content = load_content(ROOT / "content")
        coach = build_coach(sessions, content, clock=clock, options=options)
        adapter = TelegramAdapter(
            coach.handle,
            TelegramConfig(
                token=stand_in.token,
                api_url=stand_in.api_url,
                listen="127.0.0.1",
                poll_timeout=2,
                pace=PaceLimits(
                    overall_per_second=pace,
                    overall_burst=burst_allowance,
                    per_chat_per_second=limits.per_chat_per_second * 0.95,
                    per_chat_burst=3,
                    per_group_per_minute=limits.per_group_per_minute - 1,
                ),
            ),
            texts=content.telegram_texts,
            words=content.texts,
            pictures=None,
            commands=coach.commands(),
            outbox=UpdateOutbox(sessions, clock),
            on_unreachable=unreachable_reporter(coach),
            store=KeyValueStore(sessions),
        )
        await adapter.start()
        dispatcher = build_dispatcher(sessions, content, [adapter], clock)
        scheduler = ReminderScheduler(dispatcher, clock, options.wakeup)
        probe = LoopProbe()
        probe.start()
        gc.freeze()  # as bot/app.py does once everything is started
        await scheduler.start()
        ready_before_due = due_at - time.monotonic()
        cpu_before = time.process_time()
        talk = asyncio.create_task(chatter(stand_in, users, interactive, due_at))
        await until(stand_in, users, interactive, due_at + 60)
        cpu = time.process_time() - cpu_before
        await talk
        await scheduler.stop()
        await probe.stop()
        rss, peak = rss_mb(), peak_rss_mb()
        await adapter.stop()
        await engine.dispose()
    outcome = await stand_in.get("/result", since=str(due_at))
    if verbose:
        times = sorted(outcome["reminder_times"])
        per_second = [sum(1 for t in times if s <= t - due_at < s + 1) for s in range(15)]
        print("reminders per second:", per_second, file=sys.stderr)
        stalls = [(round(t - due_at, 2), round(lag * 1000)) for t, lag in probe.stalls]
        print("loop stalls > 30 ms (s after due, ms):", stalls, file=sys.stderr)
        print("stand-in cpu seconds:", round(outcome["cpu_seconds"], 2), file=sys.stderr)
        print("scheduler ready before due (s):", round(ready_before_due, 2), file=sys.stderr)
        print("first 429s:", outcome["throttled_detail"], file=sys.stderr)
    await stand_in.close()
    return tally(outcome, runners, due_at, users, rate) | {
        "loop_stall_ms": round(probe.worst * 1000, 1),
        "bot_cpu_seconds": round(cpu, 2),
        "rss_mb": round(rss),
        "peak_rss_mb": round(peak),
    }


async def chatter(stand_in: StandInProcess, users: int, interactive: int, due_at: float) -> None:
    """Runners who want a warm-up now, spread over the burst."""
    await asyncio.sleep(max(due_at - time.monotonic() + 0.2, 0))
    for index in range(users, users + interactive):
        await stand_in.post("/warmup", {"index": index})
        await asyncio.sleep(0.15)


async def until(stand_in: StandInProcess, users: int, interactive: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        seen = await stand_in.get("/progress")
        if seen["reminders"] >= users and seen["answered"] >= interactive:
            return
        await asyncio.sleep(0.1)


def tally(
    outcome: dict[str, Any], runners: list[list[int]], due_at: float, users: int, rate: int
) -> dict[str, Any]:
    per_chat: dict[str, int] = outcome["per_chat"]
    wanted = {str(chat_id) for _, chat_id in runners}
    replies: list[float] = outcome["replies"]
    finished = outcome["last_reminder_at"] - due_at
    floor = users / rate
    floor_all = outcome["writes_in_burst"] / rate
    return {
        "users": users,
        "limit_per_second": rate,
        "scale_vs_telegram": rate / 30,
        "delivered": sum(per_chat.values()),
        "exactly_once": set(per_chat) == wanted and all(n == 1 for n in per_chat.values()),
        "http_429": outcome["throttled"],
        "rule_violations": outcome["violations"],
        "finish_seconds": round(finished, 3),
        "floor_seconds": round(floor, 3),
        "over_floor_percent": round((finished / floor - 1) * 100, 2),
        "messages_in_burst": outcome["writes_in_burst"],
        "over_floor_all_messages_percent": round((finished / floor_all - 1) * 100, 2),
        "interactive_replies": len(replies),
        "interactive_p50_ms": round(statistics.median(replies) * 1000, 1),
        "interactive_p99_ms": round(percentile(replies, 99) * 1000, 1),
        "interactive_max_ms": round(max(replies) * 1000, 1),
    }


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1)]


# --- a club run: 200 of 500 members press "Warm up with me" ------------------------------


async def club_run(members: int, pressers: int, press_rate: float, seed: int) -> dict[str, Any]:
    rate = 30  # Telegram's own limits, unscaled
    stand_in = StandInProcess(rate, None)
    limits = stand_in_limits(rate)
    setup = await stand_in.post("/club/setup", {"members": members})
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/bench.sqlite3")
        await upgrade_to_head(engine)
        run_at = FIRE_AT + timedelta(minutes=30)
        async with engine.begin() as connection:
            await connection.execute(
                insert(Club),
                [
                    {
                        "id": 1,
                        "platform": "telegram",
                        "chat_id": str(setup["group"]),
                        "space": str(setup["group"]),
                        "status": "active",
                        "weekly_summary": False,
                        "created_at": FIRE_AT - timedelta(days=1),
                        "updated_at": FIRE_AT - timedelta(days=1),
                    }
                ],
            )
            await connection.execute(
                insert(ClubRun),
                [
                    {
                        "club_id": 1,
                        "weekdays": str(run_at.astimezone(UTC).weekday()),
                        "run_time": run_at.strftime("%H:%M"),
                        "time_zone": "UTC",
                        "lead_minutes": 30,
                        "next_fire_at": FIRE_AT,
                        "created_at": FIRE_AT - timedelta(days=1),
                    }
                ],
            )
        sessions = session_factory(engine)
        clock = RunningClock(FIRE_AT - LEAD_IN)
        options = ReminderOptions()
        content = load_content(ROOT / "content")
        coach = build_coach(sessions, content, clock=clock, options=options)
        adapter = TelegramAdapter(
            coach.handle,
            TelegramConfig(
                token=stand_in.token,
                api_url=stand_in.api_url,
                listen="127.0.0.1",
                poll_timeout=2,
                # What bot/config.py sets for Telegram: a little under its limits.
                pace=PaceLimits(
                    overall_per_second=limits.overall_per_second - 1,
                    per_chat_per_second=limits.per_chat_per_second * 0.95,
                    per_chat_burst=3,
                    per_group_per_minute=limits.per_group_per_minute - 1,
                ),
            ),
            texts=content.telegram_texts,
            words=content.texts,
            pictures=None,
            commands=coach.commands(),
            outbox=UpdateOutbox(sessions, clock),
            on_unreachable=unreachable_reporter(coach),
            store=KeyValueStore(sessions),
        )
        await adapter.start()
        dispatcher = build_dispatcher(sessions, content, [adapter], clock, buttons=coach.buttons)
        scheduler = ReminderScheduler(dispatcher, clock, options.wakeup)
        gc.freeze()
        await scheduler.start()
        invite: dict[str, Any] = {}
        deadline = time.monotonic() + LEAD_IN.total_seconds() + 30
        while not invite and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            invite = await stand_in.get("/club/invite")
        if not invite:
            raise SystemExit("the club's invite was never posted")
        chosen = random.Random(seed).sample(range(members), pressers)
        arrivals = random.Random(seed + 1)
        for index in chosen:
            await stand_in.post("/club/press", {"index": index, **invite})
            await asyncio.sleep(arrivals.expovariate(press_rate))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (await stand_in.get("/club/progress"))["answered"] >= pressers:
                break
            await asyncio.sleep(0.1)
        await scheduler.stop()
        await adapter.stop()
        await engine.dispose()
    outcome = await stand_in.get("/club/result")
    await stand_in.close()
    latencies: list[float] = outcome["latencies"]
    answered = [t for t in latencies if t < math.inf]
    return {
        "members": members,
        "pressers": pressers,
        "press_rate_per_second": press_rate,
        "limit_per_second": rate,
        "answered_in_private": len(answered),
        "press_to_private_p50_ms": round(statistics.median(answered) * 1000, 1),
        "press_to_private_p99_ms": round(percentile(answered, 99) * 1000, 1),
        "press_to_private_max_ms": round(max(answered) * 1000, 1),
        "group_messages": outcome["group_messages"],
        "http_429": outcome["throttled"],
        "rule_violations": outcome["violations"],
        "unanswered_presses": outcome["unanswered_presses"],
    }


# --- start-up with many stored reminders ---------------------------------------------------


class NullAdapter:
    """Telegram as far as the scheduler can tell, without a network (nothing is due)."""

    name = "telegram"
    connected = True

    def __init__(self) -> None:
        self.sent = 0

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send(self, key: ConversationKey, reply: Reply, *, bulk: bool = False) -> None:
        self.sent += 1


async def fill(url: str, stored: int) -> None:
    """Child process: a database with ``stored`` reminders spread over the coming week,
    the first ten minutes' worth already due (as after a short restart)."""
    engine = create_engine(url)
    await upgrade_to_head(engine)
    now = datetime.now(UTC)
    owners = max(stored // 2, 1)
    span = timedelta(days=7)
    await store(
        engine,
        [user_row(n + 1, str(10_000_000 + n)) for n in range(owners)],
        [
            reminder_row(
                n % owners + 1,
                str(10_000_000 + n % owners),
                now - timedelta(minutes=10) + span * n / stored,
                "07:00",
            )
            for n in range(stored)
        ],
    )
    await engine.dispose()


def startup(stored: int) -> dict[str, Any]:
    """Fill a database in a child process, then time this process starting on it."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        filling = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--phase", "fill", "--db", url, "--stored", str(stored)],
            check=True,
        )
        filled = time.perf_counter() - filling
        return {"fill_seconds": round(filled, 2)} | asyncio.run(start_on(url, stored))


async def start_on(url: str, stored: int) -> dict[str, Any]:
    from bot.app import build_reminder_scheduler, open_services

    settings = Settings(database_url=url, content_dir=ROOT / "content")
    started = time.perf_counter()
    services = await open_services(settings)
    adapter = NullAdapter()
    scheduler = build_reminder_scheduler(services, [adapter])
    await scheduler.start()
    await scheduler.ready.wait()
    ready = time.perf_counter() - started
    rss, peak = rss_mb(), peak_rss_mb()
    await scheduler.stop()
    await services.close()
    return {
        "stored_reminders": stored,
        "startup_to_ready_seconds": round(ready, 3),
        "sent_at_start": adapter.sent,
        "rss_mb": round(rss),
        "peak_rss_mb": round(peak),
    }


# --- main ------------------------------------------------------------------------------------


def verdict(
    burst_result: dict[str, Any] | None,
    start_result: dict[str, Any] | None,
    club_result: dict[str, Any] | None = None,
) -> list[str]:
    failures = []
    if club_result is not None:
        if club_result["answered_in_private"] != club_result["pressers"]:
            failures.append("not every presser got a private message")
        if club_result["press_to_private_p99_ms"] >= 500:
            failures.append("press to private message p99 >= 500 ms")
        if club_result["http_429"] or club_result["rule_violations"]:
            failures.append("429s or rule violations in the club run")
        if club_result["group_messages"] != 1:
            failures.append("the group got more than its one message")
        if club_result["unanswered_presses"]:
            failures.append("presses left unanswered")
    if burst_result is not None:
        if not burst_result["exactly_once"] or burst_result["delivered"] != burst_result["users"]:
            failures.append("not every reminder was delivered exactly once")
        if burst_result["http_429"]:
            failures.append("429s were answered")
        if burst_result["over_floor_percent"] > 5:
            failures.append("burst finished more than 5% over the N/limit floor")
        if burst_result["interactive_p99_ms"] >= 500:
            failures.append("interactive p99 >= 500 ms")
        if burst_result["loop_stall_ms"] > 100:
            failures.append("event loop stalled > 100 ms")
        if burst_result["peak_rss_mb"] >= 200:
            failures.append("burst resident memory >= 200 MB")
    if start_result is not None:
        if start_result["startup_to_ready_seconds"] >= 5:
            failures.append("start-up to ready >= 5 s")
        if start_result["peak_rss_mb"] >= 200:
            failures.append("start-up resident memory >= 200 MB")
    return failures


def in_child(phase: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--json",
        "--users",
        str(args.users),
        "--rate",
        str(args.rate),
        "--interactive",
        str(args.interactive),
        "--pace",
        str(args.pace),
        "--pace-burst",
        str(args.pace_burst),
        "--stored",
        str(args.stored),
        "--members",
        str(args.members),
        "--pressers",
        str(args.pressers),
        "--press-rate",
        str(args.press_rate),
        *([] if args.bot_cpu is None else ["--bot-cpu", str(args.bot_cpu)]),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--phase", choices=("all", "burst", "club", "startup", "standin", "fill"), default="all"
    )
    parser.add_argument("--db", help="database URL (fill)")
    parser.add_argument(
        "--bot-cpu", type=int, help="pin the bot to this CPU (the stand-in to another one)"
    )
    parser.add_argument("--stand-in-cpu", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--rate", type=int, default=300, help="stand-in messages/s overall")
    parser.add_argument("--pace", type=float, default=296.0, help="adapter pacing, messages/s")
    parser.add_argument(
        "--pace-burst", type=int, default=4, help="adapter's overall burst allowance"
    )
    parser.add_argument("--interactive", type=int, default=40, help="/warmup senders in the burst")
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=500, help="club members (club)")
    parser.add_argument("--pressers", type=int, default=200, help='"Warm up with me" presses')
    parser.add_argument("--press-rate", type=float, default=10.0, help="mean presses/s (club)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="one JSON line (used by --phase all)")
    parser.add_argument("--verbose", action="store_true", help="throughput and stalls over time")
    args = parser.parse_args()
    burst_result = start_result = club_result = None
    if args.phase == "fill":
        asyncio.run(fill(args.db, args.stored))
        return 0
    if args.phase == "standin":
        if args.stand_in_cpu is not None:
            os.sched_setaffinity(0, {args.stand_in_cpu})
        asyncio.run(serve_stand_in(args.rate))
        return 0
    if args.phase == "burst":
        burst_result = asyncio.run(
            burst(
                args.users,
                args.rate,
                args.interactive,
                args.pace,
                args.pace_burst,
                args.verbose,
                args.bot_cpu,
            )
        )
    elif args.phase == "club":
        club_result = asyncio.run(club_run(args.members, args.pressers, args.press_rate, args.seed))
    elif args.phase == "startup":
        start_result = startup(args.stored)
    else:
        burst_result = in_child("burst", args)
        club_result = in_child("club", args)
        start_result = in_child("startup", args)
    if args.json:
        print(json.dumps(burst_result or club_result or start_result))
        return 0
    for title, result in (
        ("burst", burst_result),
        ("club", club_result),
        ("startup", start_result),
    ):
        if result is not None:
            print(f"[{title}]")
            for key, value in result.items():
                print(f"  {key}: {value}")
    failures = verdict(burst_result, start_result, club_result)
    print("PASS" if not failures else "FAIL: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.exit(main())
