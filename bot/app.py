"""Composition root: builds settings, database, content, core, scheduler and adapters.

Lifecycle of ``run_bot``: serve the health routes (``HEALTH_PORT``; not ready while the
database is waited for) → open services (content validated, database at head) → lead
every platform token (:mod:`bot.storage.token_lock`: on PostgreSQL a second process on
the same token stands by here until the first one stops, except Telegram polling, whose
lock the adapter takes for the polling alone while the worker sends at once; on SQLite
it is refused with :class:`~bot.storage.token_lock.AlreadyRunning`) → start each
platform adapter → start
the reminder scheduler (it delivers through the started adapters, and first catches up
on what came due while down) → wait for SIGTERM/SIGINT (or, for the terminal chat, end
of input) → stop the scheduler (no new claims; the sends in flight, at most
``REMINDER_SEND_CONCURRENCY``, finish through the still-running adapters, and every
other claim is released for the next process) → stop adapters (they stop fetching
updates and finish the ones in hand) → let go of the tokens → dispose of the database
engine. All of it within ``SHUTDOWN_SECONDS`` of the signal, inside the 30 s most
platforms allow. A platform that fails to start is logged and does not stop the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import bot.schema  # noqa: F401  (registers every table, for export and erasure)
from bot.adapters.base import PlatformAdapter
from bot.adapters.supervise import Backoff
from bot.adapters.terminal import TerminalAdapter
from bot.button_secret import load_button_secret
from bot.config import Settings
from bot.content import Content, load_content
from bot.core import payloads
from bot.core.counts import Counts
from bot.core.engine import Coach
from bot.core.flow import Flow
from bot.core.messages import ConversationKey
from bot.core.payloads import Buttons
from bot.core.ports import Adapter, Clock, OnUnreachable, SystemClock
from bot.core.stores import Database, Scrubber
from bot.core.understanding import FaqPass
from bot.delivery import limits as delivery_limits
from bot.delivery.budget import SharedBudget
from bot.features.checkins.flow import Checkins
from bot.features.checkins.ports import AfterRunQuestion, CheckinProgress, LastRunAdvice
from bot.features.clubs.flow import Clubs
from bot.features.clubs.outbox import ClubOutbox
from bot.features.clubs.store import ClubRepository
from bot.features.counts.runner import CountRunner
from bot.features.faq.flow import FaqButtons
from bot.features.faq.ports import FaqReplies
from bot.features.onboarding.flow import Onboarding
from bot.features.privacy.flow import Privacy
from bot.features.progress.flow import Progress
from bot.features.reminders.checkin_flow import CheckinSettings
from bot.features.reminders.dispatcher import Dispatcher, DispatchSettings
from bot.features.reminders.dispatcher import OnUnreachable as OnUnreachableChat
from bot.features.reminders.flow import Reminders
from bot.features.reminders.options import ReminderOptions
from bot.features.reminders.runs import ReminderRuns
from bot.features.reminders.scheduler import ReminderScheduler
from bot.features.reminders.store import ReminderRepository
from bot.features.reminders.timezone_flow import TimeZones
from bot.features.safety.ports import LocalEmergencyWords
from bot.features.tight.flow import Tight
from bot.features.tight.ports import ReminderFocusLines, ReportedAreaHistory, TailoredPrelude
from bot.features.tight.understanding import RedFlagPass
from bot.features.warmup.flow import Warmup
from bot.features.warmup.store import WarmupRepository
from bot.media.library import DemoRefs, MediaLibrary, RollPictures, every_demo
from bot.ops.health import Check, HealthServer, health_routes
from bot.storage.chat_order import ChatOrder
from bot.storage.checks import ready_schema
from bot.storage.conversations import ConversationRepository, UserRepository
from bot.storage.database import (
    SqlDatabase,
    create_engine,
    is_sqlite,
    resume_vacuum,
    session_factory,
)
from bot.storage.errors import DatabaseUnreachable
from bot.storage.key_values import KeyValueStore
from bot.storage.migrations import current_revision, head_revision
from bot.storage.processed_updates import UpdateOutbox, UpdateRecords
from bot.storage.send_budget import PostgresSendBudget
from bot.storage.token_lock import (
    AdvisoryTokenLock,
    FileTokenLock,
    Leadership,
    LeadershipLost,
    TokenLock,
    shard_key,
)
from bot.storage.workers import WorkerRegistry

log = logging.getLogger(__name__)

# From the stop signal to exit: the reminder drain gets DRAIN_SECONDS of it, the
# adapters what is left but a second for the database.
SHUTDOWN_SECONDS = 18.0
DRAIN_SECONDS = 5.0
UNREACHABLE_LOG_EVERY = 60.0  # seconds between log lines about a database that is away


class OncePer:
    """``due()`` is true at most once every ``seconds`` (the first time at once)."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._last: float | None = None

    def due(self) -> bool:
        now = time.monotonic()
        if self._last is not None and now - self._last < self._seconds:
            return False
        self._last = now
        return True


