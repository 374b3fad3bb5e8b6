"""Logging: one key=value line per event (or one JSON object, ``LOG_FORMAT=json``), with
every secret scrubbed from every record.

The redaction (``bot.core.redaction``) runs as a filter on the root handler, so it also
covers records from libraries.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from bot.core.redaction import REDACTOR
from bot.ops.json_log import JsonFormatter


def setup_logging(level: str, secrets: Iterable[str] = (), *, json: bool = False) -> None:
    for secret in secrets:
        REDACTOR.add(secret)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if json
        else logging.Formatter("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    )
    handler.addFilter(REDACTOR)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Request lines at INFO are noise (and carry the token); warnings still come through.
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
