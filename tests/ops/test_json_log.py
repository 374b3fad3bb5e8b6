"""LOG_FORMAT=json: one JSON object a line, fields a collector can filter on, no secrets."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from bot.logging_setup import setup_logging

SECRET = "sekrit-webhook-value-1234"


@pytest.fixture
def lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    setup_logging("INFO", secrets=[SECRET], json=True)
    yield buffer
    root.handlers[:] = saved
    root.setLevel(level)


def test_each_event_is_one_json_object_with_its_pairs_as_fields(lines: io.StringIO) -> None:
    log = logging.getLogger("bot.test")
    log.info("reminder_sent chat=%s late_s=%d", "5001", 3)
    log.warning("telegram_flood_wait chat=5001 seconds=2 attempt=1 token=%s", SECRET)
    first, second = (json.loads(line) for line in lines.getvalue().splitlines())
    assert first["event"] == "reminder_sent"
    assert (first["chat"], first["late_s"], first["level"]) == ("5001", "3", "INFO")
    assert first["logger"] == "bot.test"
    assert second["token"] == "[redacted]"
    assert SECRET not in lines.getvalue()


def test_a_traceback_stays_inside_its_line_and_is_scrubbed(lines: io.StringIO) -> None:
    try:
        raise RuntimeError(f"could not reach https://api.telegram.org/bot{SECRET}/getMe")
    except RuntimeError:
        logging.getLogger("bot.test").exception("telegram_start_failed attempt=2")
    [line] = lines.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["event"] == "telegram_start_failed"
    assert "RuntimeError" in entry["error"]
    assert SECRET not in line


def test_a_message_that_is_not_an_event_is_kept_whole(lines: io.StringIO) -> None:
    logging.getLogger("aiohttp.access").warning("Unclosed client session: 3 left")
    [line] = lines.getvalue().splitlines()
    entry = json.loads(line)
    assert "event" not in entry
    assert entry["message"] == "Unclosed client session: 3 left"
