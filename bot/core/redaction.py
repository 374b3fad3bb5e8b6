"""Secrets out of every log record: known tokens, and anything shaped like a bot token.

The process-wide :data:`REDACTOR` runs as a filter on the root handler
(``bot.logging_setup``), so it also covers records from libraries (python-telegram-bot
logs its Bot API URL at DEBUG, and that URL contains the bot token). Adapters register
their tokens with ``REDACTOR.add`` before their first request.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Shapes of platform tokens, scrubbed even if a token is not registered as a secret.
_TOKEN_SHAPES = (
    re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}"),  # Telegram bot token
    re.compile(r"[A-Za-z0-9_-]{20,30}\.[A-Za-z0-9_-]{5,8}\.[A-Za-z0-9_-]{25,45}"),  # Discord
)
REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    """Replaces known secrets and anything shaped like a bot token in log records."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def add(self, secret: str) -> None:
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        for shape in _TOKEN_SHAPES:
            text = shape.sub(REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, scrubbed, so no formatter sees the raw text.
            formatter = logging.Formatter()
            record.exc_text = self.scrub(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        if scrubbed != message or record.args:
            record.msg, record.args = scrubbed, None
        return True


REDACTOR = RedactSecrets()
"""The process-wide filter; adapters register their tokens with ``REDACTOR.add``."""