def build_flows(
    content: Content,
    options: ReminderOptions,
    scrubber: Scrubber | None = None,
    counts: Counts | None = None,
) -> list[Flow]:
    """Every flow the coach offers, in the order the engine consults them for free text."""
    tight = content.tight
    reminders = Reminders(content.reminder_texts, options)
    emergency = LocalEmergencyWords(content.emergency)
    media = content.media
    tight_flow = Tight(
        tight, emergency=emergency, where_to_roll=RollPictures(media.body_map), counts=counts
    )
    runs = ReminderRuns()
    return [
        Onboarding(content.texts.help, on_start=reminders.restore_after_start),
        Warmup(
            content.drills,
            content.routine,
            content.texts.warmup,
            emergency=emergency,
            prelude=TailoredPrelude(tight),
            demos=DemoRefs(media.poses),
            counts=counts,
            rolling=content.rolling,
            advice=LastRunAdvice(content.checkins),
            runs=runs,
        ),
        Privacy(content.texts.privacy, scrubber=scrubber),
        reminders,
        TimeZones(content.reminder_texts, options),
        Clubs(content.clubs, wake=options.wakeup.changed),
        CheckinSettings(content.reminder_texts, options),
        # Before tight spots: "back from my run, glute tight" is a check-in.
        Checkins(content.checkins, runs=runs, emergency=emergency),
        # Last: plain words about tight spots are the widest free-text net.
        tight_flow,
        Progress(
            content.progress,
            warmups=WarmupRepository,
            areas=ReportedAreaHistory(tight),
            checkins=CheckinProgress(content.checkins),
        ),
        FaqButtons(content.faq),
    ]


def build_coach(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    *,
    clock: Clock,
    options: ReminderOptions | None = None,
    idle_after: timedelta = timedelta(hours=2),
    buttons: Buttons | None = None,
) -> Coach:
    """The core with every feature's flow and the understanding passes, on this database."""
    database = SqlDatabase(sessions)
    counts = CountRunner(database, clock, content.texts.common.count_restarted)
    flows = build_flows(content, options or ReminderOptions(), scrubber=database, counts=counts)
    tight = next(flow for flow in flows if isinstance(flow, Tight))
    warmup = next(flow for flow in flows if isinstance(flow, Warmup))
    return Coach(
        database,
        ConversationRepository,
        content.texts,
        content.safety,
        flows,
        clock=clock,
        idle_after=idle_after,
        buttons=buttons,
        # Red flags first: they stop whatever is running, in every state.
        passes=(RedFlagPass(content.tight, tight.reader, tight.emergency, warmup.in_warmup),),
        # After the current step, and after the core's greetings and commands.
        after_step=(FaqPass(FaqReplies(content.faq), content.texts.understanding),),
        updates=UpdateRecords,
        counts=counts,
    )


def count_runner(coach: Coach) -> CountRunner | None:
    """The paced counts' timer the coach was built with (``build_coach``)."""
    return coach.counts if isinstance(coach.counts, CountRunner) else None


