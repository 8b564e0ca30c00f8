"""Migration 0004 on data: users without a pair get one, active pairs commit a next seed, open crash rounds keep floats."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from casino_club import migrate
from casino_club.fairness.engine import float_word, outcome_floats

NOW = "2026-12-01 00:00:00"


async def _sql(url: str, statements: list[str], query: str | None = None) -> list[Any]:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))
        rows = list((await conn.execute(text(query))).all()) if query else []
    await engine.dispose()
    return rows


def _user(uid: int) -> str:
    return ("INSERT INTO users (id, site_id, site_id_lower, nickname, nickname_lower, password_hash, role, rank, xp, "
            f"vip_points, event_seq, banned, totp_enabled, created_at, updated_at) VALUES ({uid}, 'u{uid}', 'u{uid}', "
            f"'n{uid}', 'n{uid}', 'x', 'user', 'STANDARD', 0, 0, 0, false, false, '{NOW}', '{NOW}')")


def _pair(pid: int, uid: int, client_seed: str) -> str:
    return ("INSERT INTO fairness_seed_pairs (id, user_id, active_user_id, server_seed, server_seed_hash, client_seed, "
            f"next_nonce, created_at) VALUES ({pid}, {uid}, {uid}, 'seed{pid}', 'h', '{client_seed}', 1, '{NOW}')")


def test_upgrade_commits_pairs_and_next_seeds_for_existing_data(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url, "0003")
    asyncio.run(_sql(url, [
        _user(1), _user(2), _user(3),
        _pair(10, 1, "0123456789abcdef"),  # a placeholder the server made
        _pair(20, 2, "my own seed"),  # one the player chose
        "INSERT INTO game_rounds (id, user_id, game, stake, payout, result, status, params, outcome, seed_pair_id, "
        "server_seed_hash, client_seed, nonce, created_at) VALUES (5, 2, 'crash', 100, 0, 'open', 'open', '{}', '{}', "
        f"20, 'h', 'my own seed', 0, '{NOW}')",
        "INSERT INTO crash_rounds (round_id, user_id, seed_pair_id, stake, crash_x100, started_at, due_at, status) "
        f"VALUES (5, 2, 20, 100, 150, '{NOW}', '{NOW}', 'open')",
    ]))
    migrate.upgrade(url)
    migrate.check(url)
    pairs = asyncio.run(_sql(url, [], "SELECT user_id, active_user_id, server_seed, server_seed_hash, client_seed, "
                                      "client_seed_by_player, next_server_seed, next_server_seed_hash "
                                      "FROM fairness_seed_pairs ORDER BY user_id"))
    assert [p[0] for p in pairs] == [1, 2, 3]  # user 3 had none: committed now, before any round
    for user_id, active, seed, seed_hash, _client, _by_player, nxt, nxt_hash in pairs:
        assert active == user_id and nxt and nxt != seed
        assert nxt_hash == hashlib.sha256(nxt.encode()).hexdigest()
        if user_id == 3:
            assert seed_hash == hashlib.sha256(seed.encode()).hexdigest()
    assert [bool(p[5]) for p in pairs] == [False, True, False]
    words = asyncio.run(_sql(url, [], "SELECT crash_word, round_word FROM crash_rounds WHERE round_id = 5"))
    assert list(words[0]) == [float_word(u) for u in outcome_floats("seed20", "my own seed", 0, 2)]
    migrate.downgrade(url, "0003")
