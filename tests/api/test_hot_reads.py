"""The hot GETs answer without models: their JSON must equal what the response models would have produced."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from casino_club.auth.profile import load_profile
from casino_club.games.models import GameRound
from casino_club.games.service_common import revealed_seeds, round_out
from casino_club.kit.runtime import Runtime
from casino_club.wallet.models import Account
from casino_club.wallet.schemas import BalanceOut
from tests.support.api import signup


async def test_history_balance_and_me_equal_their_models_json(client: httpx.AsyncClient, rt: Runtime) -> None:
    player = await signup(client)
    for path, body in (("/api/games/slot/spin", {"bet": 10}), ("/api/games/rps/play", {"bet": 10, "choice": "rock"})):
        assert (await player.post(path, json=body)).status_code == 200
    assert (await player.post("/api/fairness/rotate", json={})).status_code == 200  # earlier seeds now public
    for path, body in (("/api/games/slot/spin", {"bet": 10}), ("/api/games/crash/bet", {"bet": 10})):
        assert (await player.post(path, json=body)).status_code == 200  # the crash round may still be open
    async with rt.sessionmaker() as session:  # a time on a whole second is written without a fraction
        first = (await session.execute(select(GameRound).where(GameRound.user_id == player.user_id)
                                       .order_by(GameRound.id))).scalars().first()
        assert first is not None
        first.created_at = first.created_at.replace(microsecond=0)
        await session.commit()

    page = (await player.get("/api/games/history", params={"limit": 3})).json()
    rest = (await player.get("/api/games/history", params={"cursor": page["next_cursor"]})).json()
    assert len(page["items"]) == 3 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    async with rt.sessionmaker() as session:
        rows = list((await session.execute(select(GameRound).where(GameRound.user_id == player.user_id)
                                           .order_by(GameRound.id.desc()))).scalars())
        seeds = await revealed_seeds(session, {r.seed_pair_id for r in rows})
        expected = [round_out(r, seeds.get(r.seed_pair_id)).model_dump(mode="json") for r in rows]
        assert any(e["fairness"]["server_seed"] for e in expected) and not all(e["fairness"]["server_seed"]
                                                                             for e in expected)
        assert page["items"] + rest["items"] == expected
        assert "." not in rest["items"][0]["created_at"] and rest["items"][0]["created_at"].endswith("Z")

        account = (await session.execute(select(Account).where(Account.user_id == player.user_id))).scalar_one()
        profile = (await load_profile(session, player.user_id)).model_dump(mode="json")
    balance = BalanceOut(gold=account.balance, level=profile["level"], xp=profile["xp"], owed=account.owed,
                         updated_at=account.updated_at).model_dump(mode="json")
    assert (await player.get("/api/users/balance")).json() == balance
    assert (await player.get("/api/auth/me")).json() == profile
    crash_only = (await player.get("/api/games/history", params={"game": "crash"})).json()
    assert [i["game"] for i in crash_only["items"]] == ["crash"]
    bad = await player.get("/api/games/history", params={"game": "poker"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "UNKNOWN_GAME"