class UnreachableMarker:
    """The core's ``OnUnreachable``: a platform refused delivery, so stop sending there.

    The user's own chat: mark them and pause all their reminders. A group: pause that
    chat's reminders only; the others in it may still be reachable. Paused reminders
    carry the reason "unreachable"; a later /start from the user clears the mark and
    resumes them.
    """

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def __call__(self, key: ConversationKey, *, private: bool) -> None:
        user_id = key.user_id if private else None
        await self.mark(key.platform, user_id=user_id, chat_id=key.chat_id)

    async def mark(
        self, platform: str, *, user_id: str | None = None, chat_id: str | None = None
    ) -> None:
        now = self.clock.now()
        async with self.database.transaction() as tx:
            if user_id is not None:
                await UserRepository(tx).mark_unreachable(platform, user_id, now)
            reminders = ReminderRepository(tx)
            owners = await reminders.user_ids(platform, user_id) if user_id is not None else []
            paused = await reminders.pause_unreachable(
                platform, now, chat_id=chat_id, owner_ids=owners
            )
            # Removed from a group (or a Discord server): its club runs pause too.
            clubs = 0
            if user_id is None and chat_id is not None:
                clubs = await ClubRepository(tx).pause(platform, chat_id, now)
        log.info(
            "marked_unreachable platform=%s reminders_paused=%d clubs_paused=%d",
            platform,
            paused,
            clubs,
        )


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    content: Content
    coach: Coach
    reminder_options: ReminderOptions = field(default_factory=ReminderOptions)
    pictures: MediaLibrary | None = None

    async def close(self) -> None:
        if isinstance(self.coach.database, SqlDatabase):
            await self.coach.database.settle()  # a vacuum after /forget finishes first
        await self.engine.dispose()


async def prepare_database(engine: AsyncEngine, *, wait: bool = False) -> None:
    """SQLite is migrated in place; any other database must already be at head.

    Raises ``DatabaseProblem`` (one line) for a database the coach can't use. With
    ``wait``, a server that does not answer is retried with back-off until it does.
    """
    delays = Backoff(initial=1.0, maximum=30.0).delays()
    said = OncePer(UNREACHABLE_LOG_EVERY)
    attempts = 0
    while True:
        try:
            await ready_schema(engine, upgrade=is_sqlite(str(engine.url)))
            if attempts:
                log.info("database_reachable after_attempts=%d", attempts + 1)
            return
        except DatabaseUnreachable as exc:
            if not wait:
                raise
            attempts += 1
            delay = delays.next()
            # One line a minute for a person reading the log; every retry at DEBUG.
            level = logging.WARNING if said.due() else logging.DEBUG
            log.log(
                level,
                "database_unreachable attempts=%d retry_in_s=%.0f reason=%s",
                attempts,
                delay,
                exc,
            )
            await asyncio.sleep(delay)


async def open_services(settings: Settings) -> Services:
    content = load_content(settings.content_dir)
    engine = create_engine(settings.database_url)
    try:
        await prepare_database(engine, wait=True)
        await resume_vacuum(engine)  # an erasure's vacuum that a crash cut short
    except BaseException:
        await engine.dispose()
        raise
    sessions = session_factory(engine)
    reminder_options = ReminderOptions(
        max_per_user=settings.reminder_max_per_user,
        default_lead_minutes=settings.reminder_default_lead_minutes,
        snooze_minutes=settings.reminder_snooze_minutes,
        checkin_delay_minutes=settings.checkin_delay_minutes or None,
    )
    clock = SystemClock()
    coach = build_coach(
        sessions,
        content,
        clock=clock,
        options=reminder_options,
        idle_after=timedelta(minutes=settings.conversation_idle_minutes),
        buttons=Buttons(load_button_secret(settings)),
    )
    return Services(
        settings,
        engine,
        sessions,
        content,
        coach,
        reminder_options,
        media_library(settings, content),
    )


def media_library(settings: Settings, content: Content) -> MediaLibrary:
    """The pictures every platform reads: drawn on first use, kept in DATA_DIR/media."""
    return MediaLibrary(content.directory, content.media, settings.data_dir / "media")


def prepare_pictures(services: Services) -> asyncio.Task[int] | None:
    """Draw every drill demo not yet on disk, in the background (see
    :meth:`MediaLibrary.prepare`)."""
    pictures = services.pictures
    if pictures is None:
        return None
    content = services.content
    demos = every_demo(content.media.poses, [drill.id for drill in content.drills.drills])
    return asyncio.create_task(pictures.prepare(demos), name="prepare-pictures")


