"""What a load balancer and a deployer see: /healthz, /readyz and /metrics over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import readiness_checks
from bot.core.ports import Adapter
from bot.ops.health import HealthServer, health_routes
from bot.storage.database import create_engine
from bot.testing import FakeClock, RecordingAdapter

Serve = Callable[[AsyncEngine, Sequence[Adapter]], Awaitable[str]]


def platform(name: str, *, connected: bool = True) -> RecordingAdapter:
    return RecordingAdapter(FakeClock(), name=name, connected=connected)


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Starts a health server on a free port; the base URL it answers on."""
    servers: list[HealthServer] = []

    async def start(engine: AsyncEngine, adapters: Sequence[Adapter]) -> str:
        server = HealthServer(health_routes(readiness_checks(engine, adapters)), port=0)
        await server.start()
        servers.append(server)
        return f"http://127.0.0.1:{server.bound_port}"

    yield start
    for server in servers:
        await server.stop()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def test_a_migrated_database_and_connected_platforms_are_ready(
    engine: AsyncEngine, serve: Serve
) -> None:
    base = await serve(engine, [platform("telegram"), platform("discord")])
    assert await get(f"{base}/healthz") == (200, "ok\n")
    status, body = await get(f"{base}/readyz")
    assert status == 200
    assert body.splitlines() == ["database: ok", "schema: ok", "platforms: ok"]


async def test_a_platform_that_is_down_makes_the_worker_not_ready(
    engine: AsyncEngine, serve: Serve
) -> None:
    discord = platform("discord", connected=False)
    base = await serve(engine, [platform("telegram"), discord])
    status, body = await get(f"{base}/readyz")
    assert status == 503
    assert "platforms: not connected: discord" in body.splitlines()
    discord.connected = True
    assert (await get(f"{base}/readyz"))[0] == 200


async def test_a_database_behind_the_code_is_not_ready_but_the_process_is_alive(
    tmp_path: Path, serve: Serve
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        base = await serve(engine, [])
        status, body = await get(f"{base}/readyz")
        assert status == 503
        assert any(line.startswith("schema: at migration none") for line in body.splitlines())
        assert await get(f"{base}/healthz") == (200, "ok\n")
    finally:
        await engine.dispose()


async def test_metrics_are_in_prometheus_text_format(engine: AsyncEngine, serve: Serve) -> None:
    base = await serve(engine, [platform("telegram")])
    async with aiohttp.ClientSession() as session, session.get(f"{base}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        families = {f.name for f in text_string_to_metric_families(await response.text())}
    assert {
        "hipcoach_updates",
        "hipcoach_step_seconds",
        "hipcoach_reminders",
        "hipcoach_platform_throttled",
        "hipcoach_send_retries",
        "hipcoach_pacer_queue_depth",
        "hipcoach_platform_connected",
        "hipcoach_leader",
    } <= families
