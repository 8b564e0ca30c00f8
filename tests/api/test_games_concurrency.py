"""200 concurrent slot spins by 20 players on PostgreSQL: stats, rounds table and ledger agree exactly."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from casino_club.games.models import GameRound, GameStats
from casino_club.kit.runtime import Runtime
from casino_club.wallet.models import Account, Transfer
from tests.support.api import signup

PLAYERS = 20
SPINS_EACH = 10
STAKE = 50


@pytest.fixture(params=["pg"])
def backend(request: pytest.FixtureRequest) -> str:
    """PostgreSQL only: SQLite serialises every write transaction, so this would not test concurrency."""
    return request.param


async def test_200_concurrent_spins_keep_stats_rounds_and_ledger_equal(client: httpx.AsyncClient,
                                                                        rt: Runtime) -> None:
    players = [await signup(client) for _ in range(PLAYERS)]
    responses = await asyncio.gather(*[p.post("/api/games/slot/spin", json={"bet": STAKE})
                                       for _ in range(SPINS_EACH) for p in players])
    assert [r.status_code for r in responses] == [200] * PLAYERS * SPINS_EACH, [r.text for r in responses
                                                                             if r.status_code != 200][:3]
    assert len({r.json()["round_id"] for r in responses}) == PLAYERS * SPINS_EACH
    async with rt.sessionmaker() as session:
        for p in players:
            rounds = list((await session.execute(select(GameRound).where(GameRound.user_id == p.user_id))).scalars())
            assert sorted(r.nonce for r in rounds) == list(range(SPINS_EACH))  # every nonce used exactly once
            stats = (await session.execute(select(GameStats).where(
                GameStats.user_id == p.user_id, GameStats.game == "slot"))).scalar_one()
            wagered, won = sum(r.stake for r in rounds), sum(r.payout for r in rounds)
            assert (stats.rounds, stats.wagered, stats.won) == (SPINS_EACH, wagered, won)
            assert stats.wins == sum(1 for r in rounds if r.result == "win")
            balance = (await session.execute(select(Account.balance).where(Account.user_id == p.user_id))).scalar_one()
            assert balance == 1000 - wagered + won
            api = (await p.get("/api/games/stats/me")).json()["games"]["slot"]
            assert (api["rounds"], api["wagered"], api["won"]) == (SPINS_EACH, wagered, won)

        async def total(reason: str) -> int:
            return (await session.execute(select(func.coalesce(func.sum(Transfer.amount), 0)).where(
                Transfer.reason == reason))).scalar_one()

        stats_wagered, stats_won, stats_rounds = (await session.execute(select(
            func.sum(GameStats.wagered), func.sum(GameStats.won), func.sum(GameStats.rounds)))).one()
        rounds_staked, rounds_paid, rounds_count = (await session.execute(select(
            func.sum(GameRound.stake), func.sum(GameRound.payout), func.count()))).one()
        assert stats_rounds == rounds_count == PLAYERS * SPINS_EACH
        assert stats_wagered == rounds_staked == await total("slot_bet") == PLAYERS * SPINS_EACH * STAKE
        assert stats_won == rounds_paid == await total("slot_payout")