def build_dispatcher(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    adapters: Sequence[Adapter],
    clock: Clock,
    settings: DispatchSettings | None = None,
    *,
    on_unreachable: OnUnreachableChat | None = None,
    buttons: Buttons | None = None,
    takeover_at_start: bool = False,
    worker: str | None = None,
    workers: WorkerRegistry | None = None,
) -> Dispatcher:
    """The reminder dispatcher, naming each runner's recent tight spots in their reminder,
    and sending the clubs' scheduled messages on the same passes."""
    settings = settings or DispatchSettings()
    clubs = ClubOutbox(
        sessions,
        content.clubs,
        buttons or payloads.process_buttons(),
        grace=settings.grace,
        workers=workers,
    )
    return Dispatcher(
        sessions,
        content.reminder_texts,
        {adapter.name: adapter for adapter in adapters},
        clock,
        settings,
        on_unreachable=on_unreachable,
        focus=ReminderFocusLines(SqlDatabase(sessions), content.tight),
        buttons=buttons,
        question=AfterRunQuestion(content.checkins),
        takeover_at_start=takeover_at_start,
        worker=worker,
        workers=workers,
        scheduled=(clubs,),
    )


def unreachable_reporter(coach: Coach) -> OnUnreachable:
    """How a platform's refusal of a chat reaches the core, for every platform."""
    return UnreachableMarker(coach.database, coach.clock)


def build_reminder_scheduler(
    services: Services, adapters: Sequence[Adapter], workers: WorkerRegistry | None = None
) -> ReminderScheduler:
    """The reminder timer and dispatcher, delivering through the started adapters;
    ``workers``: this worker's registration, so the claims of dead ones are sent at once."""
    settings = services.settings
    coach = services.coach
    on_unreachable = unreachable_reporter(coach)
    # Adapters on the shared base (Telegram, Discord) have told the core already, naming
    # the chat that refused. Told again with the reminder's chat, a Discord reminder set
    # in a server would pause every reminder in that channel.
    told_by_adapter = {a.name for a in adapters if isinstance(a, PlatformAdapter)}

    async def unreachable(key: ConversationKey) -> None:
        if key.platform in told_by_adapter:
            return
        # A private chat's id is the user's own on Telegram; elsewhere pause the chat only.
        await on_unreachable(key, private=key.chat_id == key.user_id)

    dispatcher = build_dispatcher(
        services.sessions,
        services.content,
        adapters,
        coach.clock,
        DispatchSettings(
            grace=timedelta(minutes=settings.reminder_grace_minutes),
            snooze_minutes=settings.reminder_snooze_minutes,
            batch_size=settings.reminder_batch_size,
            concurrency=settings.reminder_send_concurrency,
            lease=timedelta(seconds=settings.reminder_lease_seconds),
            checkin_delay_minutes=settings.checkin_delay_minutes or None,
        ),
        on_unreachable=unreachable,
        buttons=coach.buttons,
        # SQLite serves one bot process: what a claim's holder left is a dead process's.
        takeover_at_start=is_sqlite(settings.database_url),
        workers=workers,
    )
    return ReminderScheduler(
        dispatcher,
        coach.clock,
        services.reminder_options.wakeup,
        tick=timedelta(seconds=settings.reminder_safety_tick_seconds),
        misfire_grace=timedelta(minutes=max(settings.reminder_grace_minutes, 1)),
    )


def build_platform_adapters(
    services: Services,
    routes: Sequence[web.RouteDef] = (),
    *,
    poll_lock: TokenLock | None = None,
    gateway_lock: TokenLock | None = None,
    workers: WorkerRegistry | None = None,
) -> list[Adapter]:
    """The platforms whose tokens are set; ``routes`` share a Telegram webhook's port;
    ``poll_lock``: Telegram sends at once and polls once it holds this lock;
    ``gateway_lock``: Discord likewise, opening the gateway for its shards."""
    adapters: list[Adapter] = []
    telegram = build_telegram_adapter(services, routes, poll_lock=poll_lock, workers=workers)
    if telegram is not None:
        adapters.append(telegram)
    discord = build_discord_adapter(services, gateway_lock=gateway_lock)
    if discord is not None:
        adapters.append(discord)
    return adapters


