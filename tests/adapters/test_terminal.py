"""The terminal chat: the same coach through numbered choices, typed or piped."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.adapters.terminal import TerminalAdapter, parse_line
from bot.core.engine import Coach
from bot.core.messages import Choice, ChoiceMade, Command, Text
from tests.conftest import ROOT

WARMUP_SCRIPT = "/start\n1\n/warmup\n2\n2\n1\nskip\nDone\n"


def test_parse_line_maps_numbers_labels_and_commands() -> None:
    choices = (Choice("Done", "v1:0000:abcdef:wu.done"), Choice("Skip", "v1:0000:abcdef:wu.skip"))
    assert parse_line("/warmup now", choices) == Command("warmup", "now")
    assert parse_line("/WarmUp", choices) == Command("warmup", "")
    assert parse_line("2", choices) == ChoiceMade("v1:0000:abcdef:wu.skip")
    assert parse_line(" done ", choices) == ChoiceMade("v1:0000:abcdef:wu.done")
    assert parse_line("3", choices) == Text("3")  # no third button: plain text
    assert parse_line("/", choices) == Text("/")


async def test_scripted_warmup_through_the_adapter(coach: Coach, tmp_path: Path) -> None:
    out = io.StringIO()
    adapter = TerminalAdapter(
        coach.handle,
        stdin=io.StringIO(WARMUP_SCRIPT + "/export\n"),
        stdout=out,
        export_dir=tmp_path,
    )
    await adapter.run()
    transcript = out.getvalue()
    assert "  [1] I understand" in transcript
    assert "Drill 1 of 3: Bouncing lunges" in transcript
    assert "  [1] Done\n  [2] Skip\n  [3] Stop" in transcript
    assert "2 of 3 drills done, skipped 1" in transcript
    assert "> /warmup" in transcript  # piped input is echoed so the transcript reads well
    [export] = list(tmp_path.glob("*.json"))
    assert json.loads(export.read_text())["data"]["checkins"][0]["soreness"] == 2


async def test_each_export_is_a_new_file_only_its_owner_can_read(
    coach: Coach, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    for _ in range(2):  # the same day, the same runner: neither file replaces the other
        adapter = TerminalAdapter(
            coach.handle, stdin=io.StringIO("/export\n"), stdout=io.StringIO(), export_dir=exports
        )
        await adapter.run()
    files = sorted(exports.glob("hipcoach-export-*.json"))
    assert len(files) == 2
    assert all(json.loads(f.read_text())["data"]["users"] for f in files)
    assert {f.stat().st_mode & 0o777 for f in files} == {0o600}
    assert exports.stat().st_mode & 0o777 == 0o700


async def test_an_export_that_cannot_be_written_says_so_in_one_line(
    coach: Coach, tmp_path: Path
) -> None:
    blocked = tmp_path / "exports"
    blocked.write_text("a file where the export folder should be")
    out = io.StringIO()
    adapter = TerminalAdapter(
        coach.handle, stdin=io.StringIO("/export\n/help\n"), stdout=out, export_dir=blocked
    )
    await adapter.run()
    transcript = out.getvalue()
    [line] = [x for x in transcript.splitlines() if "couldn't save your export" in x]
    assert str(blocked) in line
    assert "Traceback" not in transcript
    assert "/warmup" in transcript.split("> /help")[1]  # the chat carries on
    assert blocked.read_text() == "a file where the export folder should be"


async def test_proactive_messages_are_printed(coach: Coach) -> None:
    out = io.StringIO()
    adapter = TerminalAdapter(coach.handle, stdin=io.StringIO(""), stdout=out)
    from bot.core.messages import Reply

    await adapter.send(adapter.key, Reply("Your run is soon", (Choice("Start", "v1:0000:-:x"),)))
    assert "Your run is soon\n  [1] Start" in out.getvalue()
    assert adapter.choices[0].label == "Start"


async def test_each_listed_reminder_can_be_picked_by_number(coach: Coach, tmp_path: Path) -> None:
    script = (
        "/start\n1\n/timezone Europe/London\n/remind tue 07:00\n/remind thu 08:00\n/reminders\n1\n"
    )
    out = io.StringIO()
    adapter = TerminalAdapter(coach.handle, stdin=io.StringIO(script), stdout=out)
    await adapter.run()
    listing = out.getvalue().split("> /reminders")[1].split("> 1")[0]
    assert "Tue, 30 minutes before your 07:00 run." in listing
    assert "  [1] Pause\n  [2] Edit\n  [3] Delete" in listing
    assert "  [4] Pause\n  [5] Edit\n  [6] Delete" in listing
    # "1" is the first reminder's Pause, not the last one's.
    assert "Paused: Tue, 30 minutes before your 07:00 run." in out.getvalue()


def _console(tmp_path: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'coach.sqlite3'}",
        "CONTENT_DIR": str(ROOT / "content"),
    }
    env.pop("TELEGRAM_TOKEN", None)
    env.pop("DISCORD_TOKEN", None)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )


def test_piped_session_completes_and_exits_zero(tmp_path: Path) -> None:
    process = _console(tmp_path)
    out, err = process.communicate(WARMUP_SCRIPT, timeout=60)
    assert process.returncode == 0, err
    assert "2 of 3 drills done, skipped 1" in out
    assert "Traceback" not in out + err


def test_a_second_process_picks_up_where_the_first_stopped(tmp_path: Path) -> None:
    first = _console(tmp_path)
    out, err = first.communicate("/start\n1\n/warmup\n1\n2\n1\n", timeout=60)
    assert first.returncode == 0, err
    assert "Drill 2 of 3" in out
    second = _console(tmp_path)
    out, err = second.communicate("done\ndone\n", timeout=60)
    assert second.returncode == 0, err
    assert "Drill 3 of 3" in out
    assert "3 of 3 drills done" in out


def test_ctrl_c_leaves_cleanly(tmp_path: Path) -> None:
    process = _console(tmp_path)
    assert process.stdin is not None
    process.stdin.write("/start\n")
    process.stdin.flush()
    deadline = time.monotonic() + 30
    db = tmp_path / "coach.sqlite3"
    while time.monotonic() < deadline and not (db.exists() and db.stat().st_size > 0):
        time.sleep(0.05)
    time.sleep(0.5)  # let the chat reach its prompt
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in err
    assert "Hip Coach" in out


def _cli(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot ARGS`` from the repository with extra environment settings."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", ["console", "run", "migrate", "check-content"])
def test_every_command_has_help(command: str) -> None:
    result = _cli(command, "--help")
    assert result.returncode == 0
    assert "usage: hipcoach" in result.stdout


@pytest.mark.parametrize(
    ("name", "value"), [("LOG_LEVEL", "LOUD"), ("LOG_FORMAT", "xml"), ("HEALTH_PORT", "99999")]
)
def test_bad_setting_prints_one_line_and_exits_2(name: str, value: str) -> None:
    result = _cli("check-content", **{name: value})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert name in result.stderr


def test_bad_database_url_names_it() -> None:
    result = _cli("migrate", DATABASE_URL="mysql://nope")
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        result = _cli("migrate", DATABASE_URL=f"sqlite:///{tmp_path / 'm.sqlite3'}")
        assert result.returncode == 0, result.stderr
        assert "database at migration" in result.stdout


def test_check_content_reports_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(ROOT / "content", broken)
    (broken / "drills.yaml").write_text("placement: {}\n", encoding="utf-8")
    result = _cli("check-content", CONTENT_DIR=str(broken))
    assert result.returncode == 2
    assert "drills.yaml: placement.text: Field required" in result.stderr


def test_the_readme_scripted_session_completes_a_warmup(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if x.startswith("printf '/start"))
    script = line.split("'")[1].encode().decode("unicode_escape")
    process = _console(tmp_path)
    out, err = process.communicate(script, timeout=60)
    assert process.returncode == 0, err
    assert "You finished the warm-up: 3 of 3 drills done." in out


def test_run_without_tokens_opens_the_terminal_chat(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'coach.sqlite3'}",
        "CONTENT_DIR": str(ROOT / "content"),
    }
    for name in ("TELEGRAM_TOKEN", "DISCORD_TOKEN"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="/start\n1\n/help\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Hip Coach in your terminal" in result.stdout
    assert "/warmup - " in result.stdout
