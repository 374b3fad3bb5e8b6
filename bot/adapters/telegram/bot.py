"""python-telegram-bot's ``ExtBot``, plus writes that don't read back what Telegram echoes.

``sendMessage`` and ``editMessageText`` answer with the whole message, buttons included,
and python-telegram-bot turns that into a ``Message`` of nested objects: about 0.2 ms
each, a tenth of the Telegram process's CPU time under ``bench/telegram.py``. Text
replies and the edit of a pressed message never look at the result, so they go through
:meth:`CoachBot.write`, which is the same request with the same errors, unparsed.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import ExtBot


class CoachBot(ExtBot[None]):
    async def write(self, method: str, **params: Any) -> None:
        """Call Bot API ``method`` (``None`` parameters are left out); its result is
        dropped. Raises the same :class:`telegram.error.TelegramError` kinds as the
        typed methods (``RetryAfter``, ``Forbidden``, ``BadRequest`` ...)."""
        await self._post(method, params)

    async def write_message(self, method: str, **params: Any) -> int | None:
        """As :meth:`write`, for a method that answers with a message: its id."""
        result = await self._post(method, params)
        found = result.get("message_id") if isinstance(result, dict) else None
        return found if isinstance(found, int) else None
