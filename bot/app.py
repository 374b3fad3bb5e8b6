"""Composition root: builds settings, database, content, core, scheduler and adapters.

Lifecycle of ``run_bot``: open services (content validated, database at head) →
start each platform adapter → start the reminder scheduler (it delivers through the
started adapters, and first catches up on what came due while down) → wait for
SIGTERM/SIGINT (or, for the terminal chat, end of input) → stop the scheduler (a
pass in progress finishes its sends) → stop adapters → dispose of the database engine.
A platform that fails to start is logged and does not stop the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.adapters.base import PlatformAdapter
from bot.config import Settings
from bot.content import Content, load_content
from bot.core.engine import Coach
from bot.core.flows import all_flows
from bot.core.messages import ConversationKey
from bot.core.ports import Adapter, OnUnreachable, SystemClock
from bot.scheduling.dispatcher import Dispatcher, DispatchSettings
from bot.scheduling.options import ReminderOptions
from bot.scheduling.scheduler import ReminderScheduler
from bot.storage.database import create_engine, is_sqlite, session_factory
from bot.storage.migrations import DatabaseBehind, current_revision, head_revision, upgrade_to_head

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    content: Content
    coach: Coach
    reminder_options: ReminderOptions = field(default_factory=ReminderOptions)

    async def close(self) -> None:
        await self.engine.dispose()


async def prepare_database(engine: AsyncEngine) -> None:
    """SQLite is migrated in place; any other database must already be at head."""
    if is_sqlite(str(engine.url)):
        await upgrade_to_head(engine)
        return
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise DatabaseBehind(
            f"the database is at migration {current or 'none'}, the code needs {head}: "
            "run `python -m bot migrate`"
        )


async def open_services(settings: Settings) -> Services:
    content = load_content(settings.content_dir)
    engine = create_engine(settings.database_url)
    try:
        await prepare_database(engine)
    except BaseException:
        await engine.dispose()
        raise
    sessions = session_factory(engine)
    reminder_options = ReminderOptions(
        max_per_user=settings.reminder_max_per_user,
        default_lead_minutes=settings.reminder_default_lead_minutes,
        snooze_minutes=settings.reminder_snooze_minutes,
    )
    coach = Coach(
        sessions,
        content,
        clock=SystemClock(),
        idle_after=timedelta(minutes=settings.conversation_idle_minutes),
        flows=all_flows(reminder_options),
    )
    return Services(settings, engine, sessions, content, coach, reminder_options)


def unreachable_reporter(coach: Coach) -> OnUnreachable:
    """How a platform's refusal of a chat reaches the core, for every platform."""

    async def on_unreachable(key: ConversationKey, *, private: bool) -> None:
        # The user's own chat: mark them and pause all their reminders. A group: pause
        # that chat's reminders only; the others in it may still be reachable.
        user_id = key.user_id if private else None
        await coach.mark_unreachable(key.platform, user_id=user_id, chat_id=key.chat_id)

    return on_unreachable


def build_reminder_scheduler(services: Services, adapters: Sequence[Adapter]) -> ReminderScheduler:
    """The reminder timer and dispatcher, delivering through the started adapters."""
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

    dispatcher = Dispatcher(
        services.sessions,
        services.content,
        {adapter.name: adapter for adapter in adapters},
        coach.clock,
        DispatchSettings(
            grace=timedelta(minutes=settings.reminder_grace_minutes),
            snooze_minutes=settings.reminder_snooze_minutes,
            batch_size=settings.reminder_batch_size,
            concurrency=settings.reminder_send_concurrency,
        ),
        on_unreachable=unreachable,
    )
    return ReminderScheduler(
        dispatcher,
        coach.clock,
        services.reminder_options.wakeup,
        tick=timedelta(seconds=settings.reminder_safety_tick_seconds),
        misfire_grace=timedelta(minutes=max(settings.reminder_grace_minutes, 1)),
    )


