"""`casino-club smoke URL` against a server started the way `make run` starts it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.servers import ROOT, Server, free_port, server_env


def smoke(url: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `casino-club smoke URL`."""
    return subprocess.run([sys.executable, "-m", "casino_club", "smoke", url], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_smoke_passes_against_make_run_server(tmp_path: Path) -> None:
    # `make run` = `casino-club serve --seed` on the default SQLite file; here a fresh file and a free port.
    env = server_env(f"sqlite+aiosqlite:///{tmp_path / 'casino.db'}")
    env["CASINO_ENV"] = "development"
    server = Server(env, log_path=tmp_path / "server.log").start(timeout=60, extra_args=["--seed"])
    try:
        result = smoke(server.url, env)
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        for step in ("ready", "login", "rps", "catalog", "buy"):
            assert any(line.startswith(f"ok   {step}") for line in lines), result.stdout
        assert lines[-1] == "smoke passed"
        # A wrong password must fail the smoke run with exit 1 and say which step broke.
        failed = smoke(server.url, {**env, "CASINO_SEED_PASSWORD": "not-the-password"})
        assert failed.returncode == 1
        assert "FAIL login" in failed.stderr
    finally:
        server.stop()


def test_smoke_fails_when_nothing_listens() -> None:
    result = smoke(f"http://127.0.0.1:{free_port()}", server_env("sqlite+aiosqlite:///unused.db"))
    assert result.returncode == 1
    assert "FAIL ready" in result.stderr
