"""Real storage servers on loopback for the integration tests: PostgreSQL databases, moto (S3), Milvus.

Each server runs as a child process the test session owns, so a test can kill it (an outage), pause it (a hung
server) and start it again on the same port with the same data.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(ready: Callable[[], bool], timeout: float, what: str, alive: Callable[[], bool]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"{what} exited while starting")
        if ready():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status < 500)
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


class ServerProcess:
    """A child process with kill / start / pause / resume for outage tests."""

    name = "server"

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.start_seconds = 0.0

    def command(self) -> tuple[list[str], dict[str, str], Path | None]:
        raise NotImplementedError

    def is_ready(self) -> bool:
        raise NotImplementedError

    def after_start(self) -> None:
        """Hook run once the server answers."""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 120) -> None:
        if self.running:
            self.resume()  # harmless unless paused
            return
        args, env, cwd = self.command()
        began = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_until(self.is_ready, timeout, self.name, lambda: self.running)
        except Exception as error:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            self.kill()
            raise RuntimeError(f"{self.name} did not start ({error}); log tail:\n{tail}") from error
        self.start_seconds = time.monotonic() - began
        self.after_start()

    def kill(self) -> None:
        """An abrupt outage: SIGKILL, no goodbye to the clients."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=3)
            self.kill()

    def pause(self) -> None:
        """A hung server: the port still accepts connections but nothing answers."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGCONT)

    @contextlib.contextmanager
    def outage(self) -> Iterator[None]:
        """Killed inside the block, running again (same port, same data) after it."""
        self.kill()
        try:
            yield
        finally:
            self.start()

    @contextlib.contextmanager
    def hung(self) -> Iterator[None]:
        self.pause()
        try:
            yield
        finally:
            self.resume()

    def rss_mib(self) -> float:
        """Resident memory of the server's process group (what the machine pays for it)."""
        if self.process is None:
            return 0.0
        out = subprocess.run(
            ["ps", "-o", "rss=", "-g", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return sum(int(x) for x in out.stdout.split()) / 1024


class MotoS3Server(ServerProcess):
    """moto in server mode. Its state lives in memory: a restart keeps the port, and `after_start` creates the
    buckets again (a real S3 keeps them; the objects of a killed moto are gone, which tests must not rely on).
    """

    name = "moto S3 server"
    access_key = "visage-test"
    secret_key = "visage-test-secret"

    def __init__(self, log_path: Path) -> None:
        super().__init__(log_path)
        self.port = free_port()
        self.buckets: set[str] = set()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> tuple[list[str], dict[str, str], Path | None]:
        args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        return args, dict(os.environ), None

    def is_ready(self) -> bool:
        return http_ok(f"{self.endpoint}/moto-api/")

    def after_start(self) -> None:
        for bucket in self.buckets:
            request = urllib.request.Request(f"{self.endpoint}/{bucket}", method="PUT")
            with urllib.request.urlopen(request, timeout=5):
                pass

    def objects_url(self, bucket: str) -> str:
        self.buckets.add(bucket)
        return f"s3://{bucket}?endpoint={self.endpoint}&region=us-east-1"


class PostgresTestDatabase:
    """A fresh database `visage_test_<random>` on the machine's PostgreSQL (127.0.0.1:5432, trust auth)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5432, user: str = "postgres") -> None:
        self.host, self.port, self.user = host, port, user
        self.name = f"visage_test_{uuid.uuid4().hex[:12]}"

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.name}"

    def _psql(self, sql: str) -> subprocess.CompletedProcess[str]:
        args = ["psql", "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", "postgres", "-c", sql]
        return subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)

    def ensure_server(self) -> None:
        if self._psql("SELECT 1").returncode == 0:
            return
        versions = os.listdir("/etc/postgresql") if os.path.isdir("/etc/postgresql") else []
        if shutil.which("pg_ctlcluster") and len(versions) == 1:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", "start"],
                capture_output=True,
                check=False,
                timeout=60,
            )
            for _ in range(50):
                if self._psql("SELECT 1").returncode == 0:
                    return
                time.sleep(0.2)
        result = self._psql("SELECT 1")
        raise RuntimeError(
            f"PostgreSQL does not answer on {self.host}:{self.port} as {self.user!r} (trust auth expected): "
            f"{result.stderr.strip()}. Start it with: pg_ctlcluster --skip-systemctl-redirect "
            "$(ls /etc/postgresql) main start"
        )

    def create(self) -> None:
        self.ensure_server()
        result = self._psql(f'CREATE DATABASE "{self.name}"')
        if result.returncode != 0:
            raise RuntimeError(f"cannot create test database {self.name}: {result.stderr.strip()}")

    def drop(self) -> None:
        self._psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
