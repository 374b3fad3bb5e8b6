"""``/healthz``, ``/readyz`` and ``/metrics`` over HTTP.

- ``/healthz``: the process is alive and its event loop answers. Nothing else is
  checked, so a load balancer never restarts a worker only because the database is down.
- ``/readyz``: every readiness check passes (the database answers, its schema is at
  head, the platforms are connected). 503 with the failing checks named otherwise, so
  the balancer sends no traffic to a worker that could not answer it.
- ``/metrics``: Prometheus's text format (:mod:`bot.ops.metrics`).

The routes are served on the webhook listener's port in webhook mode (one port to open)
or by :class:`HealthServer` on ``HEALTH_PORT`` otherwise.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0  # seconds; a check slower than this counts as failed


@dataclass(frozen=True, slots=True)
class Check:
    """One readiness check: ``probe`` returns ``None`` when ready, else the reason."""

    name: str
    probe: Callable[[], Awaitable[str | None]]


async def readiness(checks: Sequence[Check]) -> dict[str, str]:
    """Each check's name with ``ok`` or the reason it failed; checks run side by side."""

    async def run(check: Check) -> str:
        try:
            reason = await asyncio.wait_for(check.probe(), CHECK_TIMEOUT)
        except TimeoutError:
            return f"no answer within {CHECK_TIMEOUT:g} s"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return "ok" if reason is None else reason

    results = await asyncio.gather(*(run(check) for check in checks))
    return {check.name: result for check, result in zip(checks, results, strict=True)}


def health_routes(checks: Sequence[Check]) -> list[web.RouteDef]:
    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_: web.Request) -> web.Response:
        results = await readiness(checks)
        ready = all(result == "ok" for result in results.values())
        if not ready:
            failing = (f"{name}={result!r}" for name, result in results.items() if result != "ok")
            log.info("not_ready %s", " ".join(failing))
        body = "".join(f"{name}: {result}\n" for name, result in results.items())
        return web.Response(text=body or "ok\n", status=200 if ready else 503)

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics)]


class HealthServer:
    """The health routes on their own port (polling mode, Discord, or the terminal)."""

    def __init__(
        self,
        routes: Sequence[web.RouteDef],
        *,
        port: int,
        host: str = "0.0.0.0",  # noqa: S104
    ) -> None:
        self._routes = routes
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self.bound_port: int | None = None

    async def start(self) -> None:
        app = web.Application()
        app.add_routes(self._routes)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server
        if isinstance(server, asyncio.base_events.Server) and server.sockets:
            self.bound_port = server.sockets[0].getsockname()[1]
        log.info("health_listening port=%s", self.bound_port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
