"""Telegram hears an update is done only once its step has committed; replies a crash
left unsent go out at the next start; the webhook answers 200 only after the commit."""

from __future__ import annotations

import asyncio
import socket

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.telegram.polling import Offsets
from bot.core.engine import Coach
from bot.core.messages import ConversationKey, Inbound, Outcome, Reply, Text
from bot.storage.database import transaction
from bot.storage.processed_updates import UpdateOutbox, UpdateRecords
from bot.testing import shipped_content
from tests.adapters.telegram_harness import Webhook, assert_clean, running_bot, sent_message
from tests.standins.telegram_api import TelegramStandIn


def test_the_offset_waits_for_the_lowest_update_in_hand() -> None:
    offsets = Offsets()
    assert offsets.offset() is None
    assert [offsets.fetched(n) for n in (10, 11, 12)] == [True, True, True]
    offsets.done(11)
    offsets.done(12)
    assert offsets.offset() == 10  # 10 is still being handled: Telegram keeps it
    assert not offsets.fetched(11)  # fetched again while the offset waits: not new
    offsets.done(10)
    assert offsets.offset() == 13
    assert offsets.fetched(10)  # sent again from below the offset: the core decides


async def test_an_update_is_confirmed_only_once_its_step_is_done(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    slow_one_in, release = asyncio.Event(), asyncio.Event()

    async def handler(inbound: Inbound) -> Outcome:
        if isinstance(inbound.event, Text) and inbound.event.text == "slow":
            slow_one_in.set()
            await release.wait()
        return await coach.handle(inbound)

    other = api.user()
    other_chat = api.private_chat(other)
    async with running_bot(api, coach, sessions, handler=handler):
        slow = api.send_text(chat, runner, "slow")
        await slow_one_in.wait()
        after = api.send_command(other_chat, other, "help")
        await api.wait_for(sent_message(other_chat, containing="/warmup"))
        mark = api.mark()
        await api.wait_for(lambda c: c.method == "getUpdates", since=mark)
        # The later update was answered, yet the offset stays at the slow one.
        offsets = [
            int(c.params["offset"])
            for c in api.calls_since(0, "getUpdates")
            if "offset" in c.params
        ]
        assert offsets
        assert max(offsets) <= slow < after
        release.set()
        await api.wait_for(sent_message(chat))
        mark = api.mark()
        await api.wait_for(
            lambda c: c.method == "getUpdates" and int(c.params.get("offset", 0)) > after,
            since=mark,
        )
    assert_clean(api)


async def test_replies_left_unsent_by_a_crash_go_out_at_the_next_start(
    api: TelegramStandIn, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    key = ConversationKey("telegram", str(chat.id), str(runner.id))
    # A step that committed with two replies; the process died after sending the first.
    async with transaction(sessions) as session:
        await UpdateRecords(session).record(
            "telegram", "900", coach.clock.now(), key=key, replies=(Reply("one"), Reply("two"))
        )
    outbox = UpdateOutbox(sessions, coach.clock)
    await outbox.sent("telegram", "900", 1, finished=False)
    async with running_bot(api, coach, sessions):
        resent = await api.wait_for(sent_message(chat, containing="two"))
        api.send_command(chat, runner, "help")
        later = await api.wait_for(sent_message(chat, containing="/warmup"))
    assert next(c.params["text"] for c in api.sent_to(chat)) == "two"  # not "one" again
    assert api.calls.index(resent) < api.calls.index(later)
    assert await outbox.held("telegram") == []
    assert_clean(api)


@pytest.fixture
def webhook() -> Webhook:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return Webhook(url=f"http://127.0.0.1:{port}/hook", secret="s3cret", port=port)


async def test_a_webhook_update_whose_step_failed_gets_500_and_is_handled_when_it_returns(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    webhook: Webhook,
) -> None:
    failures = 1

    async def flaky(inbound: Inbound) -> Outcome:
        nonlocal failures
        if failures:
            failures -= 1
            raise ConnectionError("database gone for a moment")
        return await coach.handle(inbound)

    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions, handler=flaky, webhook=webhook):
        update_id = api.send_command(chat, runner, "help")
        await api.wait_for(sent_message(chat, containing="/warmup"))
    assert api.webhook_deliveries == [(update_id, 500), (update_id, 200)]
    texts = [c.params["text"] for c in api.sent_to(chat)]
    assert shipped_content().texts.common.error not in texts  # Telegram retried: no apology
    assert len(texts) == 1
    assert_clean(api)
