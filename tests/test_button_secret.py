"""The button secret: made once into the data directory, private, reused, never logged."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import settings_secrets
from bot.button_secret import FILE_NAME, load_button_secret
from bot.config import Settings
from bot.core.payloads import ANY_SCOPE, Buttons
from bot.core.redaction import REDACTOR


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None)


def test_the_secret_file_is_created_private_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BUTTON_SECRET", raising=False)
    settings = _settings(tmp_path)
    first = load_button_secret(settings)
    path = settings.data_dir / FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 32
    # A restart reads the same key back, so a button sent before it still works.
    before = Buttons(first).encode("42", ANY_SCOPE, "menu.help")
    after = Buttons(load_button_secret(_settings(tmp_path)))
    decoded = after.decode(before)
    assert decoded is not None
    assert after.owns(decoded, "42")


def test_a_button_secret_setting_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUTTON_SECRET", "s" * 40)
    settings = _settings(tmp_path)
    assert load_button_secret(settings) == b"s" * 40
    assert not (settings.data_dir / FILE_NAME).exists()
    # Redacted like the platform tokens.
    assert "s" * 40 in settings_secrets(settings)
    assert "s" * 40 not in repr(settings)


def test_a_short_button_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUTTON_SECRET", "short")
    with pytest.raises(ValueError, match="at least 32"):
        Settings(_env_file=None)


def test_the_generated_secret_is_scrubbed_from_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("BUTTON_SECRET", raising=False)
    with caplog.at_level(logging.DEBUG):
        key = load_button_secret(_settings(tmp_path))
    assert key.hex() not in caplog.text
    assert key.hex() not in REDACTOR.scrub(f"secret={key.hex()}")


def test_processes_starting_at_once_share_one_whole_key(tmp_path: Path) -> None:
    """Workers started together on one data directory: none reads a half-written key,
    and all of them sign with the same one."""
    data = tmp_path / "data"
    code = (
        "import sys; from pathlib import Path; from bot.config import Settings;"
        "from bot.button_secret import load_button_secret;"
        "sys.stdout.write(load_button_secret("
        "Settings(data_dir=Path(sys.argv[1]), _env_file=None)).hex())"
    )
    env = {k: v for k, v in os.environ.items() if k != "BUTTON_SECRET"}
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(data)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(8)
    ]
    results = [process.communicate(timeout=60) for process in starts]
    assert [process.returncode for process in starts] == [0] * 8, [err for _, err in results]
    keys = {out for out, _ in results}
    assert len(keys) == 1
    assert bytes.fromhex(keys.pop()) == (data / FILE_NAME).read_bytes()
    assert [p.name for p in data.iterdir()] == [FILE_NAME]  # no drafts left behind
