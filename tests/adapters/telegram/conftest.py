"""The Telegram Bot API stand-in the Telegram tests run against.

The stand-in's own tests define an ``api`` without flood limits, which takes precedence
in their module.
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
