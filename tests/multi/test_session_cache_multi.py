"""Two instances with session caches: a revocation answered by A refuses the very next read on B."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from casino_club.auth.models import User
from tests.multi.pairs import instance_pair
from tests.support.api import Player, login, make_admin, signup
from tests.support.databases import PgTemplates
from tests.support.servers import Server

pytestmark = [pytest.mark.pg, pytest.mark.redis]
READS = ("/api/users/balance", "/api/games/history", "/api/auth/me")


@pytest.fixture(scope="module")
def pair(pg_templates: PgTemplates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server, str]]:
    """Instances A and B on a fresh database and one Redis prefix, with a long cache TTL (no backstop help)."""
    yield from instance_pair(pg_templates, tmp_path_factory, "session-cache", session_cache_ttl_s="300")


def _on(client: httpx.AsyncClient, player: Player) -> Player:
    """The same tokens, sent to another instance."""
    return Player(client, player.site_id, player.password, player.access_token, player.refresh_token, player.user_id)


async def _statuses(player: Player) -> list[int]:
    return [(await player.get(path)).status_code for path in READS]


async def _second(client: httpx.AsyncClient, player: Player) -> Player:
    data = (await login(client, player.site_id, player.password)).json()
    return Player(client, player.site_id, player.password, data["access_token"], data["refresh_token"], player.user_id)


async def test_revocations_on_a_refuse_the_next_read_on_b(pair: tuple[Server, Server, str]) -> None:
    a, b, url = pair
    engine = create_async_engine(url)

    async def promote(user_id: int) -> None:
        async with engine.begin() as conn:
            await conn.execute(update(User).where(User.id == user_id).values(role="admin"))

    try:
        async with httpx.AsyncClient(base_url=a.url, timeout=30) as ca, \
                httpx.AsyncClient(base_url=b.url, timeout=30) as cb:
            # Logout, several times: B has the session cached and is read right after A answers.
            for _ in range(5):
                player = await signup(ca)
                assert await _statuses(_on(cb, player)) == [200, 200, 200]
                assert (await player.post("/api/auth/logout", idem=False)).status_code == 204
                assert await _statuses(_on(cb, player)) == [401, 401, 401]

            # logout-all on A ends both sessions cached on B.
            player = await signup(ca)
            other = await _second(ca, player)
            assert await _statuses(_on(cb, player)) == await _statuses(_on(cb, other)) == [200, 200, 200]
            assert (await other.post("/api/auth/logout-all", idem=False)).status_code == 204
            assert await _statuses(_on(cb, player)) == await _statuses(_on(cb, other)) == [401, 401, 401]

            # A password change on A ends the other session on B; the changing one stays.
            player = await signup(ca)
            other = await _second(ca, player)
            assert await _statuses(_on(cb, other)) == [200, 200, 200]
            changed = await player.put("/api/auth/me", json={"current_password": player.password,
                                                             "new_password": "new-password-1"})
            assert changed.status_code == 200, changed.text
            assert await _statuses(_on(cb, other)) == [401, 401, 401]
            assert await _statuses(_on(cb, player)) == [200, 200, 200]

            # A ban by an admin on A refuses the player on B.
            admin = await make_admin(ca, promote)
            player = await signup(ca)
            assert await _statuses(_on(cb, player)) == [200, 200, 200]
            banned = await admin.post(f"/api/admin/users/{player.user_id}/ban", json={"reason": "multi"})
            assert banned.status_code == 200, banned.text
            assert await _statuses(_on(cb, player)) == [401, 401, 401]
    finally:
        await engine.dispose()
