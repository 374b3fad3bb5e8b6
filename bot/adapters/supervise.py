"""Keeps a platform connection running: when it fails, wait (longer each time) and run it again.

One platform failing to log in, or losing its connection for good, must not take the
others down. Each connection runs in a :class:`Supervisor` task of its own: an
exception ends that attempt only, is logged, and the next attempt follows after a
back-off delay that doubles up to a cap and starts over after a run that lasted.
An exception the adapter calls ``fatal`` (a rejected token) ends the trying instead.

An adapter that makes its first attempt itself, so that a bad token fails its start,
hands the retries to the supervisor with ``start(after_failure=True)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Fatal = Callable[[Exception], bool]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between attempts: ``initial`` doubling up to ``maximum``, with some jitter.

    A run that lasted ``healthy_after`` seconds counts as a success: the next failure
    waits ``initial`` again.
    """

    initial: float = 1.0
    maximum: float = 300.0
    factor: float = 2.0
    jitter: float = 0.1
    healthy_after: float = 60.0

    def __post_init__(self) -> None:
        if not 0 < self.initial <= self.maximum or self.factor < 1 or not 0 <= self.jitter < 1:
            raise ValueError("need 0 < initial <= maximum, factor >= 1 and 0 <= jitter < 1")

    def delays(self) -> DelaySeries:
        return DelaySeries(self)


class DelaySeries:
    def __init__(self, backoff: Backoff) -> None:
        self._backoff = backoff
        self._next = backoff.initial

    def reset(self) -> None:
        self._next = self._backoff.initial

    def next(self) -> float:
        base = self._next
        self._next = min(self._backoff.maximum, base * self._backoff.factor)
        spread = base * self._backoff.jitter
        return max(0.0, base + random.uniform(-spread, spread))


class Supervisor:
    """Runs ``connect`` until stopped, again and again if it fails or ends by itself.

    ``connect`` should run for as long as the connection is up and clean up after
    itself when it ends or is cancelled. ``start`` returns at once; ``stop`` cancels
    the current attempt (or the wait before the next) and returns when it has ended.
    When ``fatal`` says an exception won't go away by trying again, the supervisor
    logs it and stops trying.
    """

    def __init__(
        self,
        name: str,
        connect: Callable[[], Awaitable[None]],
        backoff: Backoff | None = None,
        *,
        fatal: Fatal | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._connect = connect
        self._backoff = backoff or Backoff()
        self._fatal = fatal
        self._sleep = sleep
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self.attempts = 0
        self.failures = 0
        # Set when ``fatal`` ended the trying: the connection will not come back by itself.
        self.gave_up = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, *, after_failure: bool = False) -> None:
        """Begin attempts in the background; ``after_failure``: the caller's own attempt
        just failed, so the first one here waits a back-off delay."""
        if self.running:
            raise RuntimeError(f"{self.name} is already supervised")
        self._task = asyncio.create_task(self._loop(after_failure), name=f"supervise-{self.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _loop(self, after_failure: bool) -> None:
        delays = self._backoff.delays()
        if after_failure:
            await self._wait(delays.next())
        while True:
            self.attempts += 1
            started = self._clock()
            try:
                await self._connect()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.failures += 1
                if self._fatal is not None and self._fatal(exc):
                    log.error(
                        "connection_failed_for_good platform=%s attempt=%d error=%s: %s",
                        self.name,
                        self.attempts,
                        type(exc).__name__,
                        exc,
                    )
                    self.gave_up.set()
                    return
                log.warning(
                    "connection_failed platform=%s attempt=%d error=%s: %s",
                    self.name,
                    self.attempts,
                    type(exc).__name__,
                    exc,
                )
            else:
                log.warning("connection_ended platform=%s attempt=%d", self.name, self.attempts)
            if self._clock() - started >= self._backoff.healthy_after:
                delays.reset()
            await self._wait(delays.next())

    async def _wait(self, delay: float) -> None:
        log.info("reconnecting platform=%s in_seconds=%.1f", self.name, delay)
        await self._sleep(delay)
