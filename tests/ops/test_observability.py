"""/ready per dependency (503 when PostgreSQL or Redis is unreachable) and the metrics the app feeds."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import update

from casino_club.app import create_app
from casino_club.auth.models import User
from casino_club.auth.schemas import SignupIn
from casino_club.auth.service import ClientInfo
from casino_club.auth.service import signup as auth_signup
from casino_club.config import Settings
from casino_club.kit.clock import Clock
from casino_club.kit.errors import InsufficientGold
from casino_club.kit.ids import new_uuid
from casino_club.kit.runtime import Runtime
from casino_club.ops.jobs import measure_outbox_lag
from casino_club.outbox.models import OutboxEvent
from casino_club.wallet.service import ensure_system_accounts
from tests.conftest import make_settings
from tests.support.api import login, signup
from tests.support.ledger import fund
from tests.support.servers import free_port


def sample(name: str, **labels: str) -> float:
    """Current value of one metric sample in this process (0 when never observed)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_ready_reports_each_dependency(client: httpx.AsyncClient, backend: str) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["redis"]["ok"] is True
    assert checks["redis"].get("mode") == ("in-process" if backend == "sqlite" else None)


async def _ready_with(database_url: str, redis_url: str | None, **overrides: object) -> httpx.Response:
    # No lifespan: the app must answer /ready even when the database cannot be reached at all.
    settings = make_settings(database_url, redis_url, **overrides)
    app = create_app(settings, run_jobs=False)
    rt = Runtime.build(settings)
    app.state.rt = rt
    try:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=30) as c:
            return await c.get("/ready")
    finally:
        await rt.close()


async def test_ready_is_503_when_postgresql_is_unreachable() -> None:
    dead = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/casino"  # nothing listens there
    response = await _ready_with(dead, None)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["error"]


