"""A reminder burst through the real ``python -m bot run``, interrupted and restarted.

The scenario: ``runners`` runners on the Telegram stand-in (in this process), each with a
one-off reminder due now, so the bot's first pass sends
them all at Telegram's pace (30 a second). While it sends, the bot process is stopped
``kills`` times with SIGKILL and then ``sigterms`` times with SIGTERM, each after the
process has delivered its share of the burst, and started again each time on the same
database. A last process finishes the burst and is stopped with SIGTERM.

What comes back (:class:`BurstOutcome`) is what the runners saw, chat by chat, read from
the stand-in's stored messages, plus what the database and the bot's logs say. The
scenario asserts nothing itself, so ``bench/`` can run it with many kills and print the
figures; the tests in ``test_reminder_burst.py`` assert on it.

Due times come from the clock the bot process runs on, ``SystemClock`` (a process started
from the command line has no other): the rows are written due now by that clock, so
they are due the moment the bot starts, on any date (under faketime too, which the bot
process inherits); only a reminder that really comes a minute late says so. One-off
rules, so an occurrence sent twice can only be a re-send, never the next occurrence.
PostgreSQL runs with a short lease (``lease_seconds``): a restarted worker there waits
for a dead one's leases to run out, where SQLite takes them over at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.ports import Clock, SystemClock
from bot.features.reminders.models import Reminder, ReminderDelivery
from bot.storage.database import create_engine
from bot.storage.migrations import upgrade_to_head
from bot.storage.models import User
from tests.processes import BotRun
from tests.standins.telegram_api import Call, TelegramStandIn, TgChat, TgUser

ZONE = "Europe/London"
LEAD_MINUTES = 30
REMINDER = "Your run is at"
REPEAT_LINE = "This may be a repeat"
LATE_LINE = "Sorry, this comes"
CONCURRENCY = 32  # REMINDER_SEND_CONCURRENCY: the bound on sends in flight at a kill
STOP_LIMIT_SECONDS = 20.0
PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


class PostgresUnavailable(Exception):
    """No PostgreSQL server to make a scratch database on (the message says why)."""


@dataclass
class Interruption:
    kind: str  # "kill" | "term"
    delivered_before: int  # runners reached when the signal went
    exit_code: int | None = None
    stop_seconds: float = 0.0
    left_claimed: int = 0  # rows still `claimed` right after the process was gone
    released: int = 0  # rows `released` right after the process was gone
    drained: str = ""  # the process's reminders_drained log line
    get_updates_after: int = 0  # getUpdates requests that arrived after the signal


@dataclass
class BurstOutcome:
    database: str
    runners: int
    interruptions: list[Interruption]
    final_exit_code: int | None
    final_stop_seconds: float
    arrivals: dict[int, list[str]]  # chat id → texts of the reminders it received
    statuses: dict[str, int]  # delivery rows by status at the end
    lost_logged: int  # the sum of every reminders_lost_in_crash count in the logs
    seconds: float
    logs: list[str] = field(default_factory=list)

    @property
    def kills(self) -> int:
        return sum(1 for i in self.interruptions if i.kind == "kill")

    @property
    def lost(self) -> int:
        """Runners who never got their reminder."""
        return sum(1 for texts in self.arrivals.values() if not texts)

    @property
    def duplicated(self) -> int:
        """Reminders that arrived more than once (each extra arrival counts)."""
        return sum(max(len(texts) - 1, 0) for texts in self.arrivals.values())

    @property
    def unmarked_repeats(self) -> int:
        """Second and later arrivals without the "may be a repeat" line."""
        return sum(1 for texts in self.arrivals.values() for t in texts[1:] if REPEAT_LINE not in t)

    @property
    def marked(self) -> int:
        """Arrivals carrying the "may be a repeat" line (the first arrival may too)."""
        return sum(1 for texts in self.arrivals.values() for t in texts if REPEAT_LINE in t)

    @property
    def late(self) -> int:
        """Arrivals that said they come late."""
        return sum(1 for texts in self.arrivals.values() for t in texts if LATE_LINE in t)

    @property
    def repeat_bound(self) -> int:
        """At most the sends in flight at each kill may arrive twice."""
        return self.kills * CONCURRENCY

    def summary(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "runners": self.runners,
            "kills": self.kills,
            "sigterms": sum(1 for i in self.interruptions if i.kind == "term"),
            "lost": self.lost,
            "duplicated": self.duplicated,
            "repeat_bound": self.repeat_bound,
            "unmarked_repeats": self.unmarked_repeats,
            "marked_may_be_repeat": self.marked,
            "late_noted": self.late,
            "lost_logged": self.lost_logged,
            "left_claimed_at_end": self.statuses.get("claimed", 0)
            + self.statuses.get("released", 0),
            "term_exit_codes": [i.exit_code for i in self.interruptions if i.kind == "term"]
            + [self.final_exit_code],
            "term_stop_seconds_max": round(
                max(
                    [i.stop_seconds for i in self.interruptions if i.kind == "term"]
                    + [self.final_stop_seconds]
                ),
                2,
            ),
            "seconds": round(self.seconds, 1),
        }


# --- databases ----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A scratch database on the local server, dropped afterwards."""
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"hipcoach_faults_{uuid.uuid4().hex[:12]}"
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # refused, no server, no permission
        await admin.dispose()
        raise PostgresUnavailable(
            f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(exc).__name__}): {exc}"
        ) from None
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def migrate(url: str) -> None:
    """To head. Not two at once in one process: Alembic's context is global."""
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


