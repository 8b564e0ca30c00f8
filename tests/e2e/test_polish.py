"""Issue 19: state-aware controls, one outcome wording, a banner that never moves the buttons, the lobby,
notifications, sessions and the not-found page — as a player sees them in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import SEED_PASSWORD, open_page, signup_in_context
from tests.e2e.test_console import admin_page


def test_bets_the_balance_cannot_pay_are_disabled_with_a_shop_link(new_context) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    signup_in_context(ctx)  # 1,000 gold
    page = open_page(ctx, "/games/gacha")
    expect(page.get_by_test_id("gacha-pull-10")).to_be_disabled()  # 4,500 > 1,000
    expect(page.get_by_test_id("gacha-pull-1")).to_be_enabled()
    shop = page.get_by_test_id("gacha-shop")
    expect(shop).to_be_visible()
    expect(shop.locator("a")).to_have_attribute("href", "/shop")

    page.goto("/games/slot")
    page.wait_for_selector("body[data-booted=true]")
    amount, spin, link = (page.get_by_test_id("slot-bet-amount"), page.get_by_test_id("slot-spin"),
                          page.get_by_test_id("slot-bet-shop"))
    expect(link).to_be_hidden()
    amount.fill("5000")
    expect(spin).to_be_disabled()
    expect(link).to_be_visible()
    page.get_by_test_id("slot-chip-max").click()  # max is what the balance can pay
    expect(amount).to_have_value("1000")
    expect(spin).to_be_enabled()
    expect(link).to_be_hidden()
    page.get_by_test_id("slot-chip-half").click()
    expect(amount).to_have_value("500")
    page.get_by_test_id("slot-chip-double").click()
    page.get_by_test_id("slot-chip-double").click()  # never past the balance
    expect(amount).to_have_value("1000")


def test_spin_button_never_moves_and_the_banner_agrees_with_the_chip(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    token = api.token(site_id, "password123")
    page = open_page(ctx, "/games/slot")
    spin = page.get_by_test_id("slot-spin")
    banner = page.get_by_test_id("slot-result")
    chips = page.get_by_test_id("slot-results").locator("li")
    before = spin.bounding_box()
    for i in range(4):
        spin.click()
        expect(chips).to_have_count(i + 1)
        expect(banner).to_have_attribute("data-kind", re.compile("win|even|partial|loss"))
        expect(spin).to_be_enabled()  # the round's animation is over: banner and chip show this round
        assert spin.bounding_box() == before, "the Spin button moved when the result appeared"
        last = api.get(token, "/api/games/history?game=slot&limit=1")["items"][0]
        net = last["payout"] - last["stake"]
        kind = banner.get_attribute("data-kind")
        chip = chips.first.inner_text()
        if net > 0:
            assert kind == "win" and chip == f"+{net:,}"
            expect(banner).to_contain_text(f"+{net:,}")
            expect(banner).to_contain_text(f"{last['payout']:,}")
        elif net == 0:  # the payout equals the stake
            assert kind == "even" and chip == "±0"
        else:
            assert kind in ("loss", "partial") and chip == f"{net:,}"
        expect(spin).to_be_enabled()
    assert spin.bounding_box() == before


def test_a_cash_out_that_returns_the_stake_is_break_even(new_context) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    signup_in_context(ctx)
    page = open_page(ctx, "/games/crash")
    banner = page.get_by_test_id("crash-result")
    for _ in range(6):  # a round may crash at 1.00x before the click lands: try again
        page.get_by_test_id("crash-bet-amount").fill("10")
        expect(page.get_by_test_id("crash-bet")).to_be_enabled()
        page.get_by_test_id("crash-bet").click()
        cashout = page.get_by_test_id("crash-cashout")
        try:
            expect(cashout).to_be_enabled(timeout=3000)
            cashout.click()  # below 1.10x a 10-gold stake pays back exactly 10
        except AssertionError:
            pass
        expect(banner).to_have_attribute("data-result", re.compile("cashed|crashed"), timeout=15000)
        if banner.get_attribute("data-result") == "cashed" and banner.get_attribute("data-kind") == "even":
            expect(banner).to_contain_text("본전")
            expect(banner).not_to_have_class(re.compile(r"\bwin\b"))
            expect(page.get_by_test_id("crash-results").locator("li").first).to_contain_text("±0")
            return
    raise AssertionError("no cash-out returned exactly the stake in 6 rounds")


def test_mission_progress_is_capped_and_zero_xp_is_not_shown(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    token = api.token(site_id, "password123")
    for _ in range(3):
        assert api.post(token, "/api/games/slot/spin", {"bet": 10}).status_code == 200
    page = open_page(ctx, "/events")
    expect(page.get_by_test_id("mission-daily_play_1-progress")).to_have_text("1 / 1")  # 3 played, goal 1
    expect(page.get_by_test_id("mission-daily_slot_5-progress")).to_have_text("3 / 5")
    expect(page.get_by_test_id("mission-weekly_games_20-reward")).not_to_contain_text("XP")  # 0 XP reward
    expect(page.get_by_test_id("mission-daily_slot_5-reward")).to_contain_text("50 XP")


def test_lobby_artwork_promo_not_found_and_favicon(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    page = open_page(ctx, "/")
    for game in ("slot", "rps", "gacha", "crash"):
        art = page.get_by_test_id(f"home-tile-{game}").locator("img.game-art")
        expect(art).to_have_attribute("src", f"/static/img/games/{game}.svg")
        assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", art.element_handle()), game
    events = api.get(api.token(site_id, "password123"), "/api/events")["items"]
    promo = page.get_by_test_id("promo-banner")
    expect(promo).to_contain_text(next(e for e in events if not e["claimed"])["title"])
    icon = page.locator('link[rel="icon"]')
    assert ctx.request.get(icon.get_attribute("href")).status == 200
    response = page.goto("/no/such/page")
    assert response.status == 404 and response.headers["content-type"].startswith("text/html")
    page.wait_for_selector("body[data-booted=true]")
    expect(page.get_by_test_id("not-found")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("페이지를 찾을 수 없습니다")
    page.get_by_test_id("not-found-home").click()
    page.wait_for_url("**/")


def test_notifications_read_button_badge_and_bell_highlight(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    me = api.get(api.token(site_id, "password123"), "/api/auth/me")
    admin = api.token("admin", SEED_PASSWORD)
    sent = api.post(admin, "/api/admin/notifications", {"title": "점검 안내", "body": "Maintenance at 3am.",
                                                        "target": "users", "user_ids": [me["id"]]})
    assert sent.status_code == 201, sent.text
    page = open_page(ctx, "/notifications")
    expect(page.get_by_test_id("bell")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("nav-profile")).not_to_have_attribute("aria-current", "page")
    item = page.get_by_test_id("notif-item").filter(has_text="점검 안내")
    expect(item).to_have_attribute("data-read", "false")
    badge = item.get_by_test_id("notif-unread")
    title_box = item.locator("strong").bounding_box()
    badge_box = badge.bounding_box()
    assert badge_box["x"] - (title_box["x"] + title_box["width"]) >= 6, "the unread badge touches the title"
    read = item.get_by_role("button")
    expect(read).to_have_count(1)
    read.click()
    expect(page.get_by_test_id("notif-item").filter(has_text="점검 안내")).to_have_attribute("data-read", "true")
    page.get_by_test_id("nav-profile").click()
    expect(page.get_by_test_id("nav-profile")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("bell")).not_to_have_attribute("aria-current", "page")


def test_profile_sessions_show_a_device_label_not_the_user_agent(new_context) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    signup_in_context(ctx)
    page = open_page(ctx, "/profile")
    device = page.get_by_test_id("session-device").first
    expect(device).to_have_text(re.compile(r"^Chrome on Linux · 127\.0\.0\.1$"))
    expect(page.get_by_test_id("session-row").first).not_to_contain_text("Mozilla")


def test_content_follows_the_language_and_no_raw_code_reaches_a_page(new_context, api) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    site_id = signup_in_context(ctx)
    token = api.token(site_id, "password123")
    assert api.post(token, "/api/streak/claim", {}).status_code == 200
    assert api.post(token, "/api/shop/buy", {"product_id": next(
        p["id"] for p in api.get(token, "/api/shop/catalog")["items"] if p["sku"] == "lucky_clover"),
        "quantity": 1}).status_code in (200, 201)
    page = open_page(ctx, "/events")
    mission = page.get_by_test_id("mission-daily_play_1")
    expect(mission).to_contain_text("게임 1판 플레이")
    expect(mission).to_contain_text("오늘 게임을 1판 플레이하세요.")
    rewards = page.locator("#rewards-list")
    expect(rewards).to_contain_text("출석 1일차 보상")
    expect(rewards).not_to_contain_text("Daily streak")
    page.get_by_test_id("lang-switch").click()  # English without a reload
    expect(mission).to_contain_text("Play 1 game today.")
    expect(rewards).to_contain_text("Daily streak day 1")
    page.goto("/")
    page.wait_for_selector("body[data-booted=true]")
    expect(page.get_by_test_id("promo-banner")).to_contain_text("Welcome event: play 10 games")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("promo-banner")).to_contain_text("웰컴 이벤트")
    page.goto("/shop")
    page.wait_for_selector("body[data-booted=true]")
    row = page.get_by_test_id("tx-product").first
    expect(row).to_have_text("행운의 네잎클로버 ×1")
    expect(page.get_by_test_id("desc-lucky_clover")).to_have_text("행운을 부르는 수집 아이템.")
    page.goto("/fairness")
    page.wait_for_selector("body[data-booted=true]")
    expect(page.get_by_test_id("verify-game").locator("option")).to_have_text(["슬롯", "가위바위보", "가챠", "크래시"])


def test_admin_economy_and_forms_show_labels_and_edit_both_languages(new_context, api) -> None:  # type: ignore[no-untyped-def]
    player_ctx = new_context()
    site_id = signup_in_context(player_ctx)
    token = api.token(site_id, "password123")
    assert api.post(token, "/api/games/slot/spin", {"bet": 10}).status_code == 200
    me = api.get(token, "/api/auth/me")
    admin = admin_page(new_context, "/admin/economy")
    legend = admin.get_by_test_id("economy").locator(".chart-legend").first
    expect(legend).to_contain_text("가입 보너스")  # gold in: signup_bonus
    for text in admin.get_by_test_id("economy").locator(".chart-legend span").all_inner_texts():
        assert "_" not in text, text  # "slot_bet" never reaches the page
    admin.goto("/admin/notifications")
    admin.wait_for_selector("body[data-booted=true]")
    admin.locator('[data-testid="campaign-form"] select[name="target"]').select_option("users")
    expect(admin.locator('[data-testid="campaign-form"] select[name="target"] option:checked')).to_have_text("지정 플레이어")
    admin.get_by_test_id("campaign-form-title").fill("이벤트 안내")
    admin.get_by_test_id("campaign-form-title_en").fill("Event news")
    admin.get_by_test_id("campaign-form-body").fill("새 이벤트가 열렸습니다")
    admin.get_by_test_id("campaign-form-body_en").fill("A new event is open")
    admin.get_by_test_id("campaign-form-user_ids").fill(str(me["id"]))
    admin.get_by_test_id("campaign-form-submit").click()
    admin.get_by_test_id("confirm-ok").click()
    expect(admin.get_by_test_id("campaign-form-receipt")).to_contain_text("#")
    page = open_page(player_ctx, "/notifications")
    item = page.get_by_test_id("notif-item").filter(has_text="이벤트 안내")
    expect(item).to_contain_text("새 이벤트가 열렸습니다")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("notif-item").filter(has_text="Event news")).to_contain_text("A new event is open")


def test_admin_force_settle_confirms_in_a_dialog_and_shows_labels_with_units(new_context, api) -> None:  # type: ignore[no-untyped-def]
    player_ctx = new_context()
    site_id = signup_in_context(player_ctx)
    token = api.token(site_id, "password123")
    pack = next(p for p in api.get(token, "/api/shop/catalog")["gold_packs"] if p["sku"] == "gold_1000")
    bought = api.post(token, "/api/shop/buy", {"product_id": pack["id"], "quantity": 1})
    receipt = bought.json()["receipt_code"]
    assert bought.json()["status"] == "pending"  # the e2e gateway leaves payments pending
    admin = admin_page(new_context, "/admin/transactions")
    row = admin.get_by_test_id("admin-tx-table").locator("tr", has_text=receipt)
    expect(row).to_contain_text("골드 팩")
    expect(row).to_contain_text("대기")
    expect(row).to_contain_text("$0.99")
    admin.get_by_test_id(f"force-success-{receipt}").click()
    expect(admin.get_by_test_id("confirm-dialog")).to_be_visible()
    admin.get_by_test_id("confirm-cancel").click()
    assert api.get(token, "/api/shop/transactions")["items"][0]["status"] == "pending"  # cancel = nothing done
    admin.get_by_test_id(f"force-success-{receipt}").click()
    admin.get_by_test_id("confirm-ok").click()
    expect(admin.get_by_test_id("force-settle-result")).to_contain_text(f"{receipt} → success")
    assert api.get(token, "/api/shop/transactions")["items"][0]["status"] == "success"
