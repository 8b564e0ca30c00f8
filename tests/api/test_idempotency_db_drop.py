"""Issue 20 item 10: a key is never left in flight when the database drops its connections mid-request.

Keyed writes of several kinds are in flight when PostgreSQL terminates every app connection. Each request
that got 503 is retried with the same Idempotency-Key and body after its Retry-After: the retry is applied
(200) or replays the stored answer, never 409 IDEMPOTENCY_IN_FLIGHT, and no key's effect lands twice.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from casino_club.games.models import GameRound
from casino_club.kit.runtime import Runtime
from tests.support.api import Player, key
from tests.support.shop import ensure_items, fast_players, item_product

KILL = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()")
PER_KIND = 8  # 5 kinds × 8 = 40 keyed requests


async def _terminate(rt: Runtime, after_s: float) -> int:
    """End every other connection to the test database after a short delay; how many were ended."""
    await asyncio.sleep(after_s)
    async with rt.engine.connect() as conn:
        return len((await conn.execute(text(KILL))).all())


async def _send(who: Player, path: str, body: dict[str, Any], idem: str) -> httpx.Response | Exception:
    try:
        return await who.post(path, json=body, idem=idem)
    except Exception as exc:  # noqa: BLE001 - a dropped connection may surface as a transport error: retry it
        return exc


async def _settle(caller: Player, path: str, body: dict[str, Any], idem: str, answer: httpx.Response | Exception,
                  retries: list[int]) -> httpx.Response:
    """Retry a 503 (or a transport error) with the same key after Retry-After until it is answered."""
    for _ in range(5):
        if isinstance(answer, httpx.Response) and answer.status_code != 503:
            assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"  # never IN_FLIGHT
            return answer
        if isinstance(answer, httpx.Response):
            assert answer.headers.get("Retry-After") == "1", answer.headers
        await asyncio.sleep(1)
        retries.append(1)
        answer = await _send(caller, path, body, idem)
    raise AssertionError(f"{path}: still unavailable after 5 retries: {answer!r}")


def _balance(path: str, body: dict[str, Any]) -> int:
    """The balance after the effect, as the answer states it."""
    if path.startswith("/api/admin/"):
        return int(body["balance_after"])
    return int(body["gold"] if path == "/api/shop/buy" else body["balance"])


@pytest.mark.parametrize("backend", ["pg"], indirect=True)  # only a database server can end connections
@pytest.mark.parametrize("delay_s", [0.0, 0.02, 0.08])
async def test_retry_after_a_dropped_database_applies_once_or_replays_never_in_flight(
        client: httpx.AsyncClient, rt: Runtime, admin: Player, delay_s: float) -> None:
    await ensure_items(rt)
    shield = await item_product(admin, price=300)
    players = await fast_players(client, rt, 5 * PER_KIND, gold=5_000)
    # (caller, target player, path, body): one key per target player, so its balance shows every effect.
    jobs: list[tuple[Player, Player, str, dict[str, Any]]] = []
    for i, p in enumerate(players):
        kind = i % 5
        if kind == 0:
            jobs.append((p, p, "/api/games/slot/spin", {"bet": 100}))
        elif kind == 1:
            jobs.append((p, p, "/api/games/gacha/pull", {"count": 1}))
        elif kind == 2:
            jobs.append((p, p, "/api/shop/buy", {"product_id": shield["id"], "quantity": 1}))
        elif kind == 3:
            jobs.append((p, p, "/api/streak/claim", {}))
        else:
            jobs.append((admin, p, f"/api/admin/users/{p.user_id}/gold/grant", {"amount": 700, "reason": "drop test"}))
    keys = [key() for _ in jobs]
    killer = asyncio.create_task(_terminate(rt, delay_s))
    first = await asyncio.gather(*[_send(c, path, b, k) for (c, _, path, b), k in zip(jobs, keys, strict=True)])
    ended = await killer
    retries: list[int] = []
    final = await asyncio.gather(*[_settle(c, path, b, k, a, retries)
                                   for (c, _, path, b), k, a in zip(jobs, keys, first, strict=True)])
    for (caller, target, path, body), k, answer in zip(jobs, keys, final, strict=True):
        again = await _send(caller, path, body, k)
        assert isinstance(again, httpx.Response) and again.status_code == 200
        assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == answer.json(), path
        assert await target.gold() == _balance(path, answer.json()), f"{path}: applied more than once"
    async with rt.sessionmaker() as session:
        rounds = dict((await session.execute(select(GameRound.user_id, func.count()).group_by(GameRound.user_id))).all())
    for _, target, path, _b in jobs:
        expected = 1 if path.startswith("/api/games/") else 0
        assert rounds.get(target.user_id, 0) == expected, f"{path}: {rounds.get(target.user_id)} rounds"
    assert ended > 0, "the app held connections to end"
    print(f"delay={delay_s} ended={ended} retried={len(retries)} first={[getattr(a, 'status_code', 'exc') for a in first]}")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sqlite_writer_connection_closed_under_it_retries_apply_once_or_replay(
        client: httpx.AsyncClient, app_rt: tuple[Any, Runtime], rt: Runtime) -> None:
    """SQLite has no server to end connections: close the settlement writer's kept driver connection instead."""
    writer = app_rt[0].state.settlement
    players = await fast_players(client, rt, 12, gold=5_000)
    for p in players:  # seed pairs exist, so the keyed requests below are plain settlements
        assert (await p.post("/api/games/slot/spin", json={"bet": 100})).status_code == 200
    assert writer.idle, "the writer keeps its connection between groups"
    raw = await writer.idle[0].get_raw_connection()
    await raw.driver_connection.close()  # type: ignore[union-attr]
    jobs = [(p, "/api/games/slot/spin" if i % 3 == 0 else "/api/games/gacha/pull" if i % 3 == 1
             else "/api/streak/claim", {"bet": 100} if i % 3 == 0 else {"count": 1} if i % 3 == 1 else {})
            for i, p in enumerate(players)]
    keys = [key() for _ in jobs]
    first = await asyncio.gather(*[_send(p, path, b, k) for (p, path, b), k in zip(jobs, keys, strict=True)])
    retries: list[int] = []
    final = await asyncio.gather(*[_settle(p, path, b, k, a, retries)
                                   for (p, path, b), k, a in zip(jobs, keys, first, strict=True)])
    for (p, path, body), k, answer in zip(jobs, keys, final, strict=True):
        again = await _send(p, path, body, k)
        assert isinstance(again, httpx.Response) and again.status_code == 200
        assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == answer.json(), path
        assert await p.gold() == _balance(path, answer.json()), f"{path}: applied more than once"
    async with rt.sessionmaker() as session:
        rounds = dict((await session.execute(select(GameRound.user_id, func.count()).group_by(GameRound.user_id))).all())
    for p, path, _b in jobs:
        assert rounds[p.user_id] == (2 if path.startswith("/api/games/") else 1), path
    print(f"sqlite retried={len(retries)} first={[getattr(a, 'status_code', 'exc') for a in first]}")
