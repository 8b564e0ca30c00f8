"""Fairness over HTTP: committed hash, client seed, rotation reveals, verify endpoint and CLI re-derivation."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest

from casino_club.kit.clock import Clock
from tests.support.api import signup


def _cli_verify(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "casino_club", "fairness", "verify", *args],
                          capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def test_seed_pair_commitment_and_rotation_reveal(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    current = (await player.get("/api/fairness")).json()
    assert current["nonce"] == 0 and len(current["server_seed_hash"]) == 64 and current["revealed"] == []
    assert (await player.get("/api/fairness")).json()["server_seed_hash"] == current["server_seed_hash"]
    spin = (await player.post("/api/games/slot/spin", json={"bet": 10})).json()
    assert spin["fairness"]["server_seed_hash"] == current["server_seed_hash"]
    assert spin["fairness"]["nonce"] == 0
    assert (await player.get("/api/fairness")).json()["nonce"] == 1

    rotated = await player.post("/api/fairness/rotate", json={"client_seed": "my-new-seed"})
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    revealed = body["revealed"]
    assert hashlib.sha256(revealed["server_seed"].encode()).hexdigest() == current["server_seed_hash"]
    assert revealed["rounds_played"] == 1
    assert body["current"]["server_seed_hash"] != current["server_seed_hash"]
    assert body["current"]["client_seed"] == "my-new-seed" and body["current"]["nonce"] == 0
    assert body["current"]["revealed"][0]["server_seed"] == revealed["server_seed"]
    # History now shows the revealed seed for the old round.
    history = (await player.get("/api/games/history")).json()["items"]
    assert history[0]["fairness"]["server_seed"] == revealed["server_seed"]
    nxt = (await player.post("/api/games/slot/spin", json={"bet": 10})).json()
    assert nxt["fairness"]["client_seed"] == "my-new-seed" and nxt["fairness"]["nonce"] == 0
    assert (await player.get("/api/games/history")).json()["items"][0]["fairness"]["server_seed"] is None


async def test_client_seed_change_applies_to_next_round(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    response = await player.put("/api/fairness/client-seed", json={"client_seed": "lucky-7"})
    assert response.status_code == 200 and response.json()["client_seed"] == "lucky-7"
    body = (await player.post("/api/games/rps/play", json={"bet": 10, "choice": "rock"})).json()
    assert body["fairness"]["client_seed"] == "lucky-7"
    for bad in ["a:b", "   ", "x" * 65, ""]:
        rejected = await player.put("/api/fairness/client-seed", json={"client_seed": bad})
        assert rejected.status_code == 422, bad
        assert rejected.json()["error"]["code"] in {"INVALID_CLIENT_SEED", "VALIDATION_ERROR"}


async def test_rounds_rederive_after_rotate_with_cli_and_endpoint(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    await player.put("/api/fairness/client-seed", json={"client_seed": "verify-me"})
    slot = (await player.post("/api/games/slot/spin", json={"bet": 100})).json()
    rps = (await player.post("/api/games/rps/play", json={"bet": 30, "choice": "scissors"})).json()
    gacha = (await player.post("/api/games/gacha/pull", json={"count": 1})).json()
    seed = (await player.post("/api/fairness/rotate")).json()["revealed"]["server_seed"]

    out = await asyncio.to_thread(_cli_verify, "slot", seed, "verify-me", str(slot["fairness"]["nonce"]), "--bet", "100")
    assert out["outcome"] == slot["outcome"] and out["payout"] == slot["payout"]
    assert out["server_seed_hash"] == slot["fairness"]["server_seed_hash"]
    out = await asyncio.to_thread(_cli_verify, "rps", seed, "verify-me", str(rps["fairness"]["nonce"]), "--bet", "30",
                                  "--choice", "scissors")
    assert out["outcome"] == rps["outcome"] and out["payout"] == rps["payout"]
    out = await asyncio.to_thread(_cli_verify, "gacha", seed, "verify-me", str(gacha["fairness"]["nonce"]), "--count",
                                  "1", "--pity", str(gacha["params"]["pulls_since_legendary"]))
    assert out["outcome"] == gacha["outcome"]

    api = await client.post("/api/fairness/verify", json={
        "game": "slot", "server_seed": seed, "client_seed": "verify-me", "nonce": slot["fairness"]["nonce"],
        "params": {"bet": 100, "server_seed_hash": slot["fairness"]["server_seed_hash"]}})
    assert api.status_code == 200, api.text
    assert api.json()["outcome"] == slot["outcome"] and api.json()["hash_matches"] is True


async def test_crash_round_rederives_after_settlement(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    bet = (await player.post("/api/games/crash/bet", json={"bet": 100, "auto_cashout": 1.01})).json()
    round_id = bet["round_id"]
    for _ in range(100):
        view = (await player.get(f"/api/games/crash/rounds/{round_id}")).json()
        if view["status"] == "settled":
            break
        await asyncio.sleep(0.05)
    assert view["status"] == "settled"
    seed = (await player.post("/api/fairness/rotate")).json()["revealed"]["server_seed"]
    out = await asyncio.to_thread(_cli_verify, "crash", seed, bet["fairness"]["client_seed"],
                                  str(bet["fairness"]["nonce"]), "--bet", "100", "--auto-cashout", "1.01")
    assert out["outcome"]["crash_point_x100"] == view["outcome"]["crash_point_x100"]
    assert out["payout"] == view["payout"]


@pytest.mark.parametrize("body", [
    {"game": "poker", "server_seed": "s", "client_seed": "c", "nonce": 0},
    {"game": "rps", "server_seed": "s", "client_seed": "c", "nonce": 0, "params": {"choice": "lizard"}},
    {"game": "rps", "server_seed": "s", "client_seed": "c", "nonce": 0, "params": {"choice": 5}},
    {"game": "gacha", "server_seed": "s", "client_seed": "c", "nonce": 0, "params": {"count": 3}},
    {"game": "crash", "server_seed": "s", "client_seed": "c", "nonce": 0, "params": {"auto_cashout": 0.5}},
    {"game": "crash", "server_seed": "s", "client_seed": "c", "nonce": 0, "params": {"cashout_multiplier": 0.5}},
    {"game": "crash", "server_seed": "s", "client_seed": "c", "nonce": 0, "params": {"cashout_multiplier": "2"}},
    {"game": "slot", "server_seed": "s", "client_seed": "c", "nonce": -1},
    {"game": "slot", "server_seed": "", "client_seed": "c", "nonce": 0},
    {"game": "slot", "server_seed": "s", "client_seed": "c", "nonce": 0, "params": {"bet": [1]}},
])
async def test_verify_rejects_bad_input_with_422(client: httpx.AsyncClient, body: dict) -> None:
    response = await client.post("/api/fairness/verify", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"]


async def test_rotate_refused_while_crash_round_open(client: httpx.AsyncClient, clock: Clock) -> None:
    player = await signup(client)
    for _ in range(5):
        bet = (await player.post("/api/games/crash/bet", json={"bet": 10})).json()
        clock.advance(timedelta(hours=-1))  # server time before the start: the round cannot crash now
        if (await player.get(f"/api/games/crash/rounds/{bet['round_id']}")).json()["status"] == "open":
            break
        clock.advance(timedelta(hours=1))  # a 1.00x crash was settled before the clock moved: try again
    refused = await player.post("/api/fairness/rotate")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "CRASH_ROUND_OPEN"
    current = (await player.get("/api/fairness")).json()
    assert current["server_seed_hash"] == bet["fairness"]["server_seed_hash"] and current["revealed"] == []
    clock.advance(timedelta(hours=1, seconds=200))  # now it has crashed (or auto-settled): rotation works again
    view = (await player.get(f"/api/games/crash/rounds/{bet['round_id']}")).json()
    assert view["status"] == "settled" and view["result"] == "lose"
    assert (await player.post("/api/fairness/rotate")).status_code == 200


async def test_non_finite_and_huge_inputs_are_422(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    raw = '{"bet": 10, "auto_cashout": Infinity}'
    response = await player.post("/api/games/crash/bet", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    response = await client.post("/api/fairness/verify", content=(
        '{"game": "crash", "server_seed": "s", "client_seed": "c", "nonce": 0, "params": {"auto_cashout": Infinity}}'),
        headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert (await player.post("/api/games/crash/cashout", json={"round_id": 2**70})).status_code == 422
    assert (await player.get(f"/api/games/crash/rounds/{2**70}")).status_code == 422
    cursor = base64.urlsafe_b64encode(b'{"i": 1180591620717411303424}').decode().rstrip("=")
    assert (await player.get("/api/games/history", params={"cursor": cursor})).status_code == 422
    assert await player.gold() == 1000
