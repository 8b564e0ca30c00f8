"""Real app servers in subprocesses (uvicorn via `casino-club serve`) for multi-instance, fault and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.constants import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """One `casino-club serve` process."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0, extra_args: list[str] | None = None) -> Server:
        """Start and wait until /health answers."""
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "casino_club", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             *(extra_args or [])],
            env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; log: {self.log_path}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not become healthy; log: {self.log_path}")

    def stop(self) -> None:
        """Graceful stop (SIGTERM to the process group), then kill."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def kill(self) -> None:
        """kill -9 the whole process group, as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def server_env(database_url: str, redis_url: str | None = None, **settings: str) -> dict[str, str]:
    """Environment for a test server: env=test, the test secret, no .env leakage."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASINO_")}
    env.update({
        "CASINO_ENV": "test",
        "CASINO_DATABASE_URL": database_url,
        "CASINO_SECRET_KEY": TEST_SECRET,
        "CASINO_SIGNUP_PER_IP_LIMIT": "100000",
        "CASINO_ADMIN_GOLD_RATE_LIMIT": "100000",
        "CASINO_WRITE_RATE_LIMIT": "100000",
        "CASINO_LOGIN_PER_IP_LIMIT": "100000",
        "PYTHONUNBUFFERED": "1",
    })
    if redis_url:
        env["CASINO_REDIS_URL"] = redis_url
    env.update({f"CASINO_{k.upper()}": v for k, v in settings.items()})
    return env
