"""The Discord stand-in holds requests to Discord's documented rules, so passing means something."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.standins.discord_api import DiscordStandIn
from tests.standins.discord_rules import (
    check_commands,
    check_message,
    spec_checker,
    valid_command_name,
)


def _row(count: int, start: int = 0) -> dict[str, Any]:
    return {
        "type": 1,
        "components": [
            {"type": 2, "style": 2, "label": f"b{n}", "custom_id": f"id{n}"}
            for n in range(start, start + count)
        ],
    }


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"content": "x" * 2001}, "2001 characters"),
        ({"components": [_row(1, n) for n in range(6)]}, "6 action rows"),
        ({"components": [_row(6)]}, "6 components"),
        ({"components": [_row(1), _row(1)]}, "used twice"),
        (
            {"components": [{"type": 1, "components": [{"type": 2, "style": 2, "label": "a"}]}]},
            "custom_id must be 1-100",
        ),
        (
            {"components": [{"type": 1, "components": [
                {"type": 2, "style": 2, "label": "a", "custom_id": "x" * 101}]}]},
            "custom_id must be 1-100",
        ),
        (
            {"components": [{"type": 1, "components": [
                {"type": 2, "style": 2, "label": "a" * 81, "custom_id": "x"}]}]},
            "81 characters",
        ),
        ({}, "needs content"),
    ],
)  # fmt: skip
def test_message_rules(body: dict[str, Any], problem: str) -> None:
    problems = check_message(body, creating=True)
    assert any(problem in p for p in problems), problems


def test_a_message_within_the_limits_passes() -> None:
    body = {"content": "x" * 2000, "components": [_row(5, 5 * n) for n in range(5)]}
    assert check_message(body, creating=True) == []


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("warmup", True),
        ("warm-up_2", True),
        ("échauffement", True),
        ("ウォームアップ", True),
        ("Warmup", False),
        ("warm up", False),
        ("", False),
        ("w" * 33, False),
        ("warmup!", False),
    ],
)
def test_command_names(name: str, ok: bool) -> None:
    assert valid_command_name(name) is ok


def test_command_rules() -> None:
    option = {"type": 3, "name": "text", "description": "d", "required": False}
    required = {"type": 3, "name": "when", "description": "d", "required": True}
    body = [
        {"name": "a", "description": ""},
        {"name": "b", "description": "d" * 101},
        {
            "name": "c",
            "description": "d",
            "options": [dict(option, name=f"o{n}") for n in range(26)],
        },
        {"name": "d", "description": "d", "options": [option, required]},
        {"name": "a", "description": "again"},
    ]
    problems = "\n".join(check_commands(body))
    assert "'a': description must be 1-100" in problems
    assert "'b': description must be 1-100" in problems
    assert "26 options" in problems
    assert "required option 'when' after optional" in problems
    assert "'a' appears twice" in problems


def test_the_spec_is_checked_where_it_is_present() -> None:
    checker = spec_checker()
    if checker is None:
        pytest.skip("../shared/specs/discord-openapi.json is not beside the repository")
    route = "/channels/{channel_id}/messages"
    assert checker.problems("POST", route, {"content": "hi", "tts": "yes"}) != []
    assert checker.problems("POST", route, {"content": "hi", "attachments": [{"id": 0}]}) == []
    # The preview spec allows 4,000 characters; the documented 2,000 is held by hand.
    assert checker.problems("POST", route, {"content": "x" * 3000}) == []
    assert check_message({"content": "x" * 3000}, creating=True) != []


@pytest.fixture
async def api() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn() as api:
        yield api


async def _post(
    api: DiscordStandIn, path: str, body: Any, *, auth: bool = True
) -> tuple[int, dict[str, str], dict[str, Any]]:
    headers = {"Authorization": f"Bot {api.token}"} if auth else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(api.api_url + path, json=body, headers=headers) as response,
    ):
        return response.status, dict(response.headers), await response.json(content_type=None)


async def test_a_broken_rule_is_answered_400_and_recorded(api: DiscordStandIn) -> None:
    channel = api.dm_channel(api.user("ann"))
    status, headers, body = await _post(
        api, f"/channels/{channel.id}/messages", {"content": "x" * 2001}
    )
    assert (status, body["code"]) == (400, 50035)
    assert headers["Content-Type"] == "application/json"  # exactly: discord.py parses no other
    assert api.violations == [
        "POST /channels/{channel_id}/messages: content has 2001 characters, the limit is 2000"
    ]
    assert api.from_bot(channel) == []


async def test_requests_without_the_bot_token_are_refused(api: DiscordStandIn) -> None:
    channel = api.dm_channel(api.user("ann"))
    status, *_ = await _post(api, f"/channels/{channel.id}/messages", {"content": "hi"}, auth=False)
    assert status == 401


async def test_a_429_says_it_comes_from_discord_not_cloudflare(api: DiscordStandIn) -> None:
    channel = api.dm_channel(api.user("ann"))
    api.rate_limit("POST", "/channels/{channel_id}/messages", retry_after=0.5)
    status, headers, body = await _post(api, f"/channels/{channel.id}/messages", {"content": "a"})
    assert status == 429
    assert body["retry_after"] == 0.5
    assert headers.get("Via")  # discord.py treats a 429 without Via as a Cloudflare ban


async def test_an_interaction_answered_late_is_unknown(api: DiscordStandIn) -> None:
    commands = f"/applications/{api.app_id}/commands"
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {api.token}"}
        body = [{"name": "help", "description": "Help", "type": 1}]
        async with session.put(api.api_url + commands, json=body, headers=headers) as response:
            assert response.status == 200
        # A bare websocket client plays the bot: it identifies, then answers too late.
        ws = await session.ws_connect(api.gateway_url + "?v=10&encoding=json")
        assert (await ws.receive_json())["op"] == 10  # HELLO
        await ws.send_json({"op": 2, "d": {"token": api.token, "intents": 0, "properties": {}}})
        assert (await ws.receive_json())["t"] == "READY"
        with pytest.raises(AssertionError, match="not registered"):
            await api.command(api.user("ann"), "warmup")
        api.deadline = 0.05
        record = await api.command(api.user("ann"), "help")
        await asyncio.sleep(0.1)  # the slowness under test
        callback = f"/interactions/{record.id}/{record.token}/callback"
        async with session.post(
            api.api_url + callback, json={"type": 4, "data": {"content": "hi"}}
        ) as response:
            assert response.status == 404
            assert (await response.json())["code"] == 10062
        await ws.close()
    assert api.late_interactions() == [record]
    assert len(api.violations) == 1
    assert "answered after" in api.violations[0]
