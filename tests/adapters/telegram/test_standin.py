"""The Bot API stand-in holds requests to Telegram's documented rules, or its tests prove little."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.standins.telegram_api import RateLimits, TelegramStandIn, TgChat
from tests.standins.telegram_rules import SPEC_PATH


@pytest.fixture
async def api() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn() as api:
        yield api


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def call(
    http: httpx.AsyncClient, api: TelegramStandIn, method: str, **params: Any
) -> httpx.Response:
    """A form-encoded request, objects JSON-encoded, as python-telegram-bot sends them."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return await http.post(f"{api.base_url}{api.token}/{method}", data=form)


def button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}


@pytest.fixture
def chat(api: TelegramStandIn) -> TgChat:
    return api.private_chat(api.user())


@pytest.mark.parametrize(
    ("method", "params", "reason"),
    [
        ("sendMessage", {"text": "x" * 4097}, "too long"),
        ("sendMessage", {"text": "🏃" * 2049}, "too long"),  # 4,098 UTF-16 units
        ("sendMessage", {"text": "  \n "}, "empty"),
        ("sendMessage", {}, "text is required"),
        ("sendPhoto", {"photo": "AgAD", "caption": "c" * 1025}, "caption is too long"),
        (
            "sendMessage",
            {"text": "hi", "reply_markup": {"inline_keyboard": [[button("a", "d" * 65)]]}},
            "BUTTON_DATA_INVALID",
        ),
        (
            "sendMessage",
            {"text": "hi", "reply_markup": {"inline_keyboard": [[button("a", "d")] * 9]}},
            "in a row",
        ),
        (
            "sendMessage",
            {"text": "hi", "reply_markup": {"inline_keyboard": [[button("a", "d")] * 5] * 21}},
            "BUTTONS_TOO_MUCH",
        ),
        (
            "sendMessage",
            {"text": "hi", "reply_markup": {"inline_keyboard": [[button(" ", "d")]]}},
            "BUTTON_TEXT_EMPTY",
        ),
        ("sendMessage", {"text": "a <b>b", "parse_mode": "HTML"}, "unclosed tag"),
        ("sendMessage", {"text": "a </b>", "parse_mode": "HTML"}, "unmatched end tag"),
        ("sendMessage", {"text": "<b><i>a</b></i>", "parse_mode": "HTML"}, "unmatched"),
        ("sendMessage", {"text": "<blink>a</blink>", "parse_mode": "HTML"}, "unsupported tag"),
        ("sendMessage", {"text": "Tom & Jerry", "parse_mode": "HTML"}, "bad entity"),
        ("sendMessage", {"text": "hips <3", "parse_mode": "HTML"}, "unexpected <"),
        ("sendMessage", {"text": "a > b", "parse_mode": "HTML"}, "unexpected >"),
        ("sendMessage", {"text": "&nbsp;", "parse_mode": "HTML"}, "bad entity"),
        ("sendMessage", {"text": "<b>" + "x" * 4097 + "</b>", "parse_mode": "HTML"}, "too long"),
        ("sendPhoto", {"photo": "AgAD", "caption": "<b>a", "parse_mode": "HTML"}, "unclosed"),
        ("sendMessage", {"text": "hi", "parse_mode": "html5"}, "unsupported parse_mode"),
    ],
)
async def test_a_broken_rule_is_answered_400_and_recorded(
    api: TelegramStandIn,
    http: httpx.AsyncClient,
    chat: TgChat,
    method: str,
    params: dict[str, Any],
    reason: str,
) -> None:
    response = await call(http, api, method, chat_id=chat.id, **params)
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert reason in response.json()["description"]
    [violation] = api.violations
    assert violation.method == method


async def test_the_limits_themselves_are_allowed(
    api: TelegramStandIn, http: httpx.AsyncClient, chat: TgChat
) -> None:
    keyboard = {"inline_keyboard": [[button(str(n), "d" * 64) for n in range(8)]] * 12}
    response = await call(
        http, api, "sendMessage", chat_id=chat.id, text="🏃" * 2048, reply_markup=keyboard
    )
    assert response.status_code == 200, response.text
    assert response.json()["result"]["message_id"] == 1
    assert api.violations == []


async def test_html_within_the_rules_is_kept_as_text_and_bold_entities(
    api: TelegramStandIn, http: httpx.AsyncClient, chat: TgChat
) -> None:
    text = "<b>🏃 Drill &amp; co</b> &lt;3 &#33;" + "x" * 4078  # 4,096 units once parsed
    response = await call(http, api, "sendMessage", chat_id=chat.id, text=text, parse_mode="HTML")
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["text"].startswith("🏃 Drill & co <3 !x")
    assert result["entities"] == [{"type": "bold", "offset": 0, "length": 13}]
    assert api.violations == []


