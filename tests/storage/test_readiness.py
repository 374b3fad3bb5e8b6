"""/readyz follows the database: not ready while PostgreSQL is out of reach, ready again
when it is back, with /healthz answering throughout."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
from sqlalchemy.engine import make_url

from bot.app import readiness_checks
from bot.ops.health import HealthServer, health_routes
from bot.storage.database import create_engine
from bot.storage.migrations import upgrade_to_head


class Outage:
    """A TCP relay to the database that can be cut (every connection dropped, new ones
    refused) and restored, as a database restart or a network partition looks."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()
        self._server = None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


async def readyz(session: aiohttp.ClientSession, base: str) -> tuple[int, str]:
    async with session.get(f"{base}/readyz") as response:
        return response.status, await response.text()


async def until_status(session: aiohttp.ClientSession, base: str, status: int) -> str:
    """Asks until /readyz answers ``status`` (a pooled connection may fail once first)."""
    for _ in range(20):
        got, body = await readyz(session, base)
        if got == status:
            return body
    raise AssertionError(f"/readyz never answered {status}; last: {got} {body}")


async def test_readyz_follows_the_database_going_away_and_coming_back(pg_url: str) -> None:
    url = make_url(pg_url)
    outage = Outage(url.host or "127.0.0.1", url.port or 5432)
    await outage.restore()
    engine = create_engine(url.set(host="127.0.0.1", port=outage.port).render_as_string(False))
    server = HealthServer(health_routes(readiness_checks(engine, [])), port=0)
    try:
        await upgrade_to_head(engine)
        await server.start()
        base = f"http://127.0.0.1:{server.bound_port}"
        async with aiohttp.ClientSession() as session:
            assert await readyz(session, base) == (200, "database: ok\nschema: ok\nplatforms: ok\n")
            await outage.cut()
            body = await until_status(session, base, 503)
            assert not body.startswith("database: ok")
            async with session.get(f"{base}/healthz") as alive:
                assert alive.status == 200
            await outage.restore()
            assert await until_status(session, base, 200) == (
                "database: ok\nschema: ok\nplatforms: ok\n"
            )
    finally:
        await server.stop()
        await engine.dispose()
        with contextlib.suppress(AssertionError):
            await outage.cut()
