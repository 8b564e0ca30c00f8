"""The fairness page's verifier (WebCrypto, no server call) reproduces 10,000 server-derived rounds per game."""

from __future__ import annotations

import json
import random
import re
from typing import Any

from playwright.sync_api import expect

from casino_club.games.rules import rps
from casino_club.games.verify_cli import recompute
from tests.e2e.helpers import open_page, signup_in_context

ROUNDS_PER_GAME = 10_000
BATCH = 2_500  # rounds per page.evaluate call

VERIFY_BATCH = """async (cases) => {
  const { verifyRound } = await import("/static/js/fair-verify.js");
  const rules = JSON.parse(document.getElementById("fair-rules").textContent);
  const out = [];
  for (const [game, server, client, nonce, params] of cases) {
    const r = await verifyRound(rules, game, server, client, nonce, params);
    out.push({ outcome: r.outcome, payout: r.payout ?? null, cost: r.cost ?? null, hash: r.server_seed_hash,
               matches: r.hash_matches ?? null });
  }
  return out;
}"""


def _params(game: str, rng: random.Random) -> dict[str, Any]:
    # Every input that changes the result: odd stakes (fractional payouts), targets, manual multipliers, pity.
    bet = rng.choice([rng.randint(10, 200), rng.randint(10, 100_000)])
    if game == "slot":
        return {"bet": bet}
    if game == "rps":
        return {"bet": bet, "choice": rng.choice(rps.CHOICES)}
    if game == "gacha":
        return {"count": rng.choice([1, 10]), "pity": rng.choice([0, rng.randint(0, 95), 88, 89])}
    if rng.random() < 0.5:
        return {"bet": bet, "auto_cashout_x100": rng.choice([101, 105, 109, rng.randint(101, 100_000)])}
    return {"bet": bet, "cashout_multiplier": rng.choice([1.0, 1.0 + rng.random() * 0.05, 1.0 + rng.random() * 20])}


def _expected(case: list[Any]) -> dict[str, Any]:
    game, server, client, nonce, params = case
    r = recompute(game, server, client, nonce, params)  # the server's own derivation
    return {"outcome": r["outcome"], "payout": r.get("payout"), "cost": r.get("cost"), "hash": r["server_seed_hash"],
            "matches": r.get("hash_matches")}


def _comparable(result: dict[str, Any]) -> dict[str, Any]:
    # duration_seconds is display-only (a rounded logarithm): the crash point itself is compared exactly.
    outcome = {k: v for k, v in result["outcome"].items() if k != "duration_seconds"}
    return result | {"outcome": outcome}


def test_browser_verifier_reproduces_10000_server_rounds_per_game(new_context) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    signup_in_context(ctx)
    page = open_page(ctx, "/fairness")
    page.wait_for_load_state("networkidle")  # the page's own start-up requests are done
    calls: list[str] = []
    page.on("request", lambda req: calls.append(req.url) if "/api/" in req.url else None)
    ctx.set_offline(True)  # the loaded page verifies with the network gone
    rng = random.Random(21)
    for game in ("slot", "rps", "gacha", "crash"):
        for start in range(0, ROUNDS_PER_GAME, BATCH):
            server = f"{rng.getrandbits(256):064x}"
            client = rng.choice([f"{rng.getrandbits(128):032x}", "내 시드 🎲", "x"])
            cases = [[game, server, client, rng.choice([start + i, rng.randint(0, 2**40)]), _params(game, rng)]
                     for i in range(BATCH)]
            cases[0][4] = cases[0][4] | {"server_seed_hash": "0" * 64}  # a wrong commitment is reported as such
            got = page.evaluate(VERIFY_BATCH, cases)
            assert len(got) == BATCH
            for case, browser in zip(cases, got, strict=True):
                assert _comparable(browser) == _comparable(_expected(case)), case
            assert got[0]["matches"] is False
    ctx.set_offline(False)
    assert calls == [], calls  # verification never asked the server


def test_first_round_uses_a_browser_made_client_seed_and_the_committed_next_seed(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    token = api.token(site_id, "password123")
    before = api.get(token, "/api/fairness")
    assert before["client_seed_by_player"] is False
    page = open_page(ctx, "/games/slot")
    page.get_by_test_id("slot-spin").click()
    expect(page.get_by_test_id("slot-results").locator("li")).to_have_count(1)
    played = api.get(token, "/api/games/history")["items"][0]
    assert re.fullmatch(r"[0-9a-f]{32}", played["fairness"]["client_seed"])  # crypto.getRandomValues, 16 bytes
    assert played["fairness"]["client_seed"] != before["client_seed"]
    assert played["fairness"]["server_seed_hash"] == before["server_seed_hash"]  # committed before the seed existed
    page.goto("/fairness")
    page.wait_for_selector("body[data-booted=true]")
    expect(page.get_by_test_id("fair-next-hash")).to_have_text(before["next_server_seed_hash"])
    expect(page.get_by_test_id("fair-client")).to_have_text(played["fairness"]["client_seed"])
    page.get_by_test_id("fair-rotate").click()
    expect(page.get_by_test_id("fair-hash")).to_have_text(before["next_server_seed_hash"])


def test_downloaded_verifier_works_from_disk_with_no_network(new_context, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    signup_in_context(ctx)
    page = open_page(ctx, "/fairness")
    with page.expect_download() as download:
        page.get_by_test_id("fair-offline").click()
    saved = tmp_path / "verifier.html"
    download.value.save_as(saved)
    offline = new_context()
    offline.set_offline(True)
    disk = offline.new_page()
    requests: list[str] = []
    disk.on("request", lambda req: requests.append(req.url))
    disk.goto(saved.as_uri())
    disk.wait_for_function("typeof window.verifyRound === 'function'")
    rng = random.Random(2121)
    cases = [[game, f"{rng.getrandbits(256):064x}", "disk", rng.randint(0, 10**6), _params(game, rng)]
             for game in ("slot", "rps", "gacha", "crash") for _ in range(100)]
    got = disk.evaluate("""async (cases) => {
      const rules = JSON.parse(document.getElementById("fair-rules").textContent);
      const out = [];
      for (const [game, server, client, nonce, params] of cases) {
        const r = await window.verifyRound(rules, game, server, client, nonce, params);
        out.push({ outcome: r.outcome, payout: r.payout ?? null, cost: r.cost ?? null, hash: r.server_seed_hash,
                   matches: r.hash_matches ?? null });
      }
      return out;
    }""", cases)
    for case, browser in zip(cases, got, strict=True):
        assert _comparable(browser) == _comparable(_expected(case)), case
    # The form works too: the first slot case, typed in.
    game, server, client, nonce, params = cases[0]
    disk.locator("#v-server").fill(server)
    disk.locator("#v-client").fill(client)
    disk.locator("#v-nonce").fill(str(nonce))
    disk.locator("#v-extra").fill(json.dumps(params))
    disk.locator("#verify-form button").click()
    expect(disk.locator("#verify-out")).to_contain_text(f'"payout": {_expected(cases[0])["payout"]}')
    assert [u for u in requests if not u.startswith("file:")] == []
