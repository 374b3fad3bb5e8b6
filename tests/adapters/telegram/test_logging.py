"""The bot token never reaches a log line, even with every library logging at DEBUG."""

from __future__ import annotations

import io
import logging
import socket
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.telegram.adapter import TelegramConfig
from bot.core.engine import Coach
from bot.logging_setup import setup_logging
from tests.adapters.telegram_harness import (
    FAST_FLOOD,
    running_bot,
    sent_message,
    telegram_adapter,
)
from tests.standins.telegram_api import TelegramStandIn

# Not shaped like a real token, so only the adapter registering it can get it scrubbed.
TOKEN = "4242:token-under-test"
LOUD = ("", "httpx", "httpcore", "telegram", "aiohttp", "bot", "asyncio", "sqlalchemy")


@pytest.fixture(params=["text", "json"])
def captured(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[io.StringIO]:
    """The app's own logging set-up at DEBUG, in each LOG_FORMAT, writing to a buffer;
    restored afterwards."""
    root = logging.getLogger()
    saved_handlers = root.handlers[:]
    saved_levels = {name: logging.getLogger(name).level for name in LOUD}
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    setup_logging("DEBUG", json=request.param == "json")
    for name in LOUD:  # louder than the app would ever be: the worst case
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield buffer
    root.handlers[:] = saved_handlers
    for name, level in saved_levels.items():
        logging.getLogger(name).setLevel(level)


async def test_token_absent_from_every_log_line_at_debug(
    captured: io.StringIO, coach: Coach, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with TelegramStandIn(token=TOKEN, rate_limits=FAST_FLOOD) as api:
        runner = api.user()
        chat = api.private_chat(runner)
        async with running_bot(api, coach, sessions):
            api.fail_next("sendMessage", 429, retry_after=1)
            api.send_command(chat, runner, "start")
            await api.wait_for(sent_message(chat, buttons=True))
            api.block(chat)
            api.send_command(chat, runner, "help")
            await api.wait_for(lambda c: c.status == 403)
        # And a start that fails: Telegram unreachable, retried in the background.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed = probe.getsockname()[1]
        config = TelegramConfig(token=TOKEN, api_url=f"http://127.0.0.1:{closed}/bot")
        adapter = telegram_adapter(coach, sessions, config, remember_profile=False)
        await adapter.start()
        await adapter.stop()

    logged = captured.getvalue()
    # The token-bearing API URL was logged, so this test means something.
    assert "/bot[redacted]" in logged
    assert "telegram_chat_unreachable" in logged
    assert "telegram_unreachable_at_start" in logged
    assert TOKEN not in logged
    assert TOKEN.split(":")[1] not in logged
