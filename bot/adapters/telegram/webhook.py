"""The HTTP listener Telegram posts updates to in webhook mode.

It answers 403 unless ``X-Telegram-Bot-Api-Secret-Token`` matches, refuses bodies over
a small cap (an update is a few kilobytes; anything bigger is not Telegram), and hands
each update to the adapter, which handles it as in polling. The answer waits for the
update's step: 200 once it has committed (Telegram then forgets the update), 500 if it
failed, so Telegram delivers the update again later, and 503 while the bot is stopping
or not yet connected (a load balancer then hands the update to another worker). Other routes
(the health checks) can share its port.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 256 * 1024

Deliver = Callable[[dict[str, Any]], Awaitable[bool | None]]
"""Handles one update; True once its step has committed, None if the bot can't take it
now (not connected yet, or stopping)."""
# On stop, how long a request in hand may take to finish before it is cut off (and,
# unanswered, delivered again by Telegram).
SHUTDOWN_TIMEOUT = 5.0


def webhook_path(url: str) -> str:
    """The path part of the public webhook URL; the listener serves exactly that path."""
    return urlsplit(url).path or "/"


class WebhookListener:
    """An aiohttp server on ``host:port`` with one POST route at ``path``."""

    def __init__(
        self,
        deliver: Deliver,
        *,
        secret: str,
        path: str,
        host: str = "0.0.0.0",  # noqa: S104 - it must be reachable from the proxy in front
        port: int = 8080,
        max_body: int = MAX_BODY_BYTES,
        routes: Sequence[web.RouteDef] = (),
    ) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self._deliver = deliver
        self._secret = secret.encode()
        self._path = path
        self._host, self._port = host, port
        self._max_body = max_body
        self._routes = routes
        self._runner: web.AppRunner | None = None
        self._stopping = False
        self.bound_port: int | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=self._max_body)
        app.router.add_post(self._path, self._receive)
        app.add_routes(self._routes)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server
        if isinstance(server, asyncio.base_events.Server) and server.sockets:
            self.bound_port = server.sockets[0].getsockname()[1]
        log.info("telegram_webhook_listening port=%s path=%s", self.bound_port, self._path)

    async def stop(self) -> None:
        """Stop accepting; Telegram keeps undelivered updates and retries later."""
        self._stopping = True
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("telegram_webhook_refused reason=secret remote=%s", request.remote)
            return web.Response(status=403)
        if request.content_length is not None and request.content_length > self._max_body:
            log.warning(
                "telegram_webhook_refused reason=too_large bytes=%s", request.content_length
            )
            return web.Response(status=413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            log.warning("telegram_webhook_refused reason=too_large")
            return web.Response(status=413)
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.Response(status=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400)
        if self._stopping:
            return web.Response(status=503)
        try:
            handled = await self._deliver(data)
        except Exception:
            log.exception("telegram_webhook_update_failed update_id=%s", data["update_id"])
            handled = False
        if handled is None:
            return web.Response(status=503)
        if not handled:
            return web.Response(status=500)
        return web.Response(status=200)