def build_telegram_adapter(
    services: Services,
    routes: Sequence[web.RouteDef] = (),
    *,
    poll_lock: TokenLock | None = None,
    workers: WorkerRegistry | None = None,
) -> Adapter | None:
    """The Telegram bot, when ``TELEGRAM_TOKEN`` is set (webhook mode with a webhook URL).

    On PostgreSQL its sends reserve their slots in the send budget every worker shares;
    on SQLite (one process) its own pacer is the whole of it. With ``workers`` on a shared
    database, every worker serves the webhook: a chat's updates keep their order across
    workers, one worker does the start-up work, and a starting worker sends only the
    replies that gone workers left unsent."""
    settings = services.settings
    if settings.telegram_token is None:
        return None
    # Imported here so runs without Telegram don't load python-telegram-bot.
    from bot.adapters.telegram.adapter import TelegramAdapter, TelegramConfig

    shared = None
    if not is_sqlite(settings.database_url):
        store = PostgresSendBudget(services.engine)
        shared = SharedBudget(store, "telegram", delivery_limits.TELEGRAM)

    secret = settings.telegram_webhook_secret
    coach = services.coach
    content = services.content
    fleet = workers if workers is not None and workers.shared else None
    webhook = settings.telegram_webhook_url is not None
    order = ChatOrder(services.engine, fleet, coach.clock) if fleet and webhook else None
    return TelegramAdapter(
        coach.handle,
        TelegramConfig(
            token=settings.telegram_token.get_secret_value(),
            api_url=settings.telegram_api_url,
            webhook_url=settings.telegram_webhook_url,
            webhook_secret=secret.get_secret_value() if secret is not None else None,
            port=settings.port,
        ),
        texts=content.telegram_texts,
        words=content.texts,
        pictures=services.pictures,
        commands=coach.commands(),
        outbox=UpdateOutbox(services.sessions, coach.clock, fleet),
        on_unreachable=unreachable_reporter(coach),
        store=KeyValueStore(services.sessions),
        routes=routes,
        counts=count_runner(coach),
        shared_limits=shared,
        poll_lock=poll_lock,
        order=order,
        exclusive=fleet.exclusive if fleet is not None else None,
    )


def build_discord_adapter(
    services: Services, *, gateway_lock: TokenLock | None = None
) -> Adapter | None:
    """The Discord bot, when ``DISCORD_TOKEN`` is set; with ``gateway_lock``, it sends at
    once and opens the gateway once it holds that lock (standing by until then)."""
    settings = services.settings
    if settings.discord_token is None:
        return None
    # Imported here so runs without Discord don't load discord.py.
    from bot.adapters.discord.adapter import DiscordAdapter, DiscordConfig

    coach = services.coach
    content = services.content
    return DiscordAdapter(
        coach.handle,
        config=DiscordConfig(
            token=settings.discord_token.get_secret_value(),
            api_url=settings.discord_api_url,
            gateway_url=settings.discord_gateway_url,
            guild_id=settings.discord_guild_id,
            shard_count=settings.discord_shard_count,
            shard_ids=settings.shard_ids,
        ),
        commands=coach.commands(),
        texts=content.discord_texts,
        words=content.texts,
        pictures=services.pictures,
        store=KeyValueStore(services.sessions),
        on_unreachable=unreachable_reporter(coach),
        counts=count_runner(coach),
        gateway_lock=gateway_lock,
    )


class NothingStarted(Exception):
    """Every platform failed to start: running on would serve nobody. ``str()`` is one
    line naming them and why."""


