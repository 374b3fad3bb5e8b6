"""Sending in order per chat, without holding up the next step.

Once a step has committed, its replies are safe in the outbox; sending them (paced,
one a second per Telegram chat) need not keep the chat's next update from being
handled, nor keep Telegram from being told the update is done. So each chat gets a
lane: an ordered queue of send jobs run one at a time by a worker task of its own,
which ends when the queue is empty. Different chats' lanes run side by side.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class Lanes:
    def __init__(self, name: str) -> None:
        self._name = name
        self._queues: dict[Hashable, deque[Job]] = {}
        self._workers: dict[Hashable, asyncio.Task[None]] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        """Jobs waiting or running."""
        return sum(len(queue) for queue in self._queues.values()) + len(self._workers)

    def add(self, lane: Hashable, job: Job) -> None:
        """Run ``job`` after the jobs already in ``lane``."""
        queue = self._queues.get(lane)
        if queue is None:
            queue = self._queues[lane] = deque()
        queue.append(job)
        if lane not in self._workers:
            self._idle.clear()
            self._workers[lane] = asyncio.create_task(self._work(lane, queue))

    async def drain(self, within: float) -> bool:
        """Wait until every lane is empty; False if that took longer than ``within``."""
        try:
            async with asyncio.timeout(within):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True

    async def cancel(self) -> None:
        """Drop what is waiting and cancel what is running."""
        for queue in self._queues.values():
            queue.clear()
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    async def _work(self, lane: Hashable, queue: deque[Job]) -> None:
        try:
            while queue:
                job = queue.popleft()
                try:
                    await job()
                except Exception:
                    log.exception("%s_send_failed lane=%s", self._name, lane)
        finally:
            del self._workers[lane]
            if not queue:
                del self._queues[lane]
            if not self._workers:
                self._idle.set()