@pytest.mark.parametrize(
    "commands",
    [
        [{"command": "Warm-Up", "description": "x"}],
        [{"command": "a" * 33, "description": "x"}],
        [{"command": "warmup", "description": ""}],
        [{"command": "warmup", "description": "d" * 257}],
        [{"command": "warmup", "description": "x"}] * 2,
    ],
)
async def test_command_menu_rules(
    api: TelegramStandIn, http: httpx.AsyncClient, commands: list[dict[str, str]]
) -> None:
    response = await call(http, api, "setMyCommands", commands=commands)
    assert response.status_code == 400
    assert api.commands == []


async def test_edits_and_answers_follow_telegrams_rules(
    api: TelegramStandIn, http: httpx.AsyncClient, chat: TgChat
) -> None:
    sent = await call(http, api, "sendMessage", chat_id=chat.id, text="Drill 1")
    message_id = sent.json()["result"]["message_id"]
    same = await call(
        http, api, "editMessageText", chat_id=chat.id, message_id=message_id, text="Drill 1"
    )
    assert "not modified" in same.json()["description"]
    missing = await call(http, api, "editMessageText", chat_id=chat.id, message_id=99, text="x")
    assert "not found" in missing.json()["description"]
    unknown = await call(http, api, "answerCallbackQuery", callback_query_id="123")
    assert unknown.status_code == 400
    assert len(api.violations) == 3


async def test_wrong_token_and_unknown_method(
    api: TelegramStandIn, http: httpx.AsyncClient
) -> None:
    response = await http.post(f"{api.base_url}1:wrong/getMe")
    assert response.status_code == 401
    response = await call(http, api, "sendPigeon")
    assert response.status_code == 404


@pytest.mark.skipif(not SPEC_PATH.is_file(), reason="Bot API spec not present beside the repo")
async def test_parameters_are_checked_against_the_spec(
    api: TelegramStandIn, http: httpx.AsyncClient, chat: TgChat
) -> None:
    response = await call(http, api, "sendMessage", chat_id=chat.id, text="hi", colour="red")
    assert "unknown parameter colour" in response.json()["description"]
    response = await call(
        http, api, "sendMessage", chat_id=chat.id, text="hi", disable_notification="maybe"
    )
    assert "not a valid Boolean" in response.json()["description"]
    response = await call(
        http,
        api,
        "sendMessage",
        chat_id=chat.id,
        text="hi",
        reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "d", "colour": 1}]]},
    )
    assert response.status_code == 400
    assert len(api.violations) == 3


async def test_get_updates_offsets_and_long_polling(
    api: TelegramStandIn, http: httpx.AsyncClient, chat: TgChat
) -> None:
    user = api.user()
    ids = [api.send_text(chat, user, f"hello {n}") for n in range(3)]
    first = (await call(http, api, "getUpdates", timeout=0)).json()["result"]
    assert [u["update_id"] for u in first] == ids
    again = (await call(http, api, "getUpdates", offset=ids[1], timeout=0)).json()["result"]
    assert [u["update_id"] for u in again] == ids[1:]  # confirmed ones are gone
    empty = (await call(http, api, "getUpdates", offset=ids[2] + 1, timeout=0)).json()
    assert empty["result"] == []
    assert api.pending_updates == 0

    mark = api.mark()
    waiting = asyncio.create_task(call(http, api, "getUpdates", offset=ids[2] + 1, timeout=5))
    await api.wait_for(lambda c: c.method == "getUpdates", since=mark)  # the poll is parked
    started = time.monotonic()
    api.send_text(chat, user, "late")
    late = (await waiting).json()["result"]
    assert [u["message"]["text"] for u in late] == ["late"]
    assert time.monotonic() - started < 4  # answered on arrival, not at the timeout


async def test_get_updates_conflicts_with_a_webhook(
    api: TelegramStandIn, http: httpx.AsyncClient
) -> None:
    await call(http, api, "setWebhook", url="https://coach.example.com/hook", secret_token="abc")
    response = await call(http, api, "getUpdates", timeout=0)
    assert response.status_code == 409
    bad = await call(http, api, "setWebhook", url="http://coach.example.com/hook")
    assert bad.status_code == 400