async def run_bot(settings: Settings, *, console_user: str | None = None) -> None:
    """Run until stopped. With no platform tokens (or ``console_user``), the terminal chat.

    Returns when stopped (SIGTERM, SIGINT, or the end of the terminal chat's input).
    Raises :class:`NothingStarted` when no platform could start, and whatever ended the
    terminal chat if it failed, so the process never exits 0 when it did not do its job.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    webhook = settings.telegram_token is not None and settings.telegram_webhook_url is not None
    # Late-bound: until the database is open /readyz says it is waited for; then the
    # checks ask the database and the adapters, and a webhook's listener serves them.
    checks: list[Check] = [Check("database", _not_open_yet)]
    routes = health_routes(checks)
    health = None
    if settings.health_port is not None and not (webhook and not console_user):
        health = HealthServer(routes, port=settings.health_port)
        await health.start()
    try:
        services = await _open_unless_stopped(settings, stop)
    except BaseException:
        if health is not None:
            await health.stop()
        raise
    if services is None:
        if health is not None:
            await health.stop()
        return
    adapters: list[Adapter] = []
    checks[:] = readiness_checks(services.engine, adapters)
    locks = [] if console_user else token_locks(services)
    poll_lock = polling_lock(services, locks, webhook=webhook)
    shards_lock = gateway_lock(services, locks)
    workers = WorkerRegistry(services.engine)
    if not console_user:
        adapters += build_platform_adapters(
            services, routes, poll_lock=poll_lock, gateway_lock=shards_lock, workers=workers
        )
    terminal = None
    if not adapters:
        terminal = TerminalAdapter(
            services.coach.handle,
            user=console_user or "runner",
            export_dir=settings.data_dir / "exports",
            words=services.content.texts,
            pictures=services.pictures,
            counts=count_runner(services.coach),
        )
        adapters.append(terminal)
    in_adapters = [lock for lock in (poll_lock, shards_lock) if lock is not None]
    process_locks = [lock for lock in locks if lock not in in_adapters]
    leadership = Leadership(
        [] if terminal is not None else process_locks,
        watched=in_adapters if terminal is None else [],
    )
    started: list[Adapter] = []
    failures: list[str] = []
    scheduler: ReminderScheduler | None = None
    counts = count_runner(services.coach)
    counting = False
    try:
        if not await leadership.take(stop):
            return  # stopped while standing by
        if terminal is None:
            await workers.register()
        for adapter in adapters:
            try:
                await adapter.start()
                started.append(adapter)
                log.info("adapter_started name=%s", adapter.name)
            except Exception as exc:
                failures.append(f"{adapter.name}: {type(exc).__name__}: {_one_line(exc)}")
                log.error(
                    "adapter_failed_to_start name=%s error=%s: %s",
                    adapter.name,
                    type(exc).__name__,
                    _one_line(exc),
                )
                log.debug("adapter_failed_to_start name=%s", adapter.name, exc_info=True)
        if not started:
            raise NothingStarted("no platform could start (" + "; ".join(failures) + ")")
        scheduler = build_reminder_scheduler(
            services, started, workers if terminal is None else None
        )
        await scheduler.start()
        if counts is not None:
            # Counts a stopped process left running are reported once, then new ones run.
            counts.attach({adapter.name: adapter for adapter in started})
            await counts.start()
            counting = True
        # Everything built so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise stall the loop ~100 ms in a reminder burst.
        gc.freeze()
        if terminal is not None:
            await _chat_until_stopped(terminal, stop)
        else:
            await until_stopped_or_gone(stop, started)
    finally:
        deadline = time.monotonic() + SHUTDOWN_SECONDS
        if counts is not None and counting:
            await counts.stop()  # no beat after this; what was running is told next start
        if scheduler is not None:
            # First, while the adapters can still deliver: the sends in flight finish,
            # the rest of the claims go back to the table for the next process.
            await scheduler.stop(drain_seconds=DRAIN_SECONDS)
        # Side by side, so two platforms together still stop well within a host's grace time.
        budget = max(deadline - time.monotonic() - 1.0, 1.0)
        await asyncio.gather(*(_stop_adapter(adapter, budget) for adapter in reversed(started)))
        await leadership.release()
        await workers.unregister()
        if health is not None:
            await health.stop()
        await services.close()
        log.info("stopped")
    if leadership.lost:
        raise LeadershipLost(
            "stopped: the database lost this process's token lock, so another process may "
            "be running the bot now"
        )


def token_locks(services: Services) -> list[TokenLock]:
    """A lock for each platform token set: advisory on PostgreSQL, a file beside the
    other data files on SQLite."""
    settings = services.settings
    sqlite = is_sqlite(settings.database_url)
    # Behind a load balancer every worker serves the webhook: no lead to take.
    shared_webhook = not sqlite and settings.telegram_webhook_url is not None
    tokens = [
        (name, secret.get_secret_value())
        for name, secret in (
            ("telegram", None if shared_webhook else settings.telegram_token),
            ("discord", settings.discord_token),
        )
        if secret is not None
    ]
    if sqlite:
        directory = settings.data_dir / "locks"
        return [FileTokenLock(name, token, directory) for name, token in tokens]
    return [
        discord_shard_lock(services, token)
        if name == "discord"
        else AdvisoryTokenLock(services.engine, name, token)
        for name, token in tokens
    ]


def discord_shard_lock(services: Services, token: str) -> TokenLock:
    """Sharded, a lock per gateway shard this worker runs: workers with other shards
    connect beside it, one given the same shards stands by for them. Unsharded, the
    token's own lock (one gateway connection for the whole bot)."""
    settings = services.settings
    count = settings.discord_shard_count
    if count is None:
        return AdvisoryTokenLock(services.engine, "discord", token)
    shards = settings.shard_ids or tuple(range(count))
    return AdvisoryTokenLock(
        services.engine,
        "discord",
        token,
        keys=[shard_key(token, shard, count) for shard in shards],
        what="shards=" + ",".join(str(shard) for shard in shards),
    )


