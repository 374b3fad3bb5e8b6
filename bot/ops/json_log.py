"""``LOG_FORMAT=json``: one JSON object a line, for log collectors.

The coach's messages read ``event key=value ...``; the event and each pair become
fields of their own, so a collector can filter on ``event`` or ``chat`` without parsing.
The redaction filter has already run when a record reaches this formatter.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

_PAIR = re.compile(r"(?:^|\s)([a-z_][a-z0-9_]*)=(\S*)")
_EVENT = re.compile(r"[a-z][a-z0-9_]*")
_RESERVED = frozenset({"time", "level", "logger", "event", "message", "error"})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        head = message.split(" ", 1)[0]
        if _EVENT.fullmatch(head):
            entry["event"] = head
            for key, value in _PAIR.findall(message[len(head) :]):
                if key not in _RESERVED:
                    entry.setdefault(key, value)
        entry["message"] = message
        if record.exc_text:
            entry["error"] = record.exc_text
        elif record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