def build_platform_adapters(services: Services) -> list[Adapter]:
    """The platforms whose tokens are set."""
    adapters: list[Adapter] = []
    telegram = build_telegram_adapter(services)
    if telegram is not None:
        adapters.append(telegram)
    discord = build_discord_adapter(services)
    if discord is not None:
        adapters.append(discord)
    return adapters


def build_telegram_adapter(services: Services) -> Adapter | None:
    """The Telegram bot, when ``TELEGRAM_TOKEN`` is set (webhook mode with a webhook URL)."""
    settings = services.settings
    if settings.telegram_token is None:
        return None
    # Imported here so runs without Telegram don't load python-telegram-bot.
    from bot.adapters.telegram.adapter import TelegramAdapter, TelegramConfig
    from bot.storage.key_values import KeyValueStore
    from bot.storage.processed_updates import ProcessedUpdates

    secret = settings.telegram_webhook_secret
    coach = services.coach
    content = services.content
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
        media=content.directory,
        commands=coach.commands(),
        claims=ProcessedUpdates(services.sessions, coach.clock),
        on_unreachable=unreachable_reporter(coach),
        store=KeyValueStore(services.sessions),
    )


def build_discord_adapter(services: Services) -> Adapter | None:
    """The Discord bot, when ``DISCORD_TOKEN`` is set."""
    settings = services.settings
    if settings.discord_token is None:
        return None
    # Imported here so runs without Discord don't load discord.py.
    from bot.adapters.discord.adapter import DiscordAdapter, DiscordConfig
    from bot.storage.key_values import KeyValueStore

    coach = services.coach
    content = services.content
    return DiscordAdapter(
        coach.handle,
        config=DiscordConfig(
            token=settings.discord_token.get_secret_value(),
            api_url=settings.discord_api_url,
            gateway_url=settings.discord_gateway_url,
            guild_id=settings.discord_guild_id,
        ),
        commands=coach.commands(),
        texts=content.discord_texts,
        words=content.texts,
        media=content.directory,
        store=KeyValueStore(services.sessions),
        on_unreachable=unreachable_reporter(coach),
    )


async def run_bot(settings: Settings, *, console_user: str | None = None) -> None:
    """Run until stopped. With no platform tokens (or ``console_user``), the terminal chat."""
    from bot.adapters.terminal import TerminalAdapter

    services = await open_services(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    adapters = [] if console_user else build_platform_adapters(services)
    terminal = None
    if not adapters:
        terminal = TerminalAdapter(services.coach.handle, user=console_user or "runner")
        adapters = [terminal]
    started: list[Adapter] = []
    scheduler: ReminderScheduler | None = None
    try:
        for adapter in adapters:
            try:
                await adapter.start()
                started.append(adapter)
                log.info("adapter_started name=%s", adapter.name)
            except Exception:
                log.exception("adapter_failed_to_start name=%s", adapter.name)
        if started:
            scheduler = build_reminder_scheduler(services, started)
            await scheduler.start()
        # Everything built so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise stall the loop ~100 ms in a reminder burst.
        gc.freeze()
        if terminal is not None:
            chat = asyncio.create_task(terminal.run())
            waiter = asyncio.create_task(stop.wait())
            await asyncio.wait({chat, waiter}, return_when=asyncio.FIRST_COMPLETED)
            for task in (chat, waiter):
                task.cancel()
            await asyncio.gather(chat, waiter, return_exceptions=True)
        elif started:
            await stop.wait()
    finally:
        if scheduler is not None:
            await scheduler.stop()
        # Side by side, so two platforms together still stop well within a host's grace time.
        await asyncio.gather(*(_stop_adapter(adapter) for adapter in reversed(started)))
        await services.close()
        log.info("stopped")


async def _stop_adapter(adapter: Adapter) -> None:
    try:
        await asyncio.wait_for(adapter.stop(), timeout=15)
    except Exception:
        log.exception("adapter_failed_to_stop name=%s", adapter.name)


async def migrate(settings: Settings) -> str:
    """Upgrade the database to head; running it again changes nothing."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade_to_head(engine)
        return await current_revision(engine) or ""
    finally:
        await engine.dispose()