def gateway_lock(services: Services, locks: Sequence[TokenLock]) -> TokenLock | None:
    """On PostgreSQL, Discord's lock guards the gateway alone, as Telegram's guards its
    polling: every worker sends, and the one holding a shard's lock serves its events.
    SQLite serves one process, which holds every lock before it starts."""
    if is_sqlite(services.settings.database_url):
        return None
    return next((lock for lock in locks if lock.platform == "discord"), None)


async def _not_open_yet() -> str | None:
    return "not reached yet: waiting for it (see the log)"


async def _open_unless_stopped(settings: Settings, stop: asyncio.Event) -> Services | None:
    """The services, once the database answers (waited for with back-off); ``None`` when
    a stop came first."""
    opening = asyncio.create_task(open_services(settings), name="open-services")
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({opening, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not opening.done():
        opening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await opening
        log.warning("stopped_before_start: asked to stop while waiting for the database")
        return None
    return opening.result()


def polling_lock(
    services: Services, locks: Sequence[TokenLock], *, webhook: bool
) -> TokenLock | None:
    """On PostgreSQL in polling mode, Telegram's token lock guards only the polling: every
    worker sends (reminders, the shared budget keeping them within Telegram's limits
    together), and one polls, the others standing by to take over when it dies. SQLite
    serves one process, which holds every lock before it starts."""
    if webhook or is_sqlite(services.settings.database_url):
        return None
    return next((lock for lock in locks if lock.platform == "telegram"), None)


def readiness_checks(engine: AsyncEngine, adapters: Sequence[Adapter]) -> list[Check]:
    """Ready: the database answers, its schema is at head, every platform is connected."""

    async def database() -> str | None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return None

    async def schema() -> str | None:
        current, head = await current_revision(engine), head_revision()
        if current == head:
            return None
        return f"at migration {current or 'none'}, the code expects {head}"

    async def platforms() -> str | None:
        down = [adapter.name for adapter in adapters if not adapter.connected]
        return f"not connected: {', '.join(down)}" if down else None

    return [Check("database", database), Check("schema", schema), Check("platforms", platforms)]


async def _chat_until_stopped(terminal: TerminalAdapter, stop: asyncio.Event) -> None:
    """The terminal chat until its input ends or a signal stops it. A chat that fails is
    raised on, never swallowed: the process must not exit 0 as if the input had ended."""
    chat = asyncio.create_task(terminal.run(), name="terminal-chat")
    waiter = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({chat, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (chat, waiter):
            task.cancel()
        await asyncio.wait({chat, waiter})
    if not chat.cancelled() and (failure := chat.exception()) is not None:
        raise failure


async def until_stopped_or_gone(stop: asyncio.Event, adapters: Sequence[Adapter]) -> None:
    """Until stopped; raises :class:`NothingStarted` once every platform's connection is
    gone for good (each gave up, logged with its cause), so the process exits non-zero
    for its supervisor instead of staying up serving nobody."""
    platforms = [a for a in adapters if isinstance(a, PlatformAdapter)]
    stopping = asyncio.create_task(stop.wait())
    all_gone = asyncio.gather(*(p.gone.wait() for p in platforms)) if platforms else None
    waits: set[asyncio.Future[Any]] = {stopping} | ({all_gone} if all_gone else set())
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
    if not stop.is_set():
        names = ", ".join(p.name for p in platforms)
        raise NothingStarted(f"every platform stopped for good ({names}); see the log")


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "(no message)"


async def _stop_adapter(adapter: Adapter, seconds: float) -> None:
    try:
        await asyncio.wait_for(adapter.stop(), timeout=seconds)
    except Exception:
        log.exception("adapter_failed_to_stop name=%s", adapter.name)


async def migrate(settings: Settings) -> str:
    """Upgrade the database to head; running it again changes nothing."""
    engine = create_engine(settings.database_url)
    try:
        return await ready_schema(engine, upgrade=True)
    finally:
        await engine.dispose()