async def test_ready_gives_up_on_a_hanging_dependency(database_url: str, backend: str) -> None:
    # A listener that never accepts: TCP connects (kernel backlog) but no byte ever comes back.
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(16)
        port = hole.getsockname()[1]
        start = time.monotonic()
        pg = await _ready_with(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/casino", None, ready_timeout_s=0.5)
        redis = await _ready_with(database_url, f"redis://127.0.0.1:{port}/0", ready_timeout_s=0.5)
        elapsed = time.monotonic() - start
    assert pg.status_code == redis.status_code == 503
    assert pg.json()["checks"]["database"] == {"ok": False, "error": "TimeoutError"}
    assert redis.json()["checks"]["redis"] == {"ok": False, "error": "TimeoutError"}
    assert redis.json()["checks"]["database"]["ok"] is True
    assert elapsed < 10


async def test_ready_is_503_when_redis_is_unreachable(database_url: str, backend: str) -> None:
    response = await _ready_with(database_url, f"redis://127.0.0.1:{free_port()}/0")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["redis"]["ok"] is False


async def test_metrics_are_fed(client: httpx.AsyncClient) -> None:
    signup_gold = sample("casino_ledger_gold_total", reason="signup_bonus", direction="in")
    failures = sample("casino_login_failures_total")
    player = await signup(client)
    assert (await login(client, player.site_id, "not-the-password")).status_code == 401
    await player.get("/api/users/balance")
    assert sample("casino_ledger_gold_total", reason="signup_bonus", direction="in") - signup_gold == 1000
    assert sample("casino_login_failures_total") - failures == 1
    text = (await client.get("/metrics")).text
    assert 'casino_http_request_duration_seconds_count{method="GET",route="/api/users/balance",status="200"}' in text
    for name in ("casino_game_rounds_total", "casino_purchases_total", "casino_ws_connections",
                 "casino_outbox_lag_seconds", "casino_ledger_gold_total"):
        assert f"# TYPE {name.removesuffix('_total')}" in text


async def test_sql_statements_are_counted(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    before = sample("casino_db_statements_total")
    assert (await client.get("/health")).status_code == 200
    assert sample("casino_db_statements_total") == before  # /health touches no database
    assert (await player.get("/api/users/balance")).status_code == 200
    counted = sample("casino_db_statements_total") - before
    assert 1 <= counted <= 20, counted  # auth + balance: a handful of statements, each counted once
    text = (await client.get("/metrics")).text
    assert any(line.startswith("casino_db_statements_total ") for line in text.splitlines())


async def test_ledger_metric_counts_only_committed_transfers(rt: Runtime, client: httpx.AsyncClient) -> None:
    player = await signup(client)
    before = sample("casino_ledger_gold_total", reason="test_debit", direction="out")
    await fund(rt, {player.user_id: -30}, reason="test_debit")
    with pytest.raises(InsufficientGold):  # refused inside the group: nothing moved, nothing counted
        await fund(rt, {player.user_id: -5000}, reason="test_debit")
    assert sample("casino_ledger_gold_total", reason="test_debit", direction="out") - before == 30
    await fund(rt, {player.user_id: 30}, reason="test_refund")
    assert await player.gold() == 1000


async def test_outbox_lag_gauge(settings: Settings) -> None:
    # Its own runtime without the app: the relay must not publish the planted event mid-test.
    clock = Clock(settings.tz)
    rt = Runtime.build(settings, clock)
    try:
        await rt.run(ensure_system_accounts)
        out = await rt.run(lambda s: auth_signup(s, SignupIn(site_id="lagger", nickname="lagger",
                                                             password="password123"), ClientInfo(None, None)))
        async with rt.transaction() as session:  # settle what sign-up emitted, then plant one old event
            await session.execute(update(OutboxEvent).values(published_at=clock.now()))
            seq = (await session.execute(update(User).where(User.id == out.user.id)
                                         .values(event_seq=User.event_seq + 1).returning(User.event_seq))).scalar_one()
            session.add(OutboxEvent(event_id=new_uuid(), user_id=out.user.id, seq=seq, type="notification", data={},
                                    created_at=clock.now() - timedelta(seconds=90), published_at=None))
        lag = await measure_outbox_lag(rt)
        assert 89 <= lag <= 200
        assert sample("casino_outbox_lag_seconds") == lag
        async with rt.transaction() as session:
            await session.execute(update(OutboxEvent).values(published_at=clock.now()))
        assert await measure_outbox_lag(rt) == 0.0
    finally:
        await rt.close()


async def test_game_and_purchase_metrics_are_fed(rt: Runtime, client: httpx.AsyncClient) -> None:
    from casino_club.seed import run_seed

    await run_seed(rt)  # the shop catalog
    player = await signup(client)
    rounds = sum(sample("casino_game_rounds_total", game="rps", result=r) for r in ("win", "lose", "draw"))
    wager = sample("casino_game_wager_gold_total", game="rps")
    bought = sample("casino_purchases_total", result="success", reason="")
    spent = sample("casino_ledger_gold_total", reason="shop_purchase", direction="out")
    played = await player.post("/api/games/rps/play", json={"bet": 10, "choice": "rock"})
    assert played.status_code == 200, played.text
    assert sum(sample("casino_game_rounds_total", game="rps", result=r) for r in ("win", "lose", "draw")) == rounds + 1
    assert sample("casino_game_wager_gold_total", game="rps") == wager + 10
    catalog = (await player.get("/api/shop/catalog")).json()
    item = min((p for group in catalog.values() if isinstance(group, list) for p in group
                if p["currency"] == "gold" and p["purchasable"]), key=lambda p: p["effective_price"])
    buy = await player.post("/api/shop/buy", json={"product_id": item["id"], "quantity": 1})
    assert buy.status_code in (200, 201), buy.text
    assert sample("casino_purchases_total", result="success", reason="") == bought + 1
    assert sample("casino_ledger_gold_total", reason="shop_purchase", direction="out") == spent + item["effective_price"]

