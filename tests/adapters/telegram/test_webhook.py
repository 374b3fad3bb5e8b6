"""Webhook mode: Telegram posts updates; only requests with the right secret get in."""

from __future__ import annotations

import json
import socket

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.adapters.telegram.webhook import MAX_BODY_BYTES, SECRET_HEADER
from bot.app import readiness_checks
from bot.core.engine import Coach
from bot.core.ports import Adapter
from bot.ops.health import health_routes
from bot.testing import shipped_content
from tests.adapters.telegram_harness import (
    Webhook,
    assert_clean,
    running_bot,
    sent_message,
)
from tests.standins.telegram_api import TelegramStandIn

SECRET = "s3cret_webhook-token"


@pytest.fixture
def webhook() -> Webhook:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return Webhook(url=f"http://127.0.0.1:{port}/telegram/updates", secret=SECRET, port=port)


def update_body(chat_id: int, user_id: int, text: str, update_id: int = 777) -> dict[str, object]:
    person = {"id": user_id, "is_bot": False, "first_name": "Mallory"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_800_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Mallory"},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_updates_arrive_by_webhook_with_the_secret(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    webhook: Webhook,
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions, webhook=webhook):
        api.send_command(chat, runner, "help")
        reply = await api.wait_for(sent_message(chat, containing="/warmup"))
    [registered] = api.calls_since(0, "setWebhook")
    assert registered.params["url"] == webhook.url
    assert registered.params["secret_token"] == SECRET
    assert json.loads(registered.params["allowed_updates"]) == [
        "message",
        "callback_query",
        "my_chat_member",
    ]
    assert api.calls_since(0, "getUpdates") == []
    assert api.webhook_deliveries[0][1] == 200
    assert reply.ok
    # Stopping leaves the webhook set: Telegram holds updates until the bot is back.
    assert api.calls_since(0, "deleteWebhook") == []
    assert_clean(api)


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}])
async def test_a_post_without_the_right_secret_is_refused(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    webhook: Webhook,
    headers: dict[str, str],
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions, webhook=webhook), aiohttp.ClientSession() as http:
        forged = update_body(chat.id, runner.id, "/help")
        async with http.post(webhook.url, json=forged, headers=headers) as response:
            assert response.status == 403
        # A genuine update afterwards is answered; the forged one never was.
        api.send_command(chat, runner, "cancel")
        await api.wait_for(sent_message(chat))
    assert [c.params["text"] for c in api.sent_to(chat)] == [
        shipped_content().texts.common.nothing_to_cancel
    ]
    assert_clean(api)


async def test_an_oversized_body_is_refused(
    api: TelegramStandIn,
    coach: Coach,
    sessions: async_sessionmaker[AsyncSession],
    webhook: Webhook,
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    async with running_bot(api, coach, sessions, webhook=webhook), aiohttp.ClientSession() as http:
        huge = update_body(chat.id, runner.id, "/help " + "x" * MAX_BODY_BYTES)
        headers = {SECRET_HEADER: SECRET}
        async with http.post(webhook.url, json=huge, headers=headers) as response:
            assert response.status == 413
        async with http.post(webhook.url, data=b"{not json", headers=headers) as response:
            assert response.status == 400
    assert api.sent_to(chat) == []
    assert_clean(api)


async def test_health_and_metrics_share_the_webhook_port(
    api: TelegramStandIn,
    coach: Coach,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    webhook: Webhook,
) -> None:
    runner = api.user()
    chat = api.private_chat(runner)
    adapters: list[Adapter] = []
    routes = health_routes(readiness_checks(engine, adapters))
    base = f"http://127.0.0.1:{webhook.port}"
    async with running_bot(api, coach, sessions, webhook=webhook, routes=routes) as adapter:
        adapters.append(adapter)
        api.send_command(chat, runner, "help")
        await api.wait_for(sent_message(chat, containing="/warmup"))
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/readyz") as ready:
                assert ready.status == 200
                assert "platforms: ok" in await ready.text()
            async with http.get(f"{base}/metrics") as metrics:
                handled = [
                    sample.value
                    for family in text_string_to_metric_families(await metrics.text())
                    for sample in family.samples
                    if sample.name == "hipcoach_updates_total"
                    and sample.labels == {"platform": "telegram", "kind": "command"}
                ]
    assert len(handled) == 1
    assert handled[0] >= 1
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(f"{base}/healthz")  # the port closes with the bot
    assert_clean(api)
