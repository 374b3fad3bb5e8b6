"""The process never hangs, never crashes in silence, never exits 0 when it failed.

- Whatever standard input is (closed, ``/dev/null``, a file, a pipe, a terminal), the
  terminal chat ends at the end of it with exit code 0, and never hangs.
- A line over 1 MiB is refused whole, with one friendly line; the rest of it never runs
  as a line of its own.
- Digits that ``int()`` refuses (``²``, ``①``, 4,301 of them) get a friendly answer.
- A terminal chat that fails exits non-zero with one line, never 0 as if input ended.
- A platform that can't start leaks no aiohttp session; when none can start the process
  exits non-zero with one line naming them.
"""

from __future__ import annotations

import asyncio
import os
import pty
import subprocess
import time
from pathlib import Path

import pytest

from bot.content import Content
from tests.faults.harness import (
    assert_no_traceback,
    coach_env,
    run_coach,
    spawn,
    sqlite_url,
)
from tests.standins.telegram_api import TelegramStandIn

GREETING = "Hip Coach in your terminal."
LONG = "That's a long message!"
UNCLOSED = "Unclosed client session"
WARMUP = "/start\n1\n/warmup\n2\n2\n1\n1\n1\n"
FINISHED = "You finished the warm-up: 3 of 3 drills done."


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return coach_env(sqlite_url(tmp_path / "coach.sqlite3"), tmp_path / "data")


@pytest.mark.parametrize("command", ["run", "console"])
def test_dev_null_as_input_ends_the_chat_at_once(
    env: dict[str, str], tmp_path: Path, command: str
) -> None:
    started = time.monotonic()
    with spawn([command], env, tmp_path / "run", stdin=subprocess.DEVNULL) as coach:
        result = coach.wait(timeout=30)
    assert result.returncode == 0, result.stderr
    assert GREETING in result.stdout
    assert_no_traceback(result.stdout, result.stderr)
    assert result.stderr == ""  # nothing to warn about
    assert time.monotonic() - started < 30


def test_closed_standard_input_ends_the_chat_at_once(env: dict[str, str], tmp_path: Path) -> None:
    workdir = tmp_path / "run"
    workdir.mkdir()
    process = subprocess.run(
        ["sh", "-c", 'exec "$0" -m bot run <&-', os.environ.get("PYTHON", _python())],
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        timeout=30,
        check=False,
    )
    assert process.returncode == 0, process.stderr
    assert GREETING in process.stdout
    assert_no_traceback(process.stdout, process.stderr)


