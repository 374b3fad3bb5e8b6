"""The stand-in's getChatMember, as documented: a ChatMemberOwner, ChatMemberAdministrator
or ChatMemberMember (each valid against the Bot API spec), 400 for a user it doesn't
know, and 403 for a user who never started the bot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.standins.telegram_api import TelegramStandIn


@pytest.fixture
async def api() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn() as api:
        yield api


async def call(api: TelegramStandIn, method: str, **params: Any) -> httpx.Response:
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with httpx.AsyncClient() as http:
        return await http.post(f"{api.base_url}{api.token}/{method}", data=form)


async def test_get_chat_member_reports_each_standing(api: TelegramStandIn) -> None:
    owner, admin, member = api.user("O"), api.user("A"), api.user("M")
    group = api.group_chat()
    api.make_admin(group, owner, "creator")
    api.make_admin(group, admin)
    statuses = []
    for user in (owner, admin, member):
        answer = await call(api, "getChatMember", chat_id=str(group.id), user_id=str(user.id))
        assert answer.status_code == 200
        statuses.append(answer.json()["result"]["status"])
    assert statuses == ["creator", "administrator", "member"]
    assert api.violations == []


async def test_get_chat_member_needs_both_ids_and_a_known_user(api: TelegramStandIn) -> None:
    group = api.group_chat()
    missing = await call(api, "getChatMember", chat_id=str(group.id))
    assert missing.status_code == 400
    unknown = await call(api, "getChatMember", chat_id=str(group.id), user_id="999999")
    assert unknown.json()["description"] == "Bad Request: user not found"


async def test_a_user_who_never_started_the_bot_is_403(api: TelegramStandIn) -> None:
    stranger = api.user("S")  # known from a group, never opened a private chat
    answer = await call(api, "sendMessage", chat_id=str(stranger.id), text="hi")
    assert answer.status_code == 403
    assert "can't initiate conversation" in answer.json()["description"]
