"""One bot per token: a second process on the same token stands by, or refuses to start.

Telegram lets one process poll a token (a second gets 409 Conflict), and two processes
sending for one bot would each pace themselves to the whole of its limit and draw 429s.
So a process leads a token before it starts that platform: it takes a lock named by a
hash of the token (the token itself is never written anywhere, nor logged).

- **PostgreSQL** (:class:`AdvisoryTokenLock`): a session advisory lock
  (``pg_try_advisory_lock``), held on a connection of its own for as long as the
  process leads. A second process on the same database stands by: it logs
  ``token_standby`` once, tries again every second, and takes over as soon as the
  leader's connection goes, which the server notices at once when the leader dies,
  however it dies. The leader checks its connection every few seconds; if it is lost,
  the lock is gone too, and the process stops rather than poll beside a new leader.
  Several workers share a Discord token by running different gateway shards: each
  shard has a lock of its own (:func:`shard_key`), and a worker takes all of its shards
  at once or none (so two workers whose shards overlap never each hold half and wait
  on the other: the second stands by for them all).
- **SQLite** (:class:`FileTokenLock`): SQLite serves one process, so a second one is
  refused with one line (:class:`AlreadyRunning`). The lock is an OS file lock
  (``flock``) on a file in ``DATA_DIR``, which the OS releases when the process ends.

:class:`Leadership` takes a process's locks in a fixed order (so two processes never
wait on each other), gives up waiting when the process is told to stop, and tells the
process when a lock is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.ops.metrics import LEADER

log = logging.getLogger(__name__)

RETRY_EVERY = 1.0  # seconds between a stand-by's attempts
CHECK_EVERY = 5.0  # seconds between the leader's checks of its lock connection
SAY_EVERY = 60.0  # seconds between log lines about a database that is away
LOCK_DIR_MODE = 0o700


class AlreadyRunning(Exception):
    """Another process already runs this bot token, and there is no stand-by role here."""


class LeadershipLost(Exception):
    """A token lock this process held went with its database connection: it stopped."""


def token_digest(platform: str, token: str) -> bytes:
    return hashlib.sha256(f"hipcoach:{platform}:{token}".encode()).digest()


def advisory_key(platform: str, token: str) -> int:
    """A signed 64-bit key for ``pg_advisory_lock``, from a hash of the token."""
    return int.from_bytes(token_digest(platform, token)[:8], "big", signed=True)


def shard_key(token: str, shard: int, shard_count: int) -> int:
    """The lock of one Discord gateway shard (of ``shard_count``) of this bot."""
    return advisory_key("discord", f"{token}\nshard {shard} of {shard_count}")


class TokenLock(Protocol):
    platform: str
    lost: asyncio.Event
    """Set when a lock that was held is gone (its connection broke)."""

    @property
    def order(self) -> int:
        """Locks are taken in this order."""
        ...

    async def acquire(self) -> None:
        """Return once the lock is held; raises :class:`AlreadyRunning` where a second
        process can't wait (SQLite)."""
        ...

    async def release(self) -> None:
        """Let go (nothing happens if it is not held)."""
        ...


