"""The real discord.py adapter against the Discord stand-in, on a real SQLite file.

``make_adapter`` builds a :class:`DiscordAdapter` wired like the app wires it (the
coach's handler and command list, the key-value store for the command hash, the core
told of unreachable users); ``running`` starts it and waits until its gateway session is
up. Stopping one and running another on the same database and stand-in is a restart.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from bot.adapters.discord.adapter import ANSWER_WITHIN, DiscordAdapter, DiscordConfig
from bot.adapters.supervise import Backoff
from bot.app import count_runner, unreachable_reporter
from bot.core.engine import Coach
from bot.core.messages import ConversationKey, Inbound, Outcome
from bot.core.ports import CommandSpec, Handler, Pictures
from bot.media.library import MediaLibrary
from bot.storage.key_values import KeyValueStore
from bot.testing import sessions_of, shipped_content
from tests.standins.discord_api import DiscordStandIn, InteractionRecord
from tests.standins.discord_objects import DcUser, StoredMessage

FAST_BACKOFF = Backoff(initial=0.05, maximum=0.2, jitter=0.0)


@dataclass
class Recorder:
    """Wraps the coach's handler and remembers what it was asked."""

    coach: Coach
    inbound: list[Inbound] = field(default_factory=list)
    unreachable: list[ConversationKey] = field(default_factory=list)

    async def handle(self, inbound: Inbound) -> Outcome:
        self.inbound.append(inbound)
        return await self.coach.handle(inbound)

    async def mark_unreachable(self, key: ConversationKey, *, private: bool) -> None:
        await unreachable_reporter(self.coach)(key, private=private)
        self.unreachable.append(key)


def make_adapter(
    api: DiscordStandIn,
    coach: Coach,
    recorder: Recorder | None = None,
    *,
    handler: Handler | None = None,
    guild_id: int | None = None,
    answer_within: float = ANSWER_WITHIN,
    commands: list[CommandSpec] | None = None,
    shard_count: int | None = None,
    shard_ids: tuple[int, ...] | None = None,
    pictures: Pictures | None = None,
) -> DiscordAdapter:
    recorder = recorder or Recorder(coach)
    return DiscordAdapter(
        handler or recorder.handle,
        config=DiscordConfig(
            token=api.token,
            api_url=api.api_url,
            gateway_url=api.gateway_url,
            guild_id=guild_id,
            shard_count=shard_count,
            shard_ids=shard_ids,
        ),
        commands=coach.commands() if commands is None else commands,
        texts=shipped_content().discord_texts,
        words=shipped_content().texts,
        pictures=pictures or MediaLibrary(shipped_content().directory),
        store=KeyValueStore(sessions_of(coach)),
        on_unreachable=recorder.mark_unreachable,
        answer_within=answer_within,
        backoff=FAST_BACKOFF,
        counts=count_runner(coach),
    )


@contextlib.asynccontextmanager
async def running(adapter: DiscordAdapter, api: DiscordStandIn) -> AsyncIterator[DiscordAdapter]:
    await adapter.start()
    try:
        await api.wait_connected()
        yield adapter
    finally:
        await adapter.stop()


async def newest_with(api: DiscordStandIn, record: InteractionRecord, label: str) -> StoredMessage:
    """Wait for, and return, the reply to ``record`` that has a button ``label``."""

    def find() -> StoredMessage | None:
        for message in reversed(api.replies(record)):
            if label in message.labels():
                return message
        return None

    await api.wait_until(lambda: find() is not None)
    found = find()
    assert found is not None
    return found


async def press_through(
    api: DiscordStandIn, user: DcUser, message: StoredMessage, label: str, then: str
) -> StoredMessage:
    """Press ``label`` and return the reply that offers ``then``."""
    record = await api.press(user, message, label)
    return await newest_with(api, record, then)