async def seed(url: str, people: list[tuple[TgUser, TgChat]], due: datetime) -> None:
    """One one-off reminder per runner, all due at ``due``, on a migrated database.

    The rule names ``due``'s minute; ``next_fire_at`` is ``due`` itself, a few seconds
    on, so once sent the rule has no later occurrence (none fires twice by design)."""
    engine = create_engine(url)
    local_run = (due + timedelta(minutes=LEAD_MINUTES)).astimezone(ZoneInfo(ZONE))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(User),
                [
                    {
                        "id": n + 1,
                        "platform": "telegram",
                        "platform_user_id": str(user.id),
                        "time_zone": ZONE,
                        "disclaimer_accepted_at": due - timedelta(days=3),
                        "created_at": due - timedelta(days=3),
                    }
                    for n, (user, _) in enumerate(people)
                ],
            )
            await connection.execute(
                insert(Reminder),
                [
                    {
                        "user_id": n + 1,
                        "platform": "telegram",
                        "chat_id": str(chat.id),
                        "weekdays": "",
                        "once_on": local_run.date(),
                        "run_time": local_run.strftime("%H:%M"),
                        "lead_minutes": LEAD_MINUTES,
                        "time_zone": ZONE,
                        "status": "active",
                        "next_fire_at": due,
                        "created_at": due - timedelta(days=1),
                        "updated_at": due - timedelta(days=1),
                    }
                    for n, (_, chat) in enumerate(people)
                ],
            )
            if connection.dialect.name == "postgresql":
                # The ids above were given, so the sequence never moved: without this the
                # next runner to write (a probe) would be given an id already taken.
                await connection.execute(
                    text("SELECT setval(pg_get_serial_sequence('users', 'id'), :last)"),
                    {"last": max(len(people), 1)},
                )
    finally:
        await engine.dispose()


async def delivery_statuses(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(ReminderDelivery.status, func.count())
                .where(ReminderDelivery.kind != "checkin")  # the reminders' own
                .group_by(ReminderDelivery.status)
            )
            return {status: int(count) for status, count in rows}
    finally:
        await engine.dispose()


# --- the bot process ----------------------------------------------------------------------


class BotProcess(BotRun):
    """``python -m bot run`` on Telegram's stand-in, its log lines kept."""

    def __init__(self, url: str, api: TelegramStandIn, workdir: Path, lease_seconds: int) -> None:
        super().__init__(url, workdir)
        self.api = api
        self.lease_seconds = lease_seconds

    def settings(self) -> dict[str, str]:
        return {
            "TELEGRAM_TOKEN": self.api.token,
            "TELEGRAM_API_URL": self.api.base_url,
            "REMINDER_LEASE_SECONDS": str(self.lease_seconds),
            "REMINDER_SEND_CONCURRENCY": str(CONCURRENCY),
        }


# --- the scenario -------------------------------------------------------------------------


