"""When Telegram or the coach misbehaves: 429, 403, removal, a crash, a repeated update."""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass, field

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.error import InvalidToken

from bot.adapters.telegram.adapter import TelegramConfig
from bot.app import unreachable_reporter
from bot.core.engine import Coach
from bot.core.messages import ConversationKey, Inbound, Outcome, Reply, Text
from bot.core.ports import Unreachable
from bot.testing import shipped_content
from tests.adapters.telegram_harness import (
    assert_clean,
    running_bot,
    sent_message,
    telegram_adapter,
    user_row,
)
from tests.standins.telegram_api import DEFAULT_TOKEN, TelegramStandIn


@dataclass
class Unreachables:
    """Records what the core was told (the user, for their own chat; the chat), then
    tells it as the app does."""

    coach: Coach
    told: list[tuple[str | None, str | None]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, key: ConversationKey, *, private: bool) -> None:
        await unreachable_reporter(self.coach)(key, private=private)
        self.told.append((key.user_id if private else None, key.chat_id))
        self._changed.set()

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(10):
            while len(self.told) < count:
                self._changed.clear()
                await self._changed.wait()


async def test_429_waits_retry_after_then_delivers(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        api.fail_next("sendMessage", 429, retry_after=1, chat=chat)
        api.send_command(chat, runner, "help")
        delivered = await api.wait_for(sent_message(chat, containing="/warmup"))
    [refused, accepted] = api.calls_since(0, "sendMessage")
    assert (refused.status, accepted.status) == (429, 200)
    assert accepted.at - refused.at >= 0.95  # waited retry_after (timer slack aside)
    assert accepted is delivered
    assert_clean(api)


async def test_403_marks_the_runner_unreachable_and_start_restores(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    told = Unreachables(coach)
    async with running_bot(api, coach, sessions, unreachable=told):
        api.send_command(chat, runner, "help")
        await api.wait_for(sent_message(chat))
        api.block(chat)  # blocked the coach right after asking
        api.send_command(chat, runner, "help")
        await told.wait_for(1)
        assert (await user_row(sessions, runner.id)).unreachable_since is not None

        api.unblock(chat)
        mark = api.mark()
        api.send_command(chat, runner, "start")
        await api.wait_for(sent_message(chat), since=mark)
    assert told.told == [(str(runner.id), str(chat.id))]
    assert (await user_row(sessions, runner.id)).unreachable_since is None
    assert_clean(api)


async def test_blocking_the_bot_tells_the_core(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner, admin = api.user("Ann"), api.user("Club admin")
    chat = api.private_chat(runner)
    group = api.group_chat()
    told = Unreachables(coach)
    async with running_bot(api, coach, sessions, unreachable=told):
        api.send_command(chat, runner, "start")
        await api.wait_for(sent_message(chat, buttons=True))
        api.remove_bot(chat, runner)
        api.remove_bot(group, admin, status="left")
        await told.wait_for(2)
    assert told.told == [(str(runner.id), str(chat.id)), (None, str(group.id))]
    assert (await user_row(sessions, runner.id)).unreachable_since is not None
    assert_clean(api)


async def test_a_proactive_send_to_a_blocked_chat_raises_unreachable(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    key = ConversationKey("telegram", str(chat.id), str(runner.id))
    async with running_bot(api, coach, sessions) as adapter:
        await adapter.send(key, Reply("Your run starts in 30 minutes."), bulk=True)
        api.block(chat)
        with pytest.raises(Unreachable):
            await adapter.send(key, Reply("Your run starts in 30 minutes."), bulk=True)
    assert [c.status for c in api.calls_since(0, "sendMessage")] == [200, 403]
    assert_clean(api)


async def test_a_handler_crash_is_logged_and_the_user_gets_a_short_apology(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def fragile(inbound: Inbound) -> Outcome:
        if isinstance(inbound.event, Text) and inbound.event.text == "boom":
            raise RuntimeError("flow exploded")
        return await coach.handle(inbound)

    runner = api.user()
    chat = api.private_chat(runner)
    caplog.set_level(logging.ERROR, logger="bot.adapters")
    async with running_bot(api, coach, sessions, handler=fragile):
        update_id = api.send_text(chat, runner, "boom")
        apology = await api.wait_for(sent_message(chat))
    assert apology.params["text"] == shipped_content().texts.common.error
    assert "Traceback" not in apology.params["text"]
    [record] = [r for r in caplog.records if r.getMessage().startswith("telegram_handler_failed")]
    assert f"update_id={update_id}" in record.getMessage()
    assert f"chat={chat.id}" in record.getMessage()
    assert record.exc_info is not None
    assert_clean(api)


async def test_a_repeated_update_is_handled_once(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions):
        update_id = api.send_command(chat, runner, "help")
        await api.wait_for(sent_message(chat, containing="/warmup"))
        api.repeat_update(update_id)
        await api.wait_delivered(update_id)
        # The chat's updates are handled in order: once this one is answered, the
        # repeat before it has been dealt with too.
        mark = api.mark()
        api.send_command(chat, runner, "cancel")
        await api.wait_for(sent_message(chat), since=mark)
    texts = [c.params["text"] for c in api.sent_to(chat)]
    assert sum("/warmup" in t for t in texts) == 1
    assert len(texts) == 2
    assert_clean(api)


async def test_a_rejected_token_fails_the_start(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    config = TelegramConfig(token="1:not-the-token", api_url=api.base_url)
    adapter = telegram_adapter(coach, sessions, config, remember_profile=False)
    with pytest.raises(InvalidToken):
        await adapter.start()
    await adapter.stop()


async def test_telegram_down_at_start_is_retried_until_it_answers(
    coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = TelegramConfig(
        token=DEFAULT_TOKEN,
        api_url=f"http://127.0.0.1:{port}/bot",
        poll_timeout=1,
        retry_start_after=0.1,
    )
    adapter = telegram_adapter(coach, sessions, config, remember_profile=False)
    await adapter.start()  # returns: the app carries on with its other platforms
    try:
        async with TelegramStandIn(port=port) as api:
            runner = api.user()
            chat = api.private_chat(runner)
            api.send_command(chat, runner, "help")
            reply = await api.wait_for(sent_message(chat))
    finally:
        await adapter.stop()
    assert "/warmup" in reply.params["text"]
