"""python-telegram-bot's HTTP requests, made with aiohttp.

python-telegram-bot lets the HTTP client be swapped (``telegram.request.BaseRequest``);
its own is httpx. Profiling the coach under load put over half its time in httpx and
httpcore (header models, connection-pool scans, separate socket writes for headers and
body), against a fraction of that for aiohttp, whose HTTP parser is in C. Every press
costs three Bot API calls (answer, edit, next step), so this is most of what a runner
waits for. aiohttp is already here for the webhook listener and discord.py.

Requests are queued on our side of the pool, messages the user waits for ahead of
callback answers and edits of pressed messages.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Final

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# Messages the user is waiting for; everything else (answers, edits) can wait for them.
URGENT_METHODS: Final = frozenset({"sendMessage", "sendPhoto", "sendAnimation", "sendDocument"})


class Slots:
    """A semaphore whose urgent waiters go first."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())

    async def acquire(self, urgent: bool) -> None:
        if self._free > 0 and not any(self._waiting):
            self._free -= 1
            return
        handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._waiting[0 if urgent else 1]
        queue.append(handed)
        try:
            await handed
        except asyncio.CancelledError:
            if handed.done() and not handed.cancelled():
                self.release()  # handed a slot just as we gave up: pass it on
            else:
                queue.remove(handed)
            raise

    def release(self) -> None:
        for queue in self._waiting:
            while queue:
                handed = queue.popleft()
                if not handed.done():
                    handed.set_result(None)
                    return
        self._free += 1


class AiohttpRequest(BaseRequest):
    """Bot API requests over one aiohttp session with at most ``connections`` at once.

    Timeouts keep python-telegram-bot's meaning: ``pool`` bounds the wait for a free
    connection, ``connect`` opening one, ``read`` the longest silence while reading.
    aiohttp has no write timeout, so the whole request is bounded by connect + write +
    read instead.
    """

    def __init__(
        self,
        connections: int,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 5.0,
        write_timeout: float = 5.0,
        pool_timeout: float | None = None,
        media_write_timeout: float = 20.0,
    ) -> None:
        self._connections = connections
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._slots = Slots(connections)
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=None),
                raise_for_status=False,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        has_files = request_data is not None and request_data.contains_files
        timeout = _timeout(
            _given(connect_timeout, self._connect_timeout),
            _given(write_timeout, self._media_write_timeout if has_files else self._write_timeout),
            _given(read_timeout, self._read_timeout),
        )
        body = _body(request_data)
        try:
            async with asyncio.timeout(_given(pool_timeout, self._pool_timeout)):
                await self._slots.acquire(urgent=url.rsplit("/", 1)[-1] in URGENT_METHODS)
        except TimeoutError as exc:
            raise TimedOut("Pool timeout: no free connection; the request was not sent") from exc
        try:
            async with session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The class name says what failed when the message is empty.
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        finally:
            self._slots.release()


def _timeout(
    connect: float | None, write: float | None, read: float | None
) -> aiohttp.ClientTimeout:
    total = None if None in (connect, write, read) else (connect or 0) + (write or 0) + (read or 0)
    return aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.Payload | aiohttp.FormData | None:
    """A JSON body, as the Bot API accepts (encoding it costs about a tenth of a
    url-encoded form's); a multipart form when uploading."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return aiohttp.JsonPayload(request_data.parameters)
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