def test_a_script_in_a_file_runs_to_its_end(env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text(WARMUP.rstrip("\n"))  # no newline after the last line, either
    with script.open("rb") as handle:
        coach = spawn(["console"], env, tmp_path / "run", stdin=handle.fileno())
        result = coach.wait()
    assert result.returncode == 0, result.stderr
    assert FINISHED in result.stdout
    assert_no_traceback(result.stdout, result.stderr)


def test_a_terminal_ends_the_chat_at_ctrl_d(env: dict[str, str], tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    try:
        coach = spawn(["console"], env, tmp_path / "run", stdin=terminal)
        os.close(terminal)
        terminal = -1
        coach.wait_for(GREETING)
        os.write(controller, b"/help\n")
        coach.wait_for("/warmup - ")
        os.write(controller, b"\x04")  # Ctrl-D at the start of a line: end of input
        result = coach.wait(timeout=30)
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    assert result.returncode == 0, result.stderr
    assert "> /help" not in result.stdout  # typed at a terminal: not echoed
    assert_no_traceback(result.stdout, result.stderr)


@pytest.mark.parametrize("through", ["pipe", "file"])
def test_a_line_over_a_mebibyte_is_refused_whole(
    env: dict[str, str], tmp_path: Path, through: str
) -> None:
    # 1.5 MiB of text that would be a command and a button press if it were split.
    overlong = "/help " + "1" * (3 << 19)
    script = f"/start\n1\n/warmup\n{overlong}\n/cancel\n{overlong}"  # the last one at EOF
    if through == "pipe":
        result = run_coach(["console"], env, tmp_path / "run", input=script)
    else:
        path = tmp_path / "script.txt"
        path.write_text(script)
        with path.open("rb") as handle:
            result = spawn(["console"], env, tmp_path / "run", stdin=handle.fileno()).wait()
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    assert result.stdout.count(LONG) == 2
    assert "Here's what I can do" not in result.stdout  # the start of it never ran
    assert "Okay, stopped." in result.stdout  # the line after it did
    assert len(result.stdout) < 20_000  # the echo is shortened too


@pytest.mark.parametrize("typed", ["²", "¹⁰", "①", "9" * 4301, "٣", "７"])
def test_digits_int_refuses_get_a_friendly_answer(
    env: dict[str, str], tmp_path: Path, typed: str, content: Content
) -> None:
    result = run_coach(
        ["console"], env, tmp_path / "run", input=f"/start\n1\n/warmup\n{typed}\n/tight\n{typed}\n"
    )
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    assert content.texts.common.error not in result.stdout
    answer = result.stdout.split(f"> {typed[:200]}")[1].split("> /tight")[0]
    assert answer.strip()
    assert len(answer) < 1000


def test_a_chat_that_fails_exits_non_zero_with_one_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    bug = (
        "import bot.adapters.terminal as terminal\n"
        "def broken(self, outcome):\n"
        "    raise RuntimeError('a bug in showing the answer')\n"
        "terminal.TerminalAdapter._show_outcome = broken\n"
    )
    result = run_coach(["console"], env, tmp_path / "run", input="/help\n", preamble=bug)
    assert result.returncode == 1, result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    [line] = result.stderr_lines
    assert "RuntimeError: a bug in showing the answer" in line


def test_nothing_reading_the_output_ends_the_chat_quietly(
    env: dict[str, str], tmp_path: Path
) -> None:
    workdir = tmp_path / "run"
    workdir.mkdir()
    process = subprocess.Popen(
        [_python(), "-m", "bot", "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=workdir,
        env=env,
    )
    assert process.stdout is not None
    process.stdout.close()  # like `hipcoach console | head -1` once head has its line
    _, err = process.communicate(b"/help\n" * 50, timeout=30)
    assert process.returncode == 0, err
    stderr = err.decode()
    assert_no_traceback(stderr)
    assert "Exception ignored" not in stderr
    assert "terminal_output_closed" in stderr


async def test_a_token_telegram_refuses_exits_1_and_leaks_no_session(
    env: dict[str, str], tmp_path: Path
) -> None:
    token = "123456789:AAE-not-the-token-telegram-knows-000000"
    async with TelegramStandIn() as api:
        platform = {
            **env,
            "TELEGRAM_TOKEN": token,
            "TELEGRAM_API_URL": api.base_url,
            "LOG_LEVEL": "INFO",
            "PYTHONDEVMODE": "1",  # ResourceWarnings shown, as a leak would give
        }
        result = await asyncio.to_thread(run_coach, ["run"], platform, tmp_path / "run")
    assert result.returncode == 1, result.stderr
    assert UNCLOSED not in result.stderr
    assert "ResourceWarning" not in result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    assert "no platform could start (telegram: InvalidToken" in result.stderr_lines[-1]
    assert token not in result.stderr


@pytest.mark.parametrize("platform", ["telegram", "discord"])
def test_a_platform_that_cannot_connect_retries_and_stops_cleanly(
    env: dict[str, str], tmp_path: Path, platform: str
) -> None:
    nowhere = "http://127.0.0.1:9"  # nothing listens on port 9: refused at once
    settings = {
        "telegram": {"TELEGRAM_TOKEN": "123:abc", "TELEGRAM_API_URL": f"{nowhere}/bot"},
        "discord": {
            "DISCORD_TOKEN": "abc.def.ghi",
            "DISCORD_API_URL": f"{nowhere}/api/v10",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/",
        },
    }[platform]
    extra = {**env, **settings, "LOG_LEVEL": "INFO", "PYTHONDEVMODE": "1"}
    with spawn(["run"], extra, tmp_path / "run", stdin=subprocess.DEVNULL) as coach:
        deadline = time.monotonic() + 30
        while "reconnecting platform=" not in coach.stderr():
            assert time.monotonic() < deadline, coach.stderr()
            time.sleep(0.1)
        time.sleep(1.0)  # a retry or two
        coach.terminate()
        result = coach.wait(timeout=30)
    assert result.returncode == 0, result.stderr
    assert UNCLOSED not in result.stderr
    assert "ResourceWarning" not in result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    assert f"connection_failed platform={platform}" in result.stderr or (
        "telegram_unreachable_at_start" in result.stderr
    )
    assert "logger=bot.app stopped" in result.stderr


def _python() -> str:
    import sys

    return sys.executable
