"""Real `casino-club serve` processes: production refuses unsafe settings; JSON access logs carry ids."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
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


def _read_all(sock: socket.socket, limit_s: float) -> bytes:
    sock.settimeout(limit_s)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        pass
    return data


def test_serve_drops_a_stalled_body_and_caps_connections(tmp_path: Path) -> None:
    # Issue 20 item 9: a slow-drip body is answered 408 and the connection closed; past the connection cap, 503.
    env = server_env(f"sqlite+aiosqlite:///{tmp_path / 'casino.db'}", body_read_timeout_s="1",
                     serve_limit_concurrency="4")
    server = Server(env, log_path=tmp_path / "server.log").start()
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as slow:
            slow.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100\r\n\r\n{\"site_id\": ")
            started = time.monotonic()
            answer = _read_all(slow, 8)  # returns when the server closes the connection
            assert time.monotonic() - started < 6
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b'"REQUEST_TIMEOUT"' in answer
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(4)]
        try:
            time.sleep(0.3)
            refused = httpx.get(server.url + "/health", timeout=5)
            assert refused.status_code == 503
        finally:
            for s in idle:
                s.close()
        time.sleep(0.3)
        assert httpx.get(server.url + "/health", timeout=5).status_code == 200
    finally:
        server.stop()


def _signup(c: httpx.Client, n: int, forwarded_for: str) -> int:
    return c.post("/api/auth/signup", json={"site_id": f"spoof{n}", "nickname": f"spoofnick{n}",
                                            "password": "password123"},
                  headers={"X-Forwarded-For": forwarded_for}).status_code


def test_a_spoofed_forwarded_for_does_not_beat_the_signup_limit(tmp_path: Path) -> None:
    # Issue 20 item 3, with the shipped settings: FORWARDED_ALLOW_IPS from compose.yaml (nginx's address only).
    import yaml
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    env = server_env(f"sqlite+aiosqlite:///{tmp_path / 'casino.db'}", signup_per_ip_limit="3")
    env["FORWARDED_ALLOW_IPS"] = compose["services"]["app1"]["environment"]["FORWARDED_ALLOW_IPS"]
    server = Server(env, log_path=tmp_path / "server.log").start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            statuses = [_signup(c, n, f"203.0.113.{n}") for n in range(5)]  # a new "client IP" each time
        assert statuses == [201, 201, 201, 429, 429], statuses
    finally:
        server.stop()
    # The proxy itself is trusted: here it is on loopback, and like nginx it sends one address per client.
    env["FORWARDED_ALLOW_IPS"] = "127.0.0.1"
    server = Server(env, log_path=tmp_path / "server2.log").start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            statuses = [_signup(c, 10 + n, f"198.51.100.{n % 2}") for n in range(8)]
            assert statuses == [201] * 6 + [429] * 2, statuses
            token = c.post("/api/auth/login", json={"site_id": "spoof10", "password": "password123"},
                           headers={"X-Forwarded-For": "198.51.100.7"}).json()["access_token"]
            sessions = c.get("/api/auth/sessions", headers={"Authorization": f"Bearer {token}"}).json()
        assert "198.51.100.7" in {s["ip"] for s in sessions}
    finally:
        server.stop()
