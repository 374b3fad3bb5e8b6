"""Several real ``python -m bot run`` workers behind a real nginx, on one PostgreSQL.

The nginx is Debian's package, run by the test as an unprivileged, foreground process
with a prefix of its own under the test's folder. Its site configuration is the one the
README shows (``deploy/nginx/hipcoach.conf``, checked equal to the README's block by
``test_nginx_config.py``), with only the ports changed: the upstream's ``server``
lines become one per worker, and ``listen`` the test's port.

The Telegram stand-in runs in the test's event loop and answers the workers' Bot API
calls; the test plays Telegram's side of the webhook itself (:class:`Telegram`): it
posts each update to nginx and, like Telegram, posts it again while the answer is not
200. ``bench/scale.py`` uses the same pieces outside pytest.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from tests.standins.telegram_api import TelegramStandIn

ROOT = Path(__file__).resolve().parents[2]
NGINX_SITE = ROOT / "deploy" / "nginx" / "hipcoach.conf"
WEBHOOK_PATH = "/telegram/updates"
WEBHOOK_URL = "https://coach.example" + WEBHOOK_PATH
SECRET = "workers-webhook-secret"
START_WITHIN = 40.0  # a fresh interpreter importing everything, on a busy machine
_UPSTREAM_SERVER = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;$")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def render_site(site: str, listen: int, workers: Sequence[int]) -> str:
    """The README's site configuration with this run's ports, nothing else changed."""
    out: list[str] = []
    replaced = False
    for line in site.splitlines():
        match = _UPSTREAM_SERVER.match(line)
        if match:
            if not replaced:
                indent, options = match.group(1), match.group(2) or ""
                out += [f"{indent}server 127.0.0.1:{port}{options};" for port in workers]
                replaced = True
            continue
        out.append(re.sub(r"^(\s*)listen 8080;$", rf"\g<1>listen 127.0.0.1:{listen};", line))
    if not replaced:
        raise ValueError("the site configuration has no upstream server lines")
    return "\n".join(out) + "\n"


class Nginx:
    """nginx in the foreground with its own prefix, pid file, logs and temp folders."""

    def __init__(self, workdir: Path, workers: Sequence[int], port: int | None = None) -> None:
        binary = nginx_binary()
        if binary is None:
            raise FileNotFoundError("nginx is not installed (apt-get install nginx-light)")
        self.binary = binary
        self.prefix = workdir / "nginx"
        self.port = port or free_port()
        self.workers = list(workers)
        self.process: subprocess.Popen[bytes] | None = None

    def _write(self) -> Path:
        prefix = self.prefix
        for folder in ("logs", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
            (prefix / folder).mkdir(parents=True, exist_ok=True)
            # nginx's workers drop root for "nobody" when started as root.
            (prefix / folder).chmod(0o777)
        site = render_site(NGINX_SITE.read_text(), self.port, self.workers)
        (prefix / "hipcoach.conf").write_text(site)
        tmp = prefix / "tmp"
        main = f"""daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {prefix}/hipcoach.conf;
}}
"""
        conf = prefix / "nginx.conf"
        conf.write_text(main)
        return conf

    async def start(self) -> None:
        conf = self._write()
        self.process = subprocess.Popen(
            [self.binary, "-p", str(self.prefix), "-c", str(conf), "-e", "stderr"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(self.prefix / "logs" / "stderr.log").open("wb"),
        )
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited at start: {self.log()[-1500:]}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1),
            ):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"nginx not listening in 20 s: {self.log()[-1500:]}")
            await asyncio.sleep(0.05)

    def log(self) -> str:
        parts = [self.prefix / "logs" / name for name in ("stderr.log", "error.log")]
        return "".join(p.read_text(errors="replace") for p in parts if p.exists())

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGQUIT)
        try:
            await asyncio.wait_for(asyncio.to_thread(process.wait), 10)
        except TimeoutError:
            process.kill()
            process.wait(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"


class Worker:
    """One ``python -m bot run`` serving the webhook on its own port."""

    def __init__(
        self, api: TelegramStandIn, database_url: str, workdir: Path, name: str, port: int
    ) -> None:
        self.api = api
        self.database_url = database_url
        self.workdir = workdir
        self.name = name
        self.port = port
        self.log_path = workdir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(
                ("TELEGRAM_", "DISCORD_", "DATABASE_URL", "PORT", "DATA_DIR", "HEALTH_PORT")
            )
        }
        env.update(
            TELEGRAM_TOKEN=self.api.token,
            TELEGRAM_API_URL=self.api.base_url,
            TELEGRAM_WEBHOOK_URL=WEBHOOK_URL,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            PORT=str(self.port),
            DATABASE_URL=self.database_url,
            CONTENT_DIR=str(ROOT / "content"),
            # One data folder for all: the button secret must be the same on every worker.
            DATA_DIR=str(self.workdir.parent / "data"),
            LOG_LEVEL="INFO",
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
        )
        return env

    async def start(self) -> None:
        with self.log_path.open("ab") as log_file:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=self.workdir,
                env=self.env(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log_file,
            )

    async def ready(self, within: float = START_WITHIN) -> None:
        """Until ``/readyz`` on this worker's own port answers 200."""
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as session:
            while True:
                if self.process is not None and self.process.returncode is not None:
                    raise RuntimeError(f"{self.name} exited: {self.log()[-2000:]}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(f"http://127.0.0.1:{self.port}/readyz") as answer:
                        if answer.status == 200:
                            return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} not ready in {within:.0f} s: {self.log()}")
                await asyncio.sleep(0.1)

    async def metric(self, name: str) -> float:
        """The sum of a metric's samples on this worker's ``/metrics``."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{self.port}/metrics") as answer,
        ):
            text = await answer.text()
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()

    async def terminate(self, within: float = 25.0) -> int:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        return await self.wait(within)

    async def wait(self, within: float = 25.0) -> int:
        assert self.process is not None
        try:
            return await asyncio.wait_for(self.process.wait(), timeout=within)
        except TimeoutError:
            self.kill()
            await self.process.wait()
            raise

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Telegram:
    """Telegram's side of the webhook: post each update, again while it is not taken.

    ``statuses`` keeps every answer (0 for a connection that failed) per update id.
    """

    def __init__(self, url: str, *, retry_after: float = 0.2, give_up_after: float = 30.0):
        self.url = url
        self.retry_after = retry_after
        self.give_up_after = give_up_after
        self.statuses: dict[int, list[int]] = {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Telegram:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=100),
            timeout=aiohttp.ClientTimeout(total=60),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def post_once(self, update: dict[str, Any], url: str | None = None) -> int:
        assert self._session is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        try:
            async with self._session.post(url or self.url, json=update, headers=headers) as r:
                status = r.status
        except (aiohttp.ClientError, OSError):
            status = 0
        self.statuses.setdefault(int(update["update_id"]), []).append(status)
        return status

    async def deliver(self, update: dict[str, Any], url: str | None = None) -> None:
        """Post until 200, as Telegram does; fails after ``give_up_after`` seconds."""
        deadline = time.monotonic() + self.give_up_after
        while await self.post_once(update, url) != 200:
            if time.monotonic() > deadline:
                raise TimeoutError(f"update {update['update_id']} never taken")
            await asyncio.sleep(self.retry_after)

    def reposted(self) -> list[int]:
        """Update ids that needed more than one post."""
        return [u for u, answers in self.statuses.items() if len(answers) > 1]


async def migrate(database_url: str, workdir: Path) -> None:
    """``python -m bot migrate`` on the database, as a deploy's release step does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_"))}
    env.update(DATABASE_URL=database_url, PYTHONPATH=str(ROOT), CONTENT_DIR=str(ROOT / "content"))
    workdir.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "migrate",
        cwd=workdir,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 120)
    if process.returncode != 0:
        raise RuntimeError(f"migrate failed: {err.decode(errors='replace')[-1500:]}")


