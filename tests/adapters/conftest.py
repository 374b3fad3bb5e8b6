"""The Telegram Bot API stand-in most Telegram tests run against.

Discord's tests and the stand-in's own tests define an ``api`` of their own, which
takes precedence in their modules.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.telegram_harness import FAST_FLOOD
from tests.standins.telegram_api import TelegramStandIn


@pytest.fixture
async def api() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn(rate_limits=FAST_FLOOD) as api:
        yield api
