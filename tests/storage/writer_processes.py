"""Bot processes writing to one database at the same time, for the storage tests.

Each writer is an operating-system process of its own (started with ``spawn``: a fresh
interpreter, as a second bot process would be) running a coach on its own engine. The
processes share nothing but the database and a few counters in shared memory that say
how many transactions were open at one moment. No clock is read: the counts come from
the order of events, so they mean the same on a loaded machine and under faketime.

This module imports only what a writer needs, since each process imports it afresh.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import queue
import traceback
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import SynchronizedArray
from multiprocessing.synchronize import Barrier
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_coach
from bot.content import Content
from bot.core.engine import Coach
from bot.core.messages import ConversationKey
from bot.storage.database import create_engine, session_factory
from bot.testing import Chat, FakeClock

STEPS_PER_WARM_UP = 9  # /start, I understand, /warmup, two answers, three Done, /export

# Slots of the counters the processes share.
_ASKED = 0  # transactions that asked to begin
_OPEN = 1  # asked to begin and not yet ended, in all processes
_OVERLAPPED = 2  # asked while another process had a transaction open
_WAITED = 3  # asked while another process held the write lock
_MOST_OPEN = 4
_WRITING = 5  # begun and not yet ended; on SQLite, holding the write lock
_MOST_WRITING = 6
_SLOTS = 7


@dataclass(frozen=True)
class Counts:
    """What the shared counters saw, over all processes."""

    transactions: int
    overlapped: int
    waited_for_writer: int
    most_open: int
    most_writing: int
    left_open: int

    def __str__(self) -> str:
        return (
            f"transactions={self.transactions} overlapped={self.overlapped} "
            f"waited_for_writer={self.waited_for_writer} most_open={self.most_open} "
            f"most_writing={self.most_writing} left_open={self.left_open}"
        )


@dataclass(frozen=True)
class WriterReport:
    """What one process hands back: each of its runners' whole chat, its warnings."""

    index: int
    chats: list[str]
    warnings: list[str]


class _TransactionWatch:
    """Counts, in the shared memory, the transactions open at one moment.

    A transaction is open from when it asks the database to begin (on SQLite, as
    ``BEGIN IMMEDIATE`` is sent, which waits there while another process holds the
    write lock) until its commit or rollback starts. What this process itself has open
    is left out, so every overlap counted is with another process.
    """

    def __init__(self, shared: SynchronizedArray[int]) -> None:
        self.shared = shared
        self.open = 0
        self.writing = 0

    def attach(self, engine: AsyncEngine) -> None:
        sync_engine = engine.sync_engine
        if engine.dialect.name == "sqlite":
            # The engine's own "begin" listener sends BEGIN IMMEDIATE ...
            event.listen(sync_engine, "before_cursor_execute", self._before_execute)
        else:
            event.listen(sync_engine, "begin", self._asking)
        # ... and this one, registered after it, runs once the transaction has begun.
        event.listen(sync_engine, "begin", self._begun)
        # Both fire before the COMMIT or ROLLBACK itself: a transaction counts as ended
        # a little early, which can hide an overlap but never make one up.
        event.listen(sync_engine, "commit", self._ending)
        event.listen(sync_engine, "rollback", self._ending)

    def _before_execute(self, connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            self._asking(connection)

    def _asking(self, _connection: Any) -> None:
        counts = self.shared
        with counts.get_lock():
            counts[_ASKED] += 1
            if counts[_OPEN] > self.open:
                counts[_OVERLAPPED] += 1
            if counts[_WRITING] > self.writing:
                counts[_WAITED] += 1
            counts[_OPEN] += 1
            counts[_MOST_OPEN] = max(counts[_MOST_OPEN], counts[_OPEN])
            self.open += 1

    def _begun(self, _connection: Any) -> None:
        counts = self.shared
        with counts.get_lock():
            counts[_WRITING] += 1
            counts[_MOST_WRITING] = max(counts[_MOST_WRITING], counts[_WRITING])
            self.writing += 1

    def _ending(self, _connection: Any) -> None:
        counts = self.shared
        with counts.get_lock():
            counts[_WRITING] -= 1
            counts[_OPEN] -= 1
            self.writing -= 1
            self.open -= 1


class _Warnings(logging.Handler):
    """Every warning or error logged in the process, such as a failed step."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(self.format(record))


async def warm_up(coach: Coach, n: int) -> str:
    """Runner ``n`` goes through the whole warm-up and exports their data."""
    chat = Chat(coach, ConversationKey("terminal", f"chat-{n}", f"user-{n}"))
    await chat.command("start")
    await chat.press("I understand")
    await chat.command("warmup")
    await chat.press("Sore")
    await chat.press("No, just stiff or fine")
    for _ in range(3):
        await chat.press("Done")
    await chat.command("export")
    return chat.all_text()


async def _serve(
    url: str,
    content: Content,
    chats: range,
    start: Barrier,
    shared: SynchronizedArray[int],
) -> list[str]:
    engine = create_engine(url)
    _TransactionWatch(shared).attach(engine)
    try:
        coach = build_coach(session_factory(engine), content, clock=FakeClock())
        start.wait()  # every process is ready: from here they all write together
        return list(await asyncio.gather(*(warm_up(coach, n) for n in chats)))
    finally:
        await engine.dispose()


def _writer(
    url: str,
    content: Content,
    index: int,
    chats: range,
    start: Barrier,
    shared: SynchronizedArray[int],
    reports: Queue[WriterReport],
) -> None:
    """One bot process: its runners warm up at the same time, on the shared database."""
    warnings = _Warnings()
    logging.getLogger().addHandler(warnings)
    try:
        texts = asyncio.run(_serve(url, content, chats, start, shared))
    except BaseException:
        reports.put(WriterReport(index, [], [*warnings.messages, traceback.format_exc()]))
        raise
    reports.put(WriterReport(index, texts, warnings.messages))


def run_writers(
    url: str, content: Content, *, processes: int, chats_each: int, deadline_s: float
) -> tuple[list[WriterReport], Counts]:
    """Start the processes together and wait for all of them, at most ``deadline_s``.

    Blocks: call it from a thread when an event loop is running.
    """
    context = multiprocessing.get_context("spawn")  # no copy of the caller's loop or threads
    shared = context.Array(ctypes.c_long, _SLOTS)
    start = context.Barrier(processes)
    reports: Queue[WriterReport] = context.Queue()
    workers = [
        context.Process(
            target=_writer,
            args=(
                url,
                content,
                i,
                range(i * chats_each, (i + 1) * chats_each),
                start,
                shared,
                reports,
            ),
            name=f"writer-{i}",
            daemon=True,
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    received: list[WriterReport] = []
    try:
        for _ in workers:
            # Waits by polling the pipe: a relative timeout, not a wall-clock deadline.
            received.append(reports.get(timeout=deadline_s))
            if not received[-1].chats:
                break  # it failed, and the others may wait for it at the start forever
    except queue.Empty:
        raise AssertionError(
            f"only {len(received)} of {processes} writer processes reported within "
            f"{deadline_s:.0f} s"
        ) from None
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
                worker.join()
    with shared.get_lock():
        values = shared[:]
    counts = Counts(
        transactions=values[_ASKED],
        overlapped=values[_OVERLAPPED],
        waited_for_writer=values[_WAITED],
        most_open=values[_MOST_OPEN],
        most_writing=values[_MOST_WRITING],
        left_open=values[_OPEN],
    )
    return sorted(received, key=lambda report: report.index), counts
