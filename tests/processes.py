"""A real ``python -m bot run`` started from a scratch folder, its log lines kept: the one
way the fault, worker and bench scenarios start a worker process."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_PREFIXES = ("TELEGRAM_", "DISCORD_", "REMINDER_", "DATABASE_")
"""Settings of this shell that never reach the worker: each scenario names its own."""


class BotRun:
    """``python -m bot run`` on ``url``, with ``settings`` on top of the common ones."""

    def __init__(self, url: str, workdir: Path) -> None:
        self.url = url
        self.workdir = workdir
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    def settings(self) -> Mapping[str, str]:
        """The platform's settings for this worker; subclasses name theirs."""
        return {}

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            key: value for key, value in os.environ.items() if not key.startswith(PLATFORM_PREFIXES)
        }
        env |= {
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.url,
            "CONTENT_DIR": str(ROOT / "content"),
            "DATA_DIR": str(self.workdir / "data"),
            "LOG_LEVEL": "INFO",
        }
        env |= self.settings()
        # Started from a scratch folder so no developer's .env is read.
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=self.workdir,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip())

    def signal(self, number: int) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    async def wait(self, seconds: float = 30.0) -> int | None:
        """The exit code, or None (and a kill) if it took longer than ``seconds``."""
        assert self.process is not None
        try:
            async with asyncio.timeout(seconds):
                code = await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            code = None
        if self._reader is not None:
            await self._reader
        return code

    def log_lines(self, event: str) -> list[str]:
        """The log lines of one event (its name as a whole word)."""
        return [line for line in self.lines if f" {event} " in f"{line} "]

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.lines)