class FileTokenLock:
    """``flock`` on ``<directory>/<platform>-<hash>.lock``."""

    def __init__(self, platform: str, token: str, directory: Path) -> None:
        self.platform = platform
        self.lost = asyncio.Event()
        digest = token_digest(platform, token)
        self.path = directory / f"{platform}-{digest.hex()[:16]}.lock"
        self.order = int.from_bytes(digest[:8], "big")
        self._fd: int | None = None

    async def acquire(self) -> None:
        self.path.parent.mkdir(mode=LOCK_DIR_MODE, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(
                f"another process is already running the {self.platform} bot with this "
                f"token (it holds {self.path}): stop it first; for a stand-by process, "
                "use PostgreSQL"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for a person looking
        self._fd = fd
        log.info("token_lock_held platform=%s kind=file", self.platform)

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class AdvisoryTokenLock:
    """A PostgreSQL session advisory lock on a connection of its own; with ``keys``,
    several (a Discord worker's shards), all held on that connection or none."""

    def __init__(
        self,
        engine: AsyncEngine,
        platform: str,
        token: str,
        *,
        keys: Sequence[int] = (),
        what: str = "",
        retry_every: float = RETRY_EVERY,
        check_every: float = CHECK_EVERY,
    ) -> None:
        """``what``: what the keys stand for, in the log lines (``shards=0,1``)."""
        self.platform = platform
        self.lost = asyncio.Event()
        self.keys = sorted(set(keys)) or [advisory_key(platform, token)]
        self.key = self.keys[0]
        self.order = self.key
        self._what = f" {what}" if what else ""
        self._engine = engine
        self._retry_every = retry_every
        self._check_every = check_every
        self._connection: AsyncConnection | None = None
        self._watch: asyncio.Task[None] | None = None

    async def acquire(self) -> None:
        said_standby = False
        said_unavailable_at: float | None = None
        while True:
            try:
                if await self._try():
                    break
            except Exception as exc:  # the server is away: keep trying, say so once a minute
                now = time.monotonic()
                if said_unavailable_at is None or now - said_unavailable_at >= SAY_EVERY:
                    said_unavailable_at = now
                    log.warning(
                        "token_lock_unavailable platform=%s error=%s",
                        self.platform,
                        type(exc).__name__,
                    )
            if not said_standby:
                said_standby = True
                log.warning(
                    "token_standby platform=%s%s: another process runs this bot on this "
                    "database; standing by to take over when it stops",
                    self.platform,
                    self._what,
                )
            await asyncio.sleep(self._retry_every)
        log.info(
            "token_lock_held platform=%s%s kind=advisory took_over=%s",
            self.platform,
            self._what,
            said_standby,
        )
        self._watch = asyncio.create_task(self._check(), name=f"token-lock-{self.platform}")

    async def release(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await self._unlock(connection, self.keys)
            await connection.close()
        except Exception:
            # Closing the session releases the lock just the same.
            with contextlib.suppress(Exception):
                await connection.invalidate()

    async def _try(self) -> bool:
        connection = await self._engine.connect()
        try:
            # Autocommit: the lock belongs to the session, and no transaction stays open.
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            taken: list[int] = []
            for key in self.keys:
                got = await connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
                )
                if not got:
                    break
                taken.append(key)
            if len(taken) < len(self.keys):
                await self._unlock(connection, taken)  # all or none
        except BaseException:
            await connection.invalidate()
            raise
        if len(taken) == len(self.keys):
            self._connection = connection
            return True
        await connection.close()
        return False

    @staticmethod
    async def _unlock(connection: AsyncConnection, keys: Sequence[int]) -> None:
        for key in keys:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})

    async def _check(self) -> None:
        while True:
            await asyncio.sleep(self._check_every)
            connection = self._connection
            if connection is None:
                return
            try:
                await connection.scalar(text("SELECT 1"))
            except Exception as exc:
                log.error(
                    "token_lock_lost platform=%s error=%s: the lock went with its connection",
                    self.platform,
                    type(exc).__name__,
                )
                self._connection = None
                with contextlib.suppress(Exception):
                    await connection.invalidate()
                self.lost.set()
                return


class Leadership:
    """The locks of every platform token a process runs (none for the terminal chat)."""

    def __init__(self, locks: Sequence[TokenLock], watched: Sequence[TokenLock] = ()) -> None:
        """``watched``: locks taken elsewhere (the poller's, by its adapter) whose loss
        stops the process all the same."""
        self.locks = sorted(locks, key=lambda lock: lock.order)
        self.watched = list(watched)
        self.lost = False
        self._held: list[TokenLock] = []
        self._watch: asyncio.Task[None] | None = None

    async def take(self, stop: asyncio.Event) -> bool:
        """Hold every lock, waiting as a stand-by where the database allows it. False
        when ``stop`` was set first. Raises :class:`AlreadyRunning` (nothing held)."""
        if not self.locks:
            if self.watched:
                self._watch = asyncio.create_task(self._watch_lost(stop))
            return True
        taking = asyncio.create_task(self._take_all())
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({taking, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            taking.cancel()  # nothing happens if it is done
            await asyncio.gather(taking, stopping, return_exceptions=True)
        failure = None if taking.cancelled() else taking.exception()
        if taking.cancelled() or failure is not None:
            await self.release()
            if failure is not None:
                raise failure
            return False
        self._watch = asyncio.create_task(self._watch_lost(stop))
        for lock in self.locks:
            LEADER.labels(f"{lock.platform}_token").set(1)
        return True

    async def release(self) -> None:
        for lock in self.locks:
            LEADER.labels(f"{lock.platform}_token").set(0)
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        while self._held:
            lock = self._held.pop()
            try:
                await lock.release()
            except Exception:
                log.exception("token_lock_release_failed platform=%s", lock.platform)

    async def _take_all(self) -> None:
        for lock in self.locks:
            await lock.acquire()
            self._held.append(lock)

    async def _watch_lost(self, stop: asyncio.Event) -> None:
        waits = [asyncio.create_task(lock.lost.wait()) for lock in [*self._held, *self.watched]]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        self.lost = True
        stop.set()
