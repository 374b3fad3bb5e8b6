"""The Discord stand-in the Discord tests run against; a test passes only if the bot
broke none of Discord's rules and answered every interaction in time.

The stand-in's own tests break rules on purpose and define an ``api`` of their own,
which takes precedence in their module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.standins.discord_api import DiscordStandIn


@pytest.fixture
async def api() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn() as api:
        yield api
    assert api.violations == []
    assert api.late_interactions() == []
