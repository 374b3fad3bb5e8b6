"""The app runs the Discord bot when DISCORD_TOKEN is set, and SIGTERM ends it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp

from bot.adapters.discord.adapter import DiscordAdapter
from bot.app import Services, build_platform_adapters
from bot.config import Settings
from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import Inbound, Outcome
from bot.testing import sessions_of, shipped_content
from tests.adapters.discord_harness import make_adapter, running
from tests.adapters.telegram_harness import sent_message
from tests.standins.discord_api import DiscordStandIn
from tests.standins.telegram_api import TelegramStandIn

ROOT = Path(__file__).resolve().parents[3]


def _services(coach: Coach, **settings: object) -> Services:
    return Services(
        Settings.model_validate(settings),
        engine=None,  # type: ignore[arg-type]
        sessions=sessions_of(coach),
        content=shipped_content(),
        coach=coach,
    )


def test_discord_runs_only_with_a_token(coach: Coach) -> None:
    assert [type(a) for a in build_platform_adapters(_services(coach))] == []
    with_token = build_platform_adapters(_services(coach, discord_token="abc.def.ghi"))
    assert [type(a) for a in with_token] == [DiscordAdapter]


def test_blank_discord_settings_count_as_unset() -> None:
    settings = Settings.model_validate({"discord_token": " ", "discord_guild_id": ""})
    assert settings.discord_token is None
    assert settings.discord_guild_id is None


async def test_stop_finishes_the_interaction_in_hand(api: DiscordStandIn, coach: Coach) -> None:
    started = asyncio.Event()

    async def slow(inbound: Inbound) -> Outcome:
        started.set()
        await asyncio.sleep(0.3)
        return await coach.handle(inbound)

    ann, bo = api.user("ann"), api.user("bo")
    adapter = make_adapter(api, coach, handler=slow, answer_within=0.05)
    async with running(adapter, api):
        in_hand = await api.command(ann, "help")
        await started.wait()
        stopping = asyncio.create_task(adapter.stop())
        await asyncio.sleep(0)  # let stop() begin before the next command arrives
        late = await api.command(bo, "help")
        await stopping
    # stop() returned: the reply in hand had gone out before the connection closed ...
    assert shipped_content().texts.help.title in api.replies(in_hand)[0].content
    # ... and a command that came in while stopping was told to try again.
    [note] = api.replies(late)
    assert note.content == shipped_content().discord_texts.restarting
    assert note.ephemeral


def _env(api: DiscordStandIn, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DISCORD_TOKEN": api.token,
        "DISCORD_API_URL": api.api_url,
        "DISCORD_GATEWAY_URL": api.gateway_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "LOG_LEVEL": "DEBUG",
        **extra,
    }
    for name in ("TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_URL", "DISCORD_GUILD_ID"):
        if name not in extra:
            env.pop(name, None)
    return env


async def _bot_process(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_the_bot_process_serves_discord_and_exits_on_sigterm(
    api: DiscordStandIn, tmp_path: Path
) -> None:
    process = await _bot_process(_env(api, tmp_path))
    try:
        api.patience = 30.0  # a fresh interpreter imports everything first
        await api.wait_connected()
        record = await api.command(api.user("ann"), "help")
        await api.wait_until(lambda: bool(api.replies(record)))
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
        took = time.monotonic() - began
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log[-2000:]
    assert took < 20
    assert "adapter_started name=discord" in log
    assert "stopped" in log
    assert api.token not in log


async def test_telegram_carries_on_while_discord_cannot_log_in(
    api: DiscordStandIn, tmp_path: Path, content: Content
) -> None:
    api.refuse_logins = 1_000_000
    async with TelegramStandIn() as telegram:
        env = _env(api, tmp_path, TELEGRAM_TOKEN=telegram.token, TELEGRAM_API_URL=telegram.base_url)
        process = await _bot_process(env)
        try:
            api.patience = telegram.wait_seconds = 30.0
            await api.wait_until(lambda: len(api.calls("GET", "/users/@me")) >= 1)
            runner = telegram.user("Ann")
            chat = telegram.private_chat(runner)
            telegram.send_command(chat, runner, "help")
            await telegram.wait_for(sent_message(chat, containing=content.texts.help.title))
            assert not api.connected

            api.refuse_logins = 0  # Discord is back: the next attempt gets in
            await api.wait_connected()
            record = await api.command(api.user("bo"), "help")
            await api.wait_until(lambda: bool(api.replies(record)))

            began = time.monotonic()
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
            took = time.monotonic() - began
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log[-2000:]
    assert took < 20
    assert "connection_failed platform=discord" in log
    assert api.token not in log
    assert telegram.token not in log


async def test_a_deployed_worker_reports_ready_and_logs_json(
    api: DiscordStandIn, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await _bot_process(_env(api, tmp_path, HEALTH_PORT=str(port), LOG_FORMAT="json"))
    base = f"http://127.0.0.1:{port}"
    try:
        api.patience = 30.0
        await api.wait_connected()
        async with aiohttp.ClientSession() as http:
            for _ in range(200):  # the gateway is up; the port may still be opening
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with http.get(f"{base}/readyz") as ready:
                        body = await ready.text()
                        if ready.status == 200:
                            break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("/readyz never answered 200")
        assert "platforms: ok" in body
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    entries = [json.loads(line) for line in stderr.decode().splitlines()]
    events = {entry.get("event") for entry in entries}
    assert {"health_listening", "adapter_started", "stopped"} <= events
    assert api.token not in stderr.decode()
