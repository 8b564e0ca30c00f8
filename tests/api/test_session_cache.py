"""Cached sessions end at once: every revocation refuses the very next read, and a cached read is one statement."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from prometheus_client import REGISTRY
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.support.api import Player, login, signup

READS = ("/api/users/balance", "/api/games/history", "/api/auth/me")


async def _warm(player: Player) -> None:
    """Use the token on every hot read, so this instance holds the session in its cache."""
    for path in READS:
        response = await player.get(path)
        assert response.status_code == 200, (path, response.text)


async def _refused(player: Player, status: int = 401) -> None:
    for path in READS:
        assert (await player.get(path)).status_code == status, path


async def _second_session(client: httpx.AsyncClient, player: Player) -> Player:
    response = await login(client, player.site_id, player.password)
    assert response.status_code == 200, response.text
    data = response.json()
    return Player(client, player.site_id, player.password, data["access_token"], data["refresh_token"],
                  player.user_id)


@contextmanager
def _statements() -> Iterator[tuple[list[str], list[int]]]:
    """SQL the engines run meanwhile, and every statement sent (casino_db_statements_total, the raw reads too)."""
    seen: list[str] = []
    counted: list[int] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)
    before = REGISTRY.get_sample_value("casino_db_statements_total") or 0.0
    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen, counted
    finally:
        event.remove(Engine, "before_cursor_execute", record)
        counted.append(int((REGISTRY.get_sample_value("casino_db_statements_total") or 0.0) - before))


async def test_a_cached_read_is_one_statement_and_logout_refuses_the_next_one(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    await _warm(player)
    with _statements() as (seen, counted):
        assert (await player.get("/api/users/balance")).status_code == 200
    # One statement in all: the balance (on PostgreSQL it goes to asyncpg directly, so only the counter sees it;
    # reading the session would have been a second one).
    assert counted == [1], (counted, seen)
    assert not any("auth_sessions" in sql for sql in seen), seen
    assert (await player.post("/api/auth/logout", idem=False)).status_code == 204
    await _refused(player)


async def test_logout_all_ends_every_cached_session(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    other = await _second_session(client, player)
    await _warm(player)
    await _warm(other)
    assert (await other.post("/api/auth/logout-all", idem=False)).status_code == 204
    await _refused(player)
    await _refused(other)


async def test_password_change_ends_the_other_cached_sessions(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    other = await _second_session(client, player)
    await _warm(player)
    await _warm(other)
    changed = await player.put("/api/auth/me", json={"current_password": player.password,
                                                     "new_password": "another-password1"})
    assert changed.status_code == 200, changed.text
    await _refused(other)
    await _warm(player)  # the session that changed it stays


async def test_ending_one_session_refuses_it_at_once(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    other = await _second_session(client, player)
    await _warm(player)
    await _warm(other)
    sid = next(s["id"] for s in (await player.get("/api/auth/sessions")).json() if not s["current"])
    assert (await player.delete(f"/api/auth/sessions/{sid}")).status_code == 200
    await _refused(other)
    await _warm(player)


async def test_admin_ban_end_sessions_and_demotion_count_at_once(client: httpx.AsyncClient, admin: Player) -> None:
    player = await signup(client)
    await _warm(player)
    banned = await admin.post(f"/api/admin/users/{player.user_id}/ban", json={"reason": "cheating"})
    assert banned.status_code == 200, banned.text
    await _refused(player)
    assert (await login(client, player.site_id, player.password)).status_code == 403  # ACCOUNT_BANNED

    victim = await signup(client)
    await _warm(victim)
    assert (await admin.post(f"/api/admin/users/{victim.user_id}/end-sessions")).status_code == 200
    await _refused(victim)

    # A role change clears the role cached with the user's sessions: a demoted admin loses admin reads at once.
    peer = await signup(client)
    assert (await admin.post(f"/api/admin/users/{peer.user_id}/role", json={"role": "admin"})).status_code == 200
    assert (await peer.get(f"/api/actions/recent?user_id={admin.user_id}")).status_code == 200
    assert (await admin.post(f"/api/admin/users/{peer.user_id}/role", json={"role": "user"})).status_code == 200
    assert (await peer.get(f"/api/actions/recent?user_id={admin.user_id}")).status_code == 403


async def test_reads_racing_a_logout_never_outlive_it(client: httpx.AsyncClient) -> None:
    # Reads in flight while the revocation commits may fill the cache from the old row; the generation
    # check drops those fills, so whatever raced, the first read after the logout answered is refused.
    for _ in range(5):
        player = await signup(client)
        await _warm(player)
        racing = [player.get(path) for path in READS * 3]
        results = await asyncio.gather(player.post("/api/auth/logout", idem=False), *racing)
        assert results[0].status_code == 204
        assert all(r.status_code in (200, 401) for r in results[1:])
        await _refused(player)
