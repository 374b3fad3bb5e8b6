"""The Bot API client: timeouts, refused connections, uploads and who goes first."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.adapters.telegram.http import AiohttpRequest

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def serve(route: Route) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", route)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/bot42:abc"


@pytest.fixture
async def request_client() -> AsyncIterator[AiohttpRequest]:
    client = AiohttpRequest(1, read_timeout=0.3, connect_timeout=0.5)
    await client.initialize()
    yield client
    await client.shutdown()


def ok(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


async def test_a_server_that_never_answers_times_out(request_client: AiohttpRequest) -> None:
    hang_up = asyncio.Event()

    async def silent(_: web.Request) -> web.Response:
        await hang_up.wait()
        return ok(True)

    runner, base = await serve(silent)
    try:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await request_client.post(f"{base}/getMe")
        assert time.monotonic() - started < 2
    finally:
        hang_up.set()
        await runner.cleanup()


async def test_a_refused_connection_is_a_network_error(request_client: AiohttpRequest) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(NetworkError) as caught:
        await request_client.post(f"http://127.0.0.1:{closed}/bot42:abc/getMe")
    assert not isinstance(caught.value, TimedOut)


async def test_an_upload_arrives_as_a_form_with_its_file(request_client: AiohttpRequest) -> None:
    received: dict[str, object] = {}

    async def record(request: web.Request) -> web.Response:
        form = await request.post()
        upload = form["document"]
        assert isinstance(upload, web.FileField)
        received.update(
            chat_id=form["chat_id"],
            filename=upload.filename,
            body=upload.file.read(),
            caption=form["caption"],
        )
        return ok({"message_id": 1})

    runner, base = await serve(record)
    try:
        data = RequestData(
            [
                RequestParameter.from_input("chat_id", 7),
                RequestParameter.from_input("caption", "Your data 🦵"),
                RequestParameter.from_input(
                    "document", InputFile(b'{"soreness": 3}', filename="hip-coach.json")
                ),
            ]
        )
        await request_client.post(f"{base}/sendDocument", request_data=data)
    finally:
        await runner.cleanup()
    assert received == {
        "chat_id": "7",
        "filename": "hip-coach.json",
        "body": b'{"soreness": 3}',
        "caption": "Your data 🦵",
    }


async def test_the_next_message_goes_ahead_of_waiting_answers_and_edits() -> None:
    """With every connection busy, a message the runner waits for is sent before the
    callback answers and edits queued ahead of it."""
    order: list[str] = []
    release = asyncio.Event()

    async def record(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        order.append(method)
        if method == "getMe":
            await release.wait()
        return ok(True)

    runner, base = await serve(record)
    client = AiohttpRequest(1)
    await client.initialize()
    try:
        busy = asyncio.create_task(client.post(f"{base}/getMe"))
        while not order:
            await asyncio.sleep(0.01)
        queued = [
            asyncio.create_task(client.post(f"{base}/{method}"))
            for method in ("answerCallbackQuery", "editMessageText", "sendMessage")
        ]
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(busy, *queued)
    finally:
        await client.shutdown()
        await runner.cleanup()
    assert order == ["getMe", "sendMessage", "answerCallbackQuery", "editMessageText"]


async def test_a_plain_request_is_a_json_body_with_nested_objects(
    request_client: AiohttpRequest,
) -> None:
    received: dict[str, object] = {}

    async def record(request: web.Request) -> web.Response:
        assert request.content_type == "application/json"
        received.update(await request.json())
        return ok({"message_id": 1})

    runner, base = await serve(record)
    markup = {"inline_keyboard": [[{"text": "Done ✓", "callback_data": "v1:ab12:xy34zz:done"}]]}
    try:
        data = RequestData(
            [
                RequestParameter.from_input("chat_id", -1001),
                RequestParameter.from_input("text", "Drill 1 of 3 — lunges"),
                RequestParameter.from_input("reply_markup", markup),
            ]
        )
        await request_client.post(f"{base}/sendMessage", request_data=data)
    finally:
        await runner.cleanup()
    assert received == {"chat_id": -1001, "text": "Drill 1 of 3 — lunges", "reply_markup": markup}
