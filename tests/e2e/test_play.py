"""Player journeys in a real browser: what the page shows must equal what the API says."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid

from playwright.sync_api import expect

from casino_club.missions.service import SEED_MISSIONS
from tests.e2e.helpers import open_page, signup_in_context

GOLD = re.compile(r"^[\d,]+$")


def shown_gold(page) -> int:  # type: ignore[no-untyped-def]
    """The header gold once its count-up animation has settled."""
    el = page.get_by_test_id("header-gold")
    expect(el).to_have_text(GOLD)
    target = el.get_attribute("data-value")
    expect(el).to_have_text(f"{int(target):,}")
    return int(el.inner_text().replace(",", ""))


def expect_gold(page, value: int) -> None:  # type: ignore[no-untyped-def]
    expect(page.get_by_test_id("header-gold")).to_have_text(f"{value:,}", timeout=5000)


def test_signup_dashboard_shows_starting_gold(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    page = ctx.new_page()
    page.goto("/signup")
    site_id = f"s{uuid.uuid4().hex[:10]}"
    page.get_by_test_id("signup-site-id").fill(site_id)
    page.get_by_test_id("signup-nickname").fill(f"nick{site_id}")
    page.get_by_test_id("signup-password").fill("password123")
    page.get_by_test_id("signup-submit").click()
    page.wait_for_url("**/")
    page.wait_for_selector("body[data-booted=true]")
    balance = api.get(api.token(site_id, "password123"), "/api/users/balance")["gold"]
    assert balance == 1000
    expect_gold(page, balance)
    expect(page.get_by_test_id("home-gold")).to_have_text("1,000")
    expect(page.get_by_test_id("home-level")).to_have_text("1")
    # The visit itself ticked today's streak day, without a claim.
    token = api.token(site_id, "password123")
    deadline = time.monotonic() + 5
    while not api.get(token, "/api/streak/status")["ticked_today"] and time.monotonic() < deadline:
        time.sleep(0.1)
    status = api.get(token, "/api/streak/status")
    assert status["ticked_today"] is True and status["claimed_today"] is False


def play_slot(page, spins: int) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("nav-games").click()
    page.get_by_test_id("tile-slot").click()
    spin = page.get_by_test_id("slot-spin")
    results = page.get_by_test_id("slot-results").locator("li")
    for i in range(spins):
        expect(spin).to_be_enabled()
        spin.click()
        expect(results).to_have_count(i + 1)
    expect(spin).to_be_enabled()


def play_rps(page, rounds: int) -> None:  # type: ignore[no-untyped-def]
    page.goto("/games/rps")
    page.wait_for_selector("body[data-booted=true]")
    results = page.get_by_test_id("rps-results").locator("li")
    for i, choice in enumerate(["rock", "paper", "scissors"][:rounds]):
        expect(page.get_by_test_id(f"rps-{choice}")).to_be_enabled()
        page.get_by_test_id(f"rps-{choice}").click()
        expect(results).to_have_count(i + 1)
        expect(page.get_by_test_id("rps-result")).to_have_attribute("data-result", re.compile("win|draw|lose"))
    expect(page.get_by_test_id("rps-rock")).to_be_enabled()


def play_crash(page, rounds: int) -> None:  # type: ignore[no-untyped-def]
    page.goto("/games/crash")
    page.wait_for_selector("body[data-booted=true]")
    results = page.get_by_test_id("crash-results").locator("li")
    bet = page.get_by_test_id("crash-bet")
    for i in range(rounds):
        auto = i % 2 == 0  # alternate: server-side auto cash-out, then a manual cash-out click
        page.get_by_test_id("crash-auto").fill("1.01" if auto else "")
        expect(bet).to_be_enabled()
        bet.click()
        if not auto:
            cashout = page.get_by_test_id("crash-cashout")
            try:
                expect(cashout).to_be_enabled(timeout=3000)
                cashout.click()
            except AssertionError:
                pass  # crashed at 1.00x before the button could be used
        expect(page.get_by_test_id("crash-result")).to_have_attribute("data-result", re.compile("cashed|crashed"), timeout=15000)
        expect(results).to_have_count(i + 1)
    expect(bet).to_be_enabled()


def test_games_then_profile_stats_equal_api(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    page = open_page(ctx, "/")
    play_slot(page, 3)
    play_rps(page, 2)
    page.goto("/games/gacha")
    page.wait_for_selector("body[data-booted=true]")
    expect(page.get_by_test_id("gacha-odds").locator("tbody tr")).to_have_count(4)
    page.get_by_test_id("gacha-pull-1").click()
    expect(page.get_by_test_id("gacha-card-0")).to_have_class(re.compile("flipped"))
    expect(page.get_by_test_id("gacha-pity")).to_have_text(re.compile(r"^\d+$"))
    play_crash(page, 4)

    page.get_by_test_id("nav-profile").click()
    token = api.token(site_id, "password123")
    stats = api.get(token, "/api/games/stats/me")
    assert {g: s["rounds"] for g, s in stats["games"].items()} == {"slot": 3, "rps": 2, "gacha": 1, "crash": 4}
    for game, line in stats["games"].items():
        row = page.get_by_test_id(f"stats-{game}")
        for col in ("rounds", "wins", "losses", "ties", "wagered", "won", "net", "biggest_win"):
            expect(row.locator(f'td[data-col="{col}"]')).to_have_text(f"{line[col]:,}")
    total = page.get_by_test_id("stats-total")
    expect(total.locator('td[data-col="rounds"]')).to_have_text("10")
    expect(total.locator('td[data-col="net"]')).to_have_text(f"{stats['totals']['net']:,}")
    gold = api.get(token, "/api/users/balance")["gold"]
    expect_gold(page, gold)
    expect(page.get_by_test_id("profile-gold")).to_have_text(f"{gold:,}")


def test_buy_item_lowers_gold_and_fills_inventory(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    page = open_page(ctx, "/shop")
    expect_gold(page, 1000)
    page.get_by_test_id("buy-lucky_clover").click()
    expect(page.get_by_test_id("buy-dialog")).to_be_visible()
    page.get_by_test_id("buy-confirm").click()
    expect(page.get_by_test_id("buy-ok")).to_have_attribute("data-status", "success")
    gold = api.get(api.token(site_id, "password123"), "/api/users/balance")["gold"]
    assert gold == 700
    expect_gold(page, 700)
    page.get_by_test_id("buy-cancel").click()
    page.goto("/inventory")
    item = page.get_by_test_id("inv-lucky_clover")
    expect(item).to_be_visible()
    expect(item).to_have_attribute("data-quantity", "1")


def _webhook(api, secret: str, receipt: str) -> None:  # type: ignore[no-untyped-def]
    raw = json.dumps({"receipt_code": receipt, "status": "success"}).encode()
    sig = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    r = api.http.post("/api/shop/webhook/payment", content=raw, headers={
        "Content-Type": "application/json", "X-Signature": sig, "X-Timestamp": str(int(time.time())),
        "X-Nonce": uuid.uuid4().hex, "X-Event-Id": uuid.uuid4().hex})
    assert r.status_code == 200, r.text


def test_pending_gold_pack_badge_then_webhook_settles_live(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    page = open_page(ctx, "/shop")
    badge = page.get_by_test_id("shop-badge")
    expect(badge).to_be_hidden()
    page.get_by_test_id("buy-gold_1000").click()
    page.get_by_test_id("buy-confirm").click()
    expect(page.get_by_test_id("buy-ok")).to_have_attribute("data-status", "pending")
    expect(badge).to_have_text("1")
    expect(badge).to_be_visible()
    page.get_by_test_id("buy-cancel").click()
    token = api.token(site_id, "password123")
    receipt = api.get(token, "/api/shop/transactions")["items"][0]["receipt_code"]
    page.evaluate("window.__ccMarker = 1")  # proves there is no reload below
    _webhook(api, "dev-insecure-payment-webhook-secret", receipt)
    expect(badge).to_be_hidden(timeout=3000)
    expect_gold(page, 2000)
    assert api.get(token, "/api/users/balance")["gold"] == 2000
    assert page.evaluate("window.__ccMarker") == 1
    expect(page.get_by_test_id("shop-history").locator(f'tr[data-receipt="{receipt}"]')).to_have_attribute("data-status", "success")


def test_offline_during_spin_banner_retry_and_gold_matches(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    page = open_page(ctx, "/games/slot")
    expect_gold(page, 1000)
    ctx.set_offline(True)
    page.get_by_test_id("slot-spin").click()
    expect(page.get_by_test_id("net-banner")).to_be_visible()
    expect(page.get_by_test_id("slot-spin")).to_be_disabled()
    ctx.set_offline(False)
    page.get_by_test_id("net-retry").click()
    expect(page.get_by_test_id("net-banner")).to_be_hidden()
    expect(page.get_by_test_id("slot-results").locator("li")).to_have_count(1)
    token = api.token(site_id, "password123")
    history = api.get(token, "/api/games/history")["items"]
    assert len(history) == 1  # the retried spin happened exactly once
    gold = api.get(token, "/api/users/balance")["gold"]
    expect_gold(page, gold)
    page.wait_for_timeout(1800)  # the post-retry balance re-read must agree too
    expect_gold(page, gold)


def test_streak_claim_disables_the_button_with_a_countdown_and_the_xp_bar_is_right(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    page = open_page(ctx, "/")
    claim = page.get_by_test_id("streak-claim")
    expect(claim).to_be_enabled()
    claim.click()
    expect(page.locator("#streak-ok")).not_to_be_empty()
    # a second claim is impossible, not an error: disabled, counting down to the next local midnight
    expect(claim).to_be_disabled()
    expect(claim).to_have_attribute("data-claimed", "true")
    expect(claim).to_have_text(re.compile(r"다음 보상까지 \d\d:\d\d"))
    expect(page.get_by_test_id("streak-msg")).to_be_empty()
    me = api.get(api.token(site_id, "password123"), "/api/auth/me")
    into = me["xp"] - (me["level"] - 1) * 500
    expected = f"{into} / 500 XP"
    expect(page.locator("#home-xp")).to_have_text(expected)  # right at once, without a reload
    page.reload()
    page.wait_for_selector("body[data-booted=true]")
    expect(page.locator("#home-xp")).to_have_text(expected)
    expect(page.get_by_test_id("streak-claim")).to_be_disabled()


def test_language_switch_changes_ui_and_server_messages(new_context) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    page = open_page(ctx, "/login")
    expect(page.get_by_test_id("login-submit")).to_have_text("로그인")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("login-submit")).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_test_id("login-site-id").fill("nobody-here")
    page.get_by_test_id("login-password").fill("wrong-password")
    page.get_by_test_id("login-submit").click()
    error = page.get_by_test_id("login-error")
    expect(error).not_to_be_empty()
    assert re.search(r"[A-Za-z]", error.inner_text()) and not re.search(r"[가-힣]", error.inner_text())
    page.reload()
    page.wait_for_selector("body[data-booted=true]")
    expect(page.get_by_test_id("login-submit")).to_have_text("Log in")  # remembered (server renders it too)
    signup_in_context(ctx)
    page.goto("/")
    page.wait_for_selector("body[data-booted=true]")
    expect(page.get_by_test_id("nav-home")).to_contain_text("Home")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("nav-home")).to_contain_text("홈")


def test_api_client_retries_5xx_and_401_with_the_same_idempotency_key(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    page = open_page(ctx, "/games/slot")
    seen: list[dict[str, str]] = []
    refreshes: list[str] = []
    faults = iter([{"status": 503, "headers": {"Retry-After": "0"}, "body": "{}"},
                   {"status": 401, "body": '{"error":{"code":"INVALID_TOKEN","message":"x"}}'}])

    def spin(route) -> None:  # type: ignore[no-untyped-def]
        seen.append(dict(route.request.headers))
        fault = next(faults, None)
        if fault is None:
            route.continue_()
        else:
            route.fulfill(content_type="application/json", **fault)

    page.route("**/api/games/slot/spin", spin)
    page.on("request", lambda r: refreshes.append(r.url) if r.url.endswith("/api/auth/refresh") else None)
    page.get_by_test_id("slot-spin").click()
    expect(page.get_by_test_id("slot-results").locator("li")).to_have_count(1)
    keys = {h["idempotency-key"] for h in seen}
    assert len(seen) == 3 and len(keys) == 1, seen  # 503 -> backoff, 401 -> refresh, then success: one key
    assert refreshes, "a 401 must refresh the access token once"
    assert seen[2]["authorization"] != seen[0]["authorization"]  # retried with the fresh token
    assert all(h["accept-language"] == "ko" for h in seen)
    history = api.get(api.token(site_id, "password123"), "/api/games/history")["items"]
    assert len(history) == 1


def test_two_tabs_of_one_player_share_the_session_and_stay_in_sync(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    first, second = ctx.new_page(), ctx.new_page()
    # Both tabs boot at once: the rotating refresh cookie must not look like token reuse (Web Lock).
    first.goto("/games/slot", wait_until="commit")
    second.goto("/", wait_until="commit")
    for page in (first, second):
        page.wait_for_selector("body[data-booted=true]")
        page.wait_for_selector("body[data-realtime=on]")
    first.get_by_test_id("slot-spin").click()
    expect(first.get_by_test_id("slot-results").locator("li")).to_have_count(1)
    gold = api.get(api.token(site_id, "password123"), "/api/users/balance")["gold"]
    expect_gold(first, gold)
    expect_gold(second, gold)  # pushed over the WebSocket, no reload
    second.reload()
    second.wait_for_selector("body[data-booted=true]")
    expect_gold(second, gold)  # the session survived both tabs refreshing


def test_crash_round_shows_live_in_a_second_tab_which_can_cash_it_out(new_context) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    signup_in_context(ctx)
    first, second = ctx.new_page(), ctx.new_page()
    for page in (first, second):
        page.goto("/games/crash")
        page.wait_for_selector("body[data-realtime=on]")
    for _ in range(10):  # a round may crash before the other tab sees it: bet again
        first.get_by_test_id("crash-bet").click()
        expect(first.locator("#crash-readout")).to_have_attribute("data-round-id", re.compile(r"\d+"))
        round_id = first.locator("#crash-readout").get_attribute("data-round-id")
        try:  # the server's crash_tick frames bring the round to the tab that did not bet
            expect(second.locator("#crash-readout")).to_have_attribute("data-round-id", round_id or "", timeout=3000)
            expect(second.get_by_test_id("crash-cashout")).to_be_enabled(timeout=1000)
            second.get_by_test_id("crash-cashout").click()
        except AssertionError:
            expect(first.get_by_test_id("crash-result")).to_have_attribute("data-result", "crashed", timeout=15000)
            continue
        for page in (first, second):  # the end reaches both tabs
            expect(page.get_by_test_id("crash-result")).to_have_attribute("data-result", re.compile("cashed|crashed"),
                                                                          timeout=15000)
        return
    raise AssertionError("every round crashed before the second tab saw it")


def test_mission_completes_from_play_and_is_claimed_once(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    page = open_page(ctx, "/events")
    mission = page.get_by_test_id("mission-daily_play_1")
    expect(mission).to_have_attribute("data-progress", "0")
    page.goto("/games/rps")
    page.wait_for_selector("body[data-booted=true]")
    page.get_by_test_id("rps-rock").click()
    expect(page.get_by_test_id("rps-result")).to_have_attribute("data-result", re.compile("win|draw|lose"))
    page.get_by_test_id("nav-events").click()
    expect(mission).to_have_attribute("data-progress", "1")  # computed by the server from the round
    token = api.token(site_id, "password123")
    before = api.get(token, "/api/users/balance")["gold"]
    page.get_by_test_id("claim-daily_play_1").click()
    expect(mission).to_have_attribute("data-claimed", "true")
    expect(page.get_by_test_id("claim-daily_play_1")).to_have_count(0)
    reward = next(m.gold for m in SEED_MISSIONS if m.code == "daily_play_1")  # the shipped schedule's amount
    assert api.get(token, "/api/users/balance")["gold"] == before + reward
    expect_gold(page, before + reward)
    expect(page.get_by_test_id("toast").filter(has_text=str(reward))).to_have_count(1)


def test_fairness_rotate_then_verify_a_played_round(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    page = open_page(ctx, "/games/slot")
    page.get_by_test_id("slot-spin").click()
    expect(page.get_by_test_id("slot-results").locator("li")).to_have_count(1)
    token = api.token(site_id, "password123")
    played = api.get(token, "/api/games/history")["items"][0]
    expect(page.get_by_test_id("slot-fair")).to_contain_text(played["fairness"]["server_seed_hash"][:16])
    page.goto("/fairness")
    page.wait_for_selector("body[data-booted=true]")
    expect(page.get_by_test_id("fair-hash")).to_have_text(played["fairness"]["server_seed_hash"])
    page.get_by_test_id("fair-rotate").click()
    page.get_by_test_id(f"verify-round-{played['round_id']}").click()
    page.locator("#verify-form button[type=submit]").click()
    expect(page.get_by_test_id("verify-summary")).to_contain_text("✓")
    out = page.get_by_test_id("verify-out")
    for emoji in played["outcome"]["emojis"]:
        expect(out).to_contain_text(emoji)
    expect(out).to_contain_text(f'"payout": {played["payout"]}')