class Tally:
    """Counts the runners reached as the stand-in stores their reminders, and getUpdates
    requests."""

    def __init__(self, api: TelegramStandIn) -> None:
        self.reached: set[int | None] = set()
        self.get_updates: list[float] = []
        self.changed = asyncio.Event()
        api.observe(self._seen)

    @property
    def reminders(self) -> int:
        return len(self.reached)

    def _seen(self, call: Call) -> None:
        if call.method == "getUpdates":
            self.get_updates.append(call.at)
        elif call.method == "sendMessage" and call.ok and (call.text or "").startswith(REMINDER):
            self.reached.add(call.chat_id)
            self.changed.set()

    async def until(self, count: int, seconds: float) -> None:
        async with asyncio.timeout(seconds):
            while self.reminders < count:
                self.changed.clear()
                await self.changed.wait()


def _lost_logged(lines: list[str]) -> int:
    return sum(
        int(match.group(1))
        for line in lines
        if (match := re.search(r"reminders_lost_in_crash count=(\d+)", line))
    )


async def _settled(url: str, seconds: float) -> None:
    """Until no delivery row is claimed or released (the burst, re-sends included, is done)."""
    async with asyncio.timeout(seconds):
        while True:
            statuses = await delivery_statuses(url)
            if statuses and not statuses.get("claimed") and not statuses.get("released"):
                return
            await asyncio.sleep(0.2)


async def run_burst(
    url: str,
    workdir: Path,
    *,
    kills: int,
    sigterms: int = 0,
    runners: int = 300,
    lease_seconds: int = 3,
    database: str = "",
    migrated: bool = False,
    clock: Clock | None = None,
) -> BurstOutcome:
    """Run the scenario on the empty database at ``url`` (already at head if
    ``migrated``: do that first when running several scenarios at once); ``clock`` is
    the bot process's, the system clock. See the module docstring.

    Each interruption comes once the current process has delivered its even share of
    the burst, so every one lands mid-burst however many there are.
    """
    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    plan = ["kill"] * kills + ["term"] * sigterms
    share = max(runners // (len(plan) + 1), 1)
    async with TelegramStandIn() as api:
        people = [(user, api.private_chat(user)) for user in (api.user() for _ in range(runners))]
        due = (clock or SystemClock()).now()
        if not migrated:
            await migrate(url)
        await seed(url, people, due)
        tally = Tally(api)
        interruptions: list[Interruption] = []
        logs: list[str] = []
        for kind in plan:
            bot = BotProcess(url, api, workdir, lease_seconds)
            await bot.start()
            await tally.until(min(tally.reminders + share, runners), seconds=60)
            interruption = Interruption(kind, tally.reminders)
            signalled = time.monotonic()
            bot.signal(signal.SIGKILL if kind == "kill" else signal.SIGTERM)
            interruption.exit_code = await bot.wait(STOP_LIMIT_SECONDS + 10)
            interruption.stop_seconds = time.monotonic() - signalled
            interruption.get_updates_after = sum(1 for at in tally.get_updates if at > signalled)
            statuses = await delivery_statuses(url)
            interruption.left_claimed = statuses.get("claimed", 0)
            interruption.released = statuses.get("released", 0)
            interruption.drained = next(iter(bot.log_lines("reminders_drained")), "")
            interruptions.append(interruption)
            logs.extend(bot.lines)
        last = BotProcess(url, api, workdir, lease_seconds)
        await last.start()
        # Everyone has theirs, and the re-sends of what was in flight are done too.
        await tally.until(runners, seconds=90)
        await _settled(url, seconds=30 + 2 * lease_seconds)
        signalled = time.monotonic()
        last.signal(signal.SIGTERM)
        final_code = await last.wait(STOP_LIMIT_SECONDS + 10)
        final_stop = time.monotonic() - signalled
        logs.extend(last.lines)
        arrivals = {
            chat.id: [m.text or "" for m in api.bot_messages(chat) if REMINDER in (m.text or "")]
            for _, chat in people
        }
    return BurstOutcome(
        database=database or url.split(":", 1)[0],
        runners=runners,
        interruptions=interruptions,
        final_exit_code=final_code,
        final_stop_seconds=final_stop,
        arrivals=arrivals,
        statuses=await delivery_statuses(url),
        lost_logged=_lost_logged(logs),
        seconds=time.monotonic() - started,
        logs=logs,
    )
