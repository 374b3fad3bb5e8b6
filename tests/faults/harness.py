"""Shared helpers of the fault suite: the real ``python -m bot`` as a child process.

A fault test runs the coach as a deployer or a runner would, in a process of its own,
and does to it what the world does: closes its input, kills it with SIGKILL, stops it
with SIGTERM, fills its disk, breaks its database. Then it reads what came out. Every
wait is bounded, so a coach that hangs fails the test instead of hanging the suite.

- :func:`coach_env`: the environment for one coach (database, data folder, no platform
  tokens, no ``.env`` of the developer's, since the child runs in its own folder).
- :func:`spawn` / :class:`CoachProcess`: a running coach with piped input, its output
  collected by a thread (so waiting for a line can time out), and its stderr in a file.
- :func:`run_coach`: run one command to its end, with a bound.
- :func:`assert_no_traceback`: nothing a person reads shows a Python traceback.
- :func:`temporary_postgres`: a database of its own on the local server, dropped after.
- :func:`small_disk` / :func:`fill_disk`: a size-limited tmpfs (root only), and filling it.

Other fault tests (``test_update_stream.py``, ``test_reminder_burst.py``) bring their own
helpers and may use these. ``bench/faults.py`` uses them outside pytest too, so nothing
here needs pytest except :func:`small_disk`'s skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "content"
TRACEBACK = "Traceback (most recent call last)"
PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# Settings a developer's shell may carry that would change what the child does.
_UNSET = ("TELEGRAM_TOKEN", "DISCORD_TOKEN", "TELEGRAM_WEBHOOK_URL", "BUTTON_SECRET", "LOG_LEVEL")
DEFAULT_WAIT = 60.0


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def coach_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of one coach process: its database and data folder, the shipped
    content, no platform tokens (set them in ``extra`` to start a platform)."""
    env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    env.update(
        DATABASE_URL=database_url,
        DATA_DIR=str(data_dir),
        CONTENT_DIR=str(CONTENT_DIR),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def command(*args: str, preamble: str | None = None) -> list[str]:
    """``python -m bot ARGS``; with ``preamble``, that Python code runs first in the same
    process (to plant a fault the outside world can't cause, such as a bug)."""
    if preamble is None:
        return [sys.executable, "-m", "bot", *args]
    main = f"import sys\nfrom bot.__main__ import main\nsys.exit(main({list(args)!r}))\n"
    return [sys.executable, "-c", f"{preamble}\n{main}"]


@dataclass
class Finished:
    """What a coach process left: its exit code and everything it printed."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.strip().splitlines() if line.strip()]


class CoachProcess:
    """``python -m bot ARGS`` running, input piped in, output read as it comes.

    Standard output is collected by a thread into :attr:`output` (bytes), so
    :meth:`wait_for` can give up after a bound; standard error goes to a file
    (:attr:`stderr_path`), as a host's log would, and is read with :meth:`stderr`.
    """

    def __init__(
        self,
        args: Sequence[str],
        env: Mapping[str, str],
        workdir: Path,
        *,
        stdin: int | None = subprocess.PIPE,
        preamble: str | None = None,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.stderr_path = workdir / f"stderr-{uuid.uuid4().hex[:8]}.log"
        self._stderr_file = self.stderr_path.open("wb")
        self.popen = subprocess.Popen(
            command(*args, preamble=preamble),
            cwd=workdir,
            env=dict(env),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
        )
        self.output = b""
        self.finished: Finished | None = None
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stream = self.popen.stdout
        assert stream is not None
        fd = stream.fileno()
        while chunk := os.read(fd, 1 << 16):
            with self._changed:
                self.output += chunk
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stdout(self) -> str:
        return self.output.decode("utf-8", errors="replace")

    def stderr(self) -> str:
        if not self._stderr_file.closed:
            self._stderr_file.flush()
        return self.stderr_path.read_bytes().decode("utf-8", errors="replace")

    def type(self, *lines: str | bytes) -> None:
        """Send lines (a newline is added to each) and leave the input open."""
        stdin = self.popen.stdin
        assert stdin is not None
        for line in lines:
            stdin.write((line.encode() if isinstance(line, str) else line) + b"\n")
        stdin.flush()

    def close_input(self) -> None:
        if self.popen.stdin is not None and not self.popen.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.popen.stdin.close()

    def wait_for(self, text: str | bytes, *, after: int = 0, timeout: float = DEFAULT_WAIT) -> int:
        """Wait until ``text`` appears in the output (past byte ``after``); return the
        offset just past it. Fails, with the output's tail, if the process ends or
        ``timeout`` passes first."""
        needle = text.encode() if isinstance(text, str) else text
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.output.find(needle, after)
                if found >= 0:
                    return found + len(needle)
                left = deadline - time.monotonic()
                if left <= 0 or (self.popen.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(
                        f"{needle!r} not seen in {timeout:.0f} s "
                        f"(exit code {self.popen.poll()}); output ends:\n"
                        f"{self.stdout()[-1500:]}\nstderr ends:\n{self.stderr()[-1500:]}"
                    )
                self._changed.wait(min(left, 0.5))

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or closed."""
        with contextlib.suppress(ProcessLookupError):
            self.popen.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM, as a host stops a worker."""
        with contextlib.suppress(ProcessLookupError):
            self.popen.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = DEFAULT_WAIT) -> Finished:
        """Wait for the exit (killing the process if it takes longer than ``timeout``,
        and then failing) and return what it left. Waiting again returns the same."""
        if self.finished is not None:
            return self.finished
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.popen.wait(timeout=10)
            raise AssertionError(
                f"the coach did not exit within {timeout:.0f} s; output ends:\n"
                f"{self.stdout()[-1500:]}\nstderr ends:\n{self.stderr()[-1500:]}"
            ) from None
        finally:
            self.close_input()
        self._reader.join(timeout=10)
        if self.popen.stdout is not None:
            self.popen.stdout.close()
        self._stderr_file.close()
        self.finished = Finished(code, self.stdout(), self.stderr())
        return self.finished

    def __enter__(self) -> CoachProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.popen.poll() is None:
            self.kill()
        with contextlib.suppress(AssertionError):
            self.wait(timeout=10)


def spawn(
    args: Sequence[str],
    env: Mapping[str, str],
    workdir: Path,
    *,
    stdin: int | None = None,
    preamble: str | None = None,
) -> CoachProcess:
    """Start ``python -m bot ARGS`` in ``workdir``; input piped unless ``stdin`` says
    otherwise (``subprocess.DEVNULL``, or an open file descriptor)."""
    piped = subprocess.PIPE if stdin is None else stdin
    return CoachProcess(args, env, workdir, stdin=piped, preamble=preamble)


def run_coach(
    args: Sequence[str],
    env: Mapping[str, str],
    workdir: Path,
    *,
    input: bytes | str = b"",
    timeout: float = DEFAULT_WAIT,
    preamble: str | None = None,
) -> Finished:
    """Run ``python -m bot ARGS`` to its end with ``input`` piped in, within ``timeout``."""
    data = input.encode() if isinstance(input, str) else input
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run(
            command(*args, preamble=preamble),
            input=data,
            capture_output=True,
            cwd=workdir,
            env=dict(env),
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"`bot {' '.join(args)}` did not exit within {timeout:.0f} s; stderr ends:\n"
            f"{(exc.stderr or b'').decode(errors='replace')[-1500:]}"
        ) from None
    return Finished(
        result.returncode,
        result.stdout.decode("utf-8", errors="replace"),
        result.stderr.decode("utf-8", errors="replace"),
    )


def assert_no_traceback(*texts: str) -> None:
    for text in texts:
        assert TRACEBACK not in text, text[-3000:]


def assert_one_line(result: Finished, *words: str, code: int = 2) -> str:
    """Exit ``code``, no traceback, exactly one line on stderr holding each of ``words``."""
    assert result.returncode == code, (result.returncode, result.stderr[-2000:])
    assert_no_traceback(result.stdout, result.stderr)
    lines = result.stderr_lines
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# --- PostgreSQL -----------------------------------------------------------------------


def postgres_reachable() -> bool:
    async def probe() -> None:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(PG_ADMIN_URL)
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(asyncio.wait_for(probe(), 10))
    except Exception:
        return False
    return True


@contextlib.contextmanager
def temporary_postgres() -> Iterator[str]:
    """A new, empty database on the local server (its own, so parallel runs never meet),
    dropped afterwards. Yields its SQLAlchemy URL. Raises if the server can't be used."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"hipcoach_fault_{uuid.uuid4().hex[:12]}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- A small disk -----------------------------------------------------------------------


class NoSmallDisk(Exception):
    """This machine won't mount a tmpfs for us (not root, or no mount permission)."""


@contextlib.contextmanager
def small_disk(path: Path, size: int) -> Iterator[Path]:
    """A tmpfs of ``size`` bytes mounted at ``path``: a real filesystem that fills up, so
    SQLite and the export get ENOSPC exactly as on a full disk. Needs root (CI and the
    project's machines run as root); raises :class:`NoSmallDisk` otherwise."""
    path.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount")
    if mount is None or os.geteuid() != 0:
        raise NoSmallDisk("mounting a tmpfs needs root")
    made = subprocess.run(
        [mount, "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        raise NoSmallDisk(f"mount refused: {made.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def fill_disk(folder: Path) -> Path:
    """Write a file in ``folder`` until its filesystem has no room left; return it
    (delete it to make room again)."""
    filler = folder / "filler.bin"
    block = b"\0" * (1 << 16)
    with filler.open("wb", buffering=0) as handle:
        for size in (1 << 16, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    handle.write(block[:size])
    return filler


def free_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize
