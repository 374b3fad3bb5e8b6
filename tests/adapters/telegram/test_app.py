"""``python -m bot run`` with a Telegram token: the Telegram bot, not the terminal chat.

SIGTERM stops fetching, lets the updates in hand finish and exits 0.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from tests.adapters.telegram_harness import FAST_FLOOD, assert_clean, sent_message
from tests.standins.telegram_api import TelegramStandIn

ROOT = Path(__file__).resolve().parents[3]


async def test_run_serves_telegram_and_a_sigterm_finishes_the_updates_in_hand(
    tmp_path: Path,
) -> None:
    async with TelegramStandIn(rate_limits=FAST_FLOOD) as api:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "DISCORD_", "DATABASE_URL", "PORT"))
        }
        env.update(
            TELEGRAM_TOKEN=api.token,
            TELEGRAM_API_URL=api.base_url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'coach.sqlite3'}",
            CONTENT_DIR=str(ROOT / "content"),
            LOG_LEVEL="DEBUG",
        )
        log_path = tmp_path / "stderr.log"
        with log_path.open("wb") as log_file:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=tmp_path,
                env=env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log_file,
            )
            try:
                api.wait_seconds = 30  # a fresh interpreter importing everything
                await api.wait_for(lambda c: c.method == "getUpdates")
                api.wait_seconds = 10
                runner = api.user()
                chat = api.private_chat(runner)
                api.send_command(chat, runner, "start")
                await api.wait_for(sent_message(chat, buttons=True))

                # An update in hand when the signal comes is still answered.
                update_id = api.send_command(chat, runner, "help")
                await api.wait_delivered(update_id)
                process.send_signal(signal.SIGTERM)
                stopping = time.monotonic()
                stdout, _ = await asyncio.wait_for(process.communicate(b"/help\n"), timeout=20)
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
        took = time.monotonic() - stopping

    assert process.returncode == 0
    assert took < 20
    assert any("/warmup" in c.params["text"] for c in api.sent_to(chat) if "text" in c.params)
    assert stdout == b""  # the terminal chat did not start
    logged = log_path.read_text()
    assert "telegram_started" in logged
    assert "telegram_stopped" in logged
    assert api.token not in logged
    assert_clean(api)
