"""Composition root: builds settings, database, content, core, scheduler and adapters.

Lifecycle of ``run_bot``: open services (content validated, database at head) →
start the scheduler → start each platform adapter → wait for SIGTERM/SIGINT (or,
for the terminal chat, end of input) → stop adapters in reverse order, then the
scheduler → dispose of the database engine. A platform that fails to start is
logged and does not stop the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.content import Content, load_content
from bot.core.engine import Coach
from bot.core.ports import Adapter
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
    coach = Coach(
        sessions, content, idle_after=timedelta(minutes=settings.conversation_idle_minutes)
    )
    return Services(settings, engine, sessions, content, coach)


def build_platform_adapters(services: Services) -> list[Adapter]:
    """The platforms whose tokens are set."""
    adapters: list[Adapter] = []
    discord = build_discord_adapter(services)
    if discord is not None:
        adapters.append(discord)
    return adapters


def build_discord_adapter(services: Services) -> Adapter | None:
    """The Discord bot, when ``DISCORD_TOKEN`` is set."""
    settings = services.settings
    if settings.discord_token is None:
        return None
    # Imported here so runs without Discord don't load discord.py.
    from bot.adapters.discord_adapter import DiscordAdapter, DiscordConfig
    from bot.core.messages import ConversationKey
    from bot.storage.key_values import KeyValueStore

    coach = services.coach

    async def unreachable(key: ConversationKey) -> None:
        await coach.mark_unreachable(key.platform, user_id=key.user_id)

    return DiscordAdapter(
        coach.handle,
        config=DiscordConfig(
            token=settings.discord_token.get_secret_value(),
            api_url=settings.discord_api_url,
            gateway_url=settings.discord_gateway_url,
            guild_id=settings.discord_guild_id,
        ),
        commands=coach.commands(),
        content=services.content,
        store=KeyValueStore(services.sessions),
        on_unreachable=unreachable,
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
    try:
        for adapter in adapters:
            try:
                await adapter.start()
                started.append(adapter)
                log.info("adapter_started name=%s", adapter.name)
            except Exception:
                log.exception("adapter_failed_to_start name=%s", adapter.name)
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
        for adapter in reversed(started):
            try:
                await asyncio.wait_for(adapter.stop(), timeout=15)
            except Exception:
                log.exception("adapter_failed_to_stop name=%s", adapter.name)
        await services.close()
        log.info("stopped")


async def migrate(settings: Settings) -> str:
    """Upgrade the database to head; running it again changes nothing."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade_to_head(engine)
        return await current_revision(engine) or ""
    finally:
        await engine.dispose()