async def test_flood_limits_answer_429_with_retry_after(http: httpx.AsyncClient) -> None:
    async with TelegramStandIn(rate_limits=RateLimits()) as api:
        chat = api.private_chat(api.user())
        statuses = []
        for n in range(4):
            response = await call(http, api, "sendMessage", chat_id=chat.id, text=f"m{n}")
            statuses.append(response.status_code)
        assert statuses == [200, 200, 200, 429]  # a burst of three, then one a second
        assert response.json()["parameters"]["retry_after"] >= 1
        assert len(api.throttled) == 1
        assert api.violations == []  # being throttled is not a malformed request


async def test_injected_failures(
    api: TelegramStandIn, http: httpx.AsyncClient, chat: TgChat
) -> None:
    api.fail_next("sendMessage", 429, retry_after=3)
    response = await call(http, api, "sendMessage", chat_id=chat.id, text="a")
    assert response.json()["parameters"] == {"retry_after": 3}
    api.block(chat)
    response = await call(http, api, "sendMessage", chat_id=chat.id, text="a")
    assert response.status_code == 403
    assert api.violations == []


async def test_multipart_uploads_are_parsed(
    api: TelegramStandIn, http: httpx.AsyncClient, chat: TgChat
) -> None:
    response = await http.post(
        f"{api.base_url}{api.token}/sendDocument",
        data={"chat_id": str(chat.id), "caption": "Your data"},
        files={"document": ("export.json", b'{"a": 1}', "application/json")},
    )
    assert response.status_code == 200, response.text
    [sent] = api.calls_since(0, "sendDocument")
    assert sent.uploads["document"].filename == "export.json"
    assert sent.uploads["document"].data == b'{"a": 1}'
    assert response.json()["result"]["document"]["file_name"] == "export.json"


async def test_an_edit_must_change_a_message_of_that_chat_within_the_length_limit(
    api: TelegramStandIn, http: httpx.AsyncClient, chat: TgChat
) -> None:
    other = api.private_chat(api.user("Bo"))
    sent = await call(http, api, "sendMessage", chat_id=chat.id, text="Bounce 1 of 8")
    message_id = sent.json()["result"]["message_id"]
    elsewhere = await call(
        http, api, "editMessageText", chat_id=other.id, message_id=message_id, text="x"
    )
    assert "not found" in elsewhere.json()["description"]  # not that chat's message
    too_long = await call(
        http, api, "editMessageText", chat_id=chat.id, message_id=message_id, text="x" * 4097
    )
    assert too_long.status_code == 400
    markup = {"inline_keyboard": [[button("Stop", "v1:stop")]]}
    first = await call(
        http,
        api,
        "editMessageReplyMarkup",
        chat_id=chat.id,
        message_id=message_id,
        reply_markup=markup,
    )
    assert first.status_code == 200
    again = await call(
        http,
        api,
        "editMessageReplyMarkup",
        chat_id=chat.id,
        message_id=message_id,
        reply_markup=markup,
    )
    assert "not modified" in again.json()["description"]
    changed = await call(
        http, api, "editMessageText", chat_id=chat.id, message_id=message_id, text="Bounce 2 of 8"
    )
    assert changed.status_code == 200
    assert api.message(chat, message_id).text == "Bounce 2 of 8"


async def test_edits_count_against_the_chats_flood_limit_on_the_given_clock(
    http: httpx.AsyncClient,
) -> None:
    now = [1000.0]
    async with TelegramStandIn(rate_limits=RateLimits(), clock=lambda: now[0]) as api:
        chat = api.private_chat(api.user())
        sent = await call(http, api, "sendMessage", chat_id=chat.id, text="Bounce 1 of 8")
        message_id = sent.json()["result"]["message_id"]
        statuses = []
        for n in range(2, 5):  # the burst's two other tokens, then one too many
            edit = await call(
                http,
                api,
                "editMessageText",
                chat_id=chat.id,
                message_id=message_id,
                text=f"Bounce {n} of 8",
            )
            statuses.append(edit.status_code)
        assert statuses == [200, 200, 429]
        assert edit.json()["parameters"]["retry_after"] >= 1
        now[0] += 2.0  # the count's own pace: one edit every 2 s is always let through
        for n in range(5, 9):
            edit = await call(
                http,
                api,
                "editMessageText",
                chat_id=chat.id,
                message_id=message_id,
                text=f"Bounce {n} of 8",
            )
            assert edit.status_code == 200
            now[0] += 2.0
        assert len(api.throttled) == 1
