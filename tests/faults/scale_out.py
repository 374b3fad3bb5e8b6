"""Several real ``python -m bot run`` workers on one PostgreSQL database and one bot token.

Two scenarios, asserting nothing themselves (``test_scale_out.py`` asserts, and
``bench/scale_burst.py`` / ``bench/scale_failover.py`` print figures):

- :func:`run_shared_burst`: ``runners`` one-off reminders due at once, sent by
  ``workers`` worker processes together against Telegram's stand-in with its real flood
  limits, optionally killing one worker with SIGKILL once the burst is a third done.
  While it runs, a probe sends a message every ``probe_every`` seconds, from a few
  runners in turn, and the time to each reply is kept (interactive latency during the
  burst). The claims the killed worker held are read right after its death, and the
  time from the kill to the first of them reaching its runner is kept.
- :func:`run_failover`: two workers; the one that polls is killed with SIGKILL and a
  runner writes at once: the time from the kill to the reply (sent by the stand-by,
  which has taken over the polling) is measured.

The workers are the real process started from the command line, on the system clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from bot.core.ports import SystemClock
from bot.features.reminders.models import Reminder, ReminderDelivery
from bot.storage.database import create_engine
from tests.faults.reminder_burst import (
    REMINDER,
    REPEAT_LINE,
    BotProcess,
    Tally,
    _settled,
    delivery_statuses,
    migrate,
    seed,
)
from tests.standins.telegram_api import Call, RateLimits, TelegramStandIn

PROBE_TEXT = "/help"
PROBE_RUNNERS = 4


@dataclass
class SharedBurst:
    runners: int
    workers: int
    killed: bool
    arrivals: dict[int, list[str]]
    throttled: int
    senders: int  # worker processes whose claims were sent
    statuses: dict[str, int]
    seconds_to_all: float  # from the first worker's start to the last runner reached
    first_to_last: float  # from the first reminder sent to the last runner reached
    # Other messages the bot sent meanwhile (the probe's replies): the same budget's.
    others_during: int = 0
    probe_latencies: list[float] = field(default_factory=list)
    probe_replies: list[str] = field(default_factory=list)  # the first message of each
    probe_unanswered: int = 0
    logs: list[str] = field(default_factory=list)
    # After the kill: to the next reminder sent by a worker left, and to the first re-send
    # of a claim the dead worker held (once its lease ran out); None when none happened.
    kill_to_next_send: float | None = None
    kill_to_takeover: float | None = None
    # The killed worker's claims when it died: chat id → times handed to Telegram; and
    # the time from the kill to the first of them sent by the worker left.
    dead_claims: dict[int, int] = field(default_factory=dict)
    kill_to_dead_claim: float | None = None

    @property
    def lost(self) -> int:
        return sum(1 for texts in self.arrivals.values() if not texts)

    @property
    def duplicated(self) -> int:
        return sum(max(len(texts) - 1, 0) for texts in self.arrivals.values())

    @property
    def unmarked_repeats(self) -> int:
        return sum(1 for texts in self.arrivals.values() for t in texts[1:] if REPEAT_LINE not in t)

    @property
    def unsent_dead_claims(self) -> dict[int, int]:
        """The killed worker's claims it had not handed to Telegram: chat → arrivals
        (each runner should have theirs once)."""
        return {
            chat: len(self.arrivals.get(chat, []))
            for chat, attempts in self.dead_claims.items()
            if attempts == 0
        }

    def p99(self) -> float:
        if not self.probe_latencies:
            return 0.0
        ordered = sorted(self.probe_latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def _claims_of(url: str, pid: int) -> dict[int, int]:
    """The claims the process ``pid`` holds: chat id → attempts."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Reminder.chat_id, ReminderDelivery.attempts)
                .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
                .where(
                    ReminderDelivery.status == "claimed",
                    ReminderDelivery.claimed_by.like(f"%:{pid}:%"),
                )
            )
            return {int(chat): int(attempts) for chat, attempts in rows}
    finally:
        await engine.dispose()


