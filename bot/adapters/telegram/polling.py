"""Long polling that tells Telegram an update is done only once its step has committed.

Telegram forgets every update below the ``offset`` a ``getUpdates`` call sends.
python-telegram-bot's updater sends the offset past everything it has *fetched*, so
updates fetched and still waiting for a handler died with a killed process (47 a kill at
60 updates a second). Here the offset is the lowest update still in hand
(:class:`Offsets`): everything below it has been handled, its step committed (its
replies kept in the outbox), or was nothing for the coach.

Updates are handed to ``take`` as they arrive, each once. A call that brings back only
updates already in hand (the lowest one is slow, so the offset can't move) waits for
one of them to finish before asking again. Polling errors are logged and retried with
back-off; a 409 Conflict (a webhook set, or another poller on the token despite the
token lock) too, so the cause shows in the log. A token Telegram rejects stops polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.adapters.supervise import Backoff
from bot.adapters.telegram.bot import CoachBot

log = logging.getLogger(__name__)

FETCH_LIMIT = 100  # Telegram's own maximum per getUpdates
WAIT_FOR_PROGRESS = 1.0  # seconds, at most, before asking again with nothing new
CONFLICT_WAIT = 5.0

Take = Callable[[Update], Awaitable[object]]


class Offsets:
    """Which fetched updates are still in hand, and so which offset confirms the rest."""

    def __init__(self) -> None:
        self._in_hand: set[int] = set()
        self._fetched: set[int] = set()  # since the last offset sent
        self._offset: int | None = None
        self.progress = asyncio.Event()

    def fetched(self, update_id: int) -> bool:
        """Note an update Telegram returned; False if it is in hand, or done and not yet
        confirmed. (One Telegram sends again from below the offset is taken: the core's
        record of handled updates knows it.)"""
        if update_id in self._fetched:
            return False
        self._fetched.add(update_id)
        self._in_hand.add(update_id)
        return True

    def done(self, update_id: int) -> None:
        self._in_hand.discard(update_id)
        self.progress.set()

    @property
    def in_hand(self) -> int:
        return len(self._in_hand)

    def offset(self) -> int | None:
        """What the next getUpdates sends: the lowest update in hand, else one past the
        highest fetched (``None`` before anything was fetched)."""
        if self._in_hand:
            offset = min(self._in_hand)
        elif self._fetched:
            offset = max(self._fetched) + 1
        else:
            return self._offset
        self._offset = offset
        self._fetched = {update_id for update_id in self._fetched if update_id >= offset}
        return offset


class Poller:
    """``start`` begins polling in a task; ``stop`` ends it at once, then waits (up to
    ``within`` seconds) for the updates in hand."""

    def __init__(
        self,
        bot: CoachBot,
        take: Take,
        *,
        timeout: float,
        allowed_updates: Sequence[str],
        backoff: Backoff | None = None,
    ) -> None:
        self._bot = bot
        self._take = take
        self._timeout = timeout
        self._allowed = list(allowed_updates)
        self._backoff = backoff or Backoff(initial=1.0, maximum=30.0)
        self.offsets = Offsets()
        self._task: asyncio.Task[None] | None = None
        self._in_hand: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll(), name="telegram-polling")

    async def stop(self, within: float) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._in_hand:
            _, late = await asyncio.wait(self._in_hand, timeout=within)
            if late:
                # Not committed: Telegram was never told, and delivers them again.
                log.warning("telegram_updates_unfinished_at_stop count=%d", len(late))
                for step in late:
                    step.cancel()
                await asyncio.gather(*late, return_exceptions=True)

    async def _poll(self) -> None:
        delays = self._backoff.delays()
        offsets = self.offsets
        while True:
            offsets.progress.clear()
            try:
                updates = await self._bot.get_updates(
                    offset=offsets.offset(),
                    limit=FETCH_LIMIT,
                    timeout=dtm.timedelta(seconds=self._timeout),
                    allowed_updates=self._allowed,
                )
            except InvalidToken:
                log.error("telegram_polling_stopped reason=token_rejected")
                return
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc))
                continue
            except Conflict as exc:
                log.warning("telegram_polling_conflict error=%s", exc.message)
                await asyncio.sleep(CONFLICT_WAIT)
                continue
            except TelegramError as exc:
                delay = delays.next()
                log.warning(
                    "telegram_polling_error error=%s: %s retry_in_s=%.1f",
                    type(exc).__name__,
                    exc.message,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            delays.reset()
            new = [update for update in updates if offsets.fetched(update.update_id)]
            for update in new:
                self._hand_over(update)
            if updates and not new:
                # Only updates in hand came back: the offset waits for the lowest one.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(WAIT_FOR_PROGRESS):
                        await offsets.progress.wait()

    def _hand_over(self, update: Update) -> None:
        step = asyncio.create_task(self._step(update))
        self._in_hand.add(step)
        step.add_done_callback(self._in_hand.discard)

    async def _step(self, update: Update) -> None:
        try:
            await self._take(update)
        except Exception:
            log.exception("telegram_update_failed update_id=%s", update.update_id)
        finally:
            self.offsets.done(update.update_id)


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the int-or-timedelta deprecation notice
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)
