"""Workers behind nginx: a throw-away PostgreSQL database, nginx, the stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.standins.telegram_api import TelegramStandIn
from tests.storage.conftest import pg_url
from tests.workers.cluster import nginx_binary

__all__ = ["pg_url"]


@pytest.fixture
def nginx() -> str:
    found = nginx_binary()
    if found is None:
        pytest.skip("nginx is not installed: apt-get install nginx-light (.ci/run does)")
    return found


@pytest.fixture
async def api() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn(push_webhook=False) as standin:
        standin.wait_seconds = 40.0  # several interpreters on two busy cores
        yield standin


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