async def _senders(url: str) -> int:
    """Distinct processes (host:pid) that claimed the rows that were sent."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(ReminderDelivery.claimed_by, func.count())
                .where(ReminderDelivery.status == "sent")
                .group_by(ReminderDelivery.claimed_by)
            )
            return len({str(holder).rsplit(":", 1)[0] for holder, _ in rows})
    finally:
        await engine.dispose()


class _Probe:
    """Runners who write now and then, taking turns; keeps the seconds from each message
    to its reply.

    Telegram lets a bot send one chat about a message a second, so one runner writing
    twice a second waits half a second for each reply however fast the bot is: that
    would time the chat's limit, not the bot. ``PROBE_RUNNERS`` take turns instead, each
    writing every two seconds or so, and the probe as a whole writes every ``every``.
    """

    def __init__(self, api: TelegramStandIn) -> None:
        self.api = api
        self.runners = [
            (user, api.private_chat(user)) for user in (api.user() for _ in range(PROBE_RUNNERS))
        ]
        self.latencies: list[float] = []
        self.replies: list[str] = []
        self.unanswered = 0
        self._waiting: int | None = None  # the chat whose reply is awaited
        self._sent_at = 0.0
        self._replied = asyncio.Event()
        api.observe(self._seen)

    def _seen(self, call: Call) -> None:
        if (
            call.method == "sendMessage"
            and call.ok
            and call.chat_id is not None
            and call.chat_id == self._waiting
        ):
            self.latencies.append(time.monotonic() - self._sent_at)
            self.replies.append(call.text or "")
            self._waiting = None
            self._replied.set()

    async def run(self, every: float, stop: asyncio.Event) -> None:
        turn = 0
        while not stop.is_set():
            user, chat = self.runners[turn % len(self.runners)]
            turn += 1
            self._replied.clear()
            self._sent_at = time.monotonic()
            self._waiting = chat.id
            self.api.send_text(chat, user, PROBE_TEXT)
            try:
                async with asyncio.timeout(30):
                    await self._replied.wait()
            except TimeoutError:
                self.latencies.append(30.0)
                self.unanswered += 1
                self._waiting = None
            await asyncio.sleep(every)


async def run_shared_burst(
    url: str,
    workdir: Path,
    *,
    runners: int,
    workers: int = 2,
    kill_one: bool = False,
    lease_seconds: int = 3,
    probe_every: float = 0.0,
) -> SharedBurst:
    """See the module docstring. ``url``: an empty PostgreSQL database."""
    workdir.mkdir(parents=True, exist_ok=True)
    await migrate(url)
    async with TelegramStandIn(rate_limits=RateLimits()) as api:
        people = [(user, api.private_chat(user)) for user in (api.user() for _ in range(runners))]
        probe = _Probe(api) if probe_every > 0 else None
        tally = Tally(api)
        first_sent: list[float] = []
        # (when, carries the repeat line, chat)
        sends: list[tuple[float, bool, int | None]] = []
        others: list[float] = []  # when each other message went (replies to runners)

        def first(call: Call) -> None:
            if call.method == "sendMessage" and call.ok and REMINDER not in (call.text or ""):
                others.append(time.monotonic())
            if call.method == "sendMessage" and call.ok and REMINDER in (call.text or ""):
                now = time.monotonic()
                if not first_sent:
                    first_sent.append(now)
                sends.append((now, REPEAT_LINE in (call.text or ""), call.chat_id))

        api.observe(first)
        await seed(url, people, SystemClock().now())
        procs = [BotProcess(url, api, workdir / f"w{n}", lease_seconds) for n in range(workers)]
        # This process is the measuring instrument. The stand-in stamps a request when its
        # handler runs, and its heap (every request it recorded) grows through the burst:
        # a full collection here (up to a second at 3,000 runners) would bunch the
        # requests that queued meanwhile into one instant, counted against the limit as a
        # burst the workers never sent, and delay the probe's replies it times.
        gc.collect()
        gc.freeze()
        gc.disable()
        started = time.monotonic()
        stop_probe = asyncio.Event()
        probing = None
        try:
            for proc in procs:
                proc.workdir.mkdir(parents=True, exist_ok=True)
                await proc.start()
            if probe is not None:
                # From the moment a worker polls: before that nobody could answer (the
                # leader does the start-up work first, the menu and descriptions).
                await _polling(procs, 120)
                probing = asyncio.create_task(probe.run(probe_every, stop_probe))
            killed = False
            killed_at = gone_at = 0.0
            dead_claims: dict[int, int] = {}
            if kill_one:
                await tally.until(runners // 3, seconds=120)
                killed_at = time.monotonic()
                procs[0].signal(signal.SIGKILL)
                await procs[0].wait(30)
                gone_at = time.monotonic()
                killed = True
                assert procs[0].process is not None
                dead_claims = await _claims_of(url, procs[0].process.pid)
            # Bounded: what arrived by then is reported, the rest counts as lost.
            with contextlib.suppress(TimeoutError):
                await tally.until(runners, seconds=60 + runners / 8)
            reached_all = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await _settled(url, seconds=30 + 3 * lease_seconds)
        finally:
            gc.enable()
            gc.unfreeze()
            stop_probe.set()
            if probing is not None:
                await probing
            for proc in procs:
                if proc.process is not None and proc.process.returncode is None:
                    proc.signal(signal.SIGTERM)
            logs: list[str] = []
            for proc in procs:
                if proc.process is not None:
                    await proc.wait(30)
                logs.extend(proc.lines)
        arrivals = {
            chat.id: [m.text or "" for m in api.bot_messages(chat) if REMINDER in (m.text or "")]
            for _, chat in people
        }
        throttled = len(api.throttled)
    after = [(at - killed_at, repeat) for at, repeat, _ in sends if killed and at > killed_at]
    # Only once the process is gone: a send it had on the wire may land just after the kill.
    dead_sent = [at - killed_at for at, _, chat in sends if at > gone_at and chat in dead_claims]
    return SharedBurst(
        runners=runners,
        workers=workers,
        killed=killed,
        arrivals=arrivals,
        throttled=throttled,
        senders=await _senders(url),
        statuses=await delivery_statuses(url),
        seconds_to_all=reached_all - started,
        first_to_last=reached_all - (first_sent[0] if first_sent else started),
        others_during=sum(1 for at in others if first_sent and first_sent[0] <= at <= reached_all),
        probe_latencies=probe.latencies if probe else [],
        probe_replies=probe.replies if probe else [],
        probe_unanswered=probe.unanswered if probe else 0,
        logs=logs,
        kill_to_next_send=min((d for d, _ in after), default=None),
        kill_to_takeover=min((d for d, repeat in after if repeat), default=None),
        dead_claims=dead_claims if killed else {},
        kill_to_dead_claim=min(dead_sent, default=None),
    )


@dataclass
class Failover:
    leader_seen: bool
    seconds_to_reply: float  # from the SIGKILL to the stand-by's reply
    reply: str
    logs: list[str]


async def run_failover(url: str, workdir: Path, *, within: float = 30.0) -> Failover:
    """Two workers, the poller killed, a runner writing at once. See the module docstring."""
    await migrate(url)
    async with TelegramStandIn(rate_limits=RateLimits()) as api:
        procs = [BotProcess(url, api, workdir / f"w{n}", 30) for n in range(2)]
        for proc in procs:
            proc.workdir.mkdir(parents=True, exist_ok=True)
            await proc.start()
        try:
            leader = await _leader(procs, within)
            # Killed only once the other one is standing by (on a busy machine it may
            # still be starting), so what is timed is a take-over.
            other = next(proc for proc in procs if proc is not leader)
            async with asyncio.timeout(within):
                while not other.log_lines("token_standby"):
                    await asyncio.sleep(0.05)
            user = api.user()
            chat = api.private_chat(user)
            # The leader answers first: both workers are up and the runner is known.
            api.send_text(chat, user, "/start")
            await _reply(api, chat, 0, within)
            seen = len(api.bot_messages(chat))
            leader.signal(signal.SIGKILL)
            killed_at = time.monotonic()
            await leader.wait(30)
            api.send_text(chat, user, "/help")
            reply = await _reply(api, chat, seen, within)
            seconds = time.monotonic() - killed_at
        finally:
            for proc in procs:
                if proc.process is not None and proc.process.returncode is None:
                    proc.signal(signal.SIGTERM)
            logs: list[str] = []
            for proc in procs:
                if proc.process is not None:
                    await proc.wait(30)
                logs.extend(proc.lines)
    return Failover(True, seconds, reply, logs)


async def _leader(procs: list[BotProcess], within: float) -> BotProcess:
    async with asyncio.timeout(within):
        while True:
            for proc in procs:
                if proc.log_lines("telegram_polling_leader"):
                    return proc
            await asyncio.sleep(0.05)


async def _polling(procs: list[BotProcess], within: float) -> BotProcess:
    async with asyncio.timeout(within):
        while True:
            for proc in procs:
                if any("mode=polling" in line for line in proc.log_lines("telegram_started")):
                    return proc
            await asyncio.sleep(0.05)


async def _reply(api: TelegramStandIn, chat: object, seen: int, within: float) -> str:
    from tests.standins.telegram_api import TgChat

    assert isinstance(chat, TgChat)
    async with asyncio.timeout(within):
        while len(api.bot_messages(chat)) <= seen:
            await asyncio.sleep(0.01)
    return api.bot_messages(chat)[seen].text or ""
