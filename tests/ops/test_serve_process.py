"""Real `casino-club serve` processes: production refuses unsafe settings; JSON access logs carry ids."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.api import key
from tests.support.servers import ROOT, Server, free_port, server_env


def test_production_with_default_secret_refuses_to_start(tmp_path: Path) -> None:
    env = server_env(f"sqlite+aiosqlite:///{tmp_path / 'prod.db'}")
    env["CASINO_ENV"] = "production"
    del env["CASINO_SECRET_KEY"]  # the built-in development default
    env["CASINO_CORS_ORIGINS"] = '["*"]'
    env["CASINO_PAYMENT_MODE"] = "success"  # sandbox auto-approval
    result = subprocess.run(
        [sys.executable, "-m", "casino_club", "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "refusing to start in production" in result.stderr
    assert "CASINO_SECRET_KEY" in result.stderr and "wildcard" in result.stderr
    assert "CASINO_PAYMENT_MODE" in result.stderr
    assert "CASINO_DEV_ENDPOINTS" not in result.stderr  # off by default in production
    assert "Traceback" not in result.stderr  # a clear message, not a crash
    assert not (tmp_path / "prod.db").exists()  # refused before touching the database


def test_production_starts_with_safe_settings_and_logs_json_with_ids(tmp_path: Path) -> None:
    log_path = tmp_path / "server.log"
    # server_env supplies a long random-looking secret; the payment webhook gets its own key too.
    env = server_env(f"sqlite+aiosqlite:///{tmp_path / 'casino.db'}", env="production",
                     payment_webhook_secret="whsec-" + "0123456789abcdef" * 3)
    server = Server(env, log_path=log_path).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            assert c.get("/ready").status_code == 200
            signed = c.post("/api/auth/signup", json={"site_id": "logme1", "nickname": "logme1",
                                                      "password": "password123"}, headers={"Idempotency-Key": key()})
            assert signed.status_code == 201, signed.text
            user_id = signed.json()["user"]["id"]
            me = c.get("/api/auth/me", headers={"Authorization": f"Bearer {signed.json()['access_token']}",
                                                "X-Request-ID": "trace-me-0001"})
            assert me.headers["x-request-id"] == "trace-me-0001"
    finally:
        server.stop()
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    access = [e for e in lines if e.get("event") == "request" and e.get("route") == "/api/auth/me"]
    assert access, log_path.read_text()[-2000:]
    entry = access[-1]
    assert entry["request_id"] == "trace-me-0001"
    assert entry["user_id"] == user_id
    assert entry["status"] == 200 and entry["level"] == "info" and "timestamp" in entry
