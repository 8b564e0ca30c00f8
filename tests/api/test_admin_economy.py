"""The admin economy dashboard counts minted and burned gold per day from the ledger (issue 21 §3)."""

from __future__ import annotations

import httpx

from tests.support.api import Player, signup


async def test_minted_by_source_burned_by_sink_and_their_ratio(client: httpx.AsyncClient, admin: Player) -> None:
    before = (await admin.get("/api/admin/economy", params={"days": 1})).json()["days"][-1]
    player = await signup(client)  # the welcome gold: minted by promotions
    grant = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json={"amount": 500, "reason": "gift"})
    assert grant.status_code == 200
    deduct = await admin.post(f"/api/admin/users/{player.user_id}/gold/deduct", json={"amount": 200, "reason": "fix"})
    assert deduct.status_code == 200
    staked = paid = 0
    for _ in range(10):
        spin = (await player.post("/api/games/slot/spin", json={"bet": 50})).json()
        staked, paid = staked + 50, paid + spin["payout"]
    today = (await admin.get("/api/admin/economy", params={"days": 1})).json()["days"][-1]

    def delta(kind: str, name: str) -> int:
        return int(today[kind].get(name, 0)) - int(before[kind].get(name, 0))

    assert delta("minted", "promotions") == 1000 and delta("minted", "admin") == 500
    assert delta("burned", "admin") == 200 and delta("burned", "house") == staked - paid
    minted, burned = sum(today["minted"].values()), sum(today["burned"].values())
    assert today["burn_ratio"] == round(burned / minted, 4)
    balance = (await player.get("/api/users/balance")).json()["gold"]
    assert balance == 1000 + 500 - 200 - staked + paid  # what the dashboard counted is what the player holds