class Cluster:
    """``count`` workers and an nginx in front of them."""

    def __init__(self, api: TelegramStandIn, database_url: str, workdir: Path, count: int) -> None:
        self.workers = [
            Worker(api, database_url, workdir / f"worker{n}", f"worker{n}", free_port())
            for n in range(count)
        ]
        self.nginx = Nginx(workdir, [w.port for w in self.workers])

    async def start(self) -> None:
        await asyncio.gather(*(worker.start() for worker in self.workers))
        await asyncio.gather(*(worker.ready() for worker in self.workers))
        await self.nginx.start()

    async def stop(self) -> None:
        await self.nginx.stop()
        for worker in self.workers:
            if worker.process is not None and worker.process.returncode is None:
                with contextlib.suppress(TimeoutError):
                    await worker.terminate()
        for worker in self.workers:
            worker.kill()

    def logs(self) -> str:
        return "\n".join(f"--- {w.name}\n{w.log()[-3000:]}" for w in self.workers)


@contextlib.asynccontextmanager
async def running_cluster(
    api: TelegramStandIn, database_url: str, workdir: Path, count: int = 2
) -> AsyncIterator[Cluster]:
    await migrate(database_url, workdir / "migrate")
    cluster = Cluster(api, database_url, workdir, count)
    try:
        await cluster.start()
        yield cluster
    finally:
        await cluster.stop()
