"""Two uvicorn processes on one PostgreSQL database and a private Redis: cross-instance delivery, and delivery
that survives a Redis crash + restart (clients also catch up by resume).

Runs only when CASINO_TEST_DATABASE_URL and CASINO_TEST_REDIS_URL are set (CI sets both). The Redis used here is
a private `redis-server` on a free port, because the test kills it; the shared CI Redis is never touched.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from casino_club.auth.models import User
from casino_club.kit.runtime import Runtime
from casino_club.outbox.service import emit
from tests.conftest import make_settings
from tests.support.api import make_admin, signup
from tests.support.databases import PG_URL, REDIS_URL, PgTemplates
from tests.support.servers import Server, free_port, server_env
from tests.support.ws import open_synced

pytestmark = pytest.mark.skipif(not (PG_URL and REDIS_URL) or shutil.which("redis-server") is None,
                                reason="needs CASINO_TEST_DATABASE_URL, CASINO_TEST_REDIS_URL and redis-server")


class PrivateRedis:
    """A throwaway redis-server (no persistence) this test may kill and restart."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        out = open(self.log, "ab")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--daemonize", "no"],
                                        stdout=out, stderr=out)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ping = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
async def pg_db(pg_templates: PgTemplates) -> AsyncIterator[str]:
    url = await pg_templates.fresh()
    yield url
    await pg_templates.drop(url)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis.log")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def servers(pg_db: str, redis_server: PrivateRedis, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    # Slow DB session checks: after the Redis restart, delivery must come from the bus reconnect + relay.
    env = server_env(pg_db, redis_server.url, ws_session_check_s="60", outbox_sweep_s="0.5")
    a = Server(env, log_path=tmp_path / "a.log")
    b = Server(env, log_path=tmp_path / "b.log")
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


def ws_url(server: Server) -> str:
    return server.url.replace("http://", "ws://")


async def test_cross_instance_delivery_and_redis_restart(pg_db: str, redis_server: PrivateRedis,
                                                         servers: tuple[Server, Server]) -> None:
    a, b = servers
    engine = create_async_engine(pg_db)

    async def promote(user_id: int) -> None:
        async with engine.begin() as conn:
            await conn.execute(update(User).where(User.id == user_id).values(role="admin"))

    async with httpx.AsyncClient(base_url=a.url, timeout=30) as ca, httpx.AsyncClient(base_url=b.url, timeout=30) as cb:
        player = await signup(ca)
        admin = await make_admin(ca, promote)
        tab_b, snap = await open_synced(ws_url(b), player.access_token)
        tab_a, _ = await open_synced(ws_url(a), player.access_token)
        s = snap["seq"]

        # A change made through instance A reaches the socket held by instance B (and A's own).
        grant = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json={"amount": 70, "reason": "multi"})
        assert grant.status_code == 200, grant.text
        for tab in (tab_b, tab_a):
            got = await tab.events(2, wait_s=10)
            assert [(e["seq"], e["type"]) for e in got] == [(s + 1, "profile_update"), (s + 2, "reward_granted")]
            assert got[0]["data"]["gold"] == 1070
        # ... and the other way round.
        emitted = await cb.post("/api/test/realtime/emit/notification", json={"data": {"via": "b"}},
                                headers={**player.headers, "Idempotency-Key": "multi-1"})
        assert emitted.status_code == 200, emitted.text
        assert [e["seq"] for e in await tab_a.events(1, wait_s=10)] == [s + 3]
        assert [e["seq"] for e in await tab_b.events(1, wait_s=10)] == [s + 3]

        # Redis crashes. Events keep being committed (written here directly, as any instance's transaction would).
        redis_server.kill()
        rt = Runtime.build(make_settings(pg_db, None))
        try:
            for i in range(20):
                async with rt.transaction() as session:
                    await emit(session, player.user_id, "notification", {"outage": i})
        finally:
            await rt.close()
        await asyncio.sleep(1.0)
        redis_server.start()

        # Delivery resumes: the socket still open on B gets all 20, in order, nothing twice.
        got = await tab_b.events(20, wait_s=30)
        assert [e["seq"] for e in got] == list(range(s + 4, s + 24))
        assert [e["data"]["outage"] for e in got] == list(range(20))
        # A client that reconnects catches up by resume, on either instance.
        fresh, _ = await open_synced(ws_url(a), player.access_token)
        await fresh.send({"type": "resume", "last_seq": s + 3})
        assert [e["seq"] for e in await fresh.events(20, wait_s=10)] == list(range(s + 4, s + 24))
        assert (await fresh.recv_type("resumed"))["data"]["through_seq"] == s + 23

        # Live cross-instance delivery works again after the restart.
        again = await ca.post("/api/test/realtime/emit/notification", json={"data": {"after": True}},
                              headers={**player.headers, "Idempotency-Key": "multi-2"})
        assert again.status_code == 200, again.text
        assert (await tab_b.events(1, wait_s=15))[0]["seq"] == s + 24
        assert (await fresh.events(1, wait_s=15))[0]["seq"] == s + 24
        assert await tab_b.silent(0.5) == []
        for tab in (tab_a, tab_b, fresh):
            await tab.close()
    await engine.dispose()
