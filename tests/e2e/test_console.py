"""Admin console against a live player tab, plus an accessibility check and screenshots."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.e2e.a11y import audit, inline_code
from tests.e2e.helpers import SEED_PASSWORD, open_page, signup_in_context
from tests.support.totp import fresh_code


def admin_page(new_context, path: str):  # type: ignore[no-untyped-def]
    """A separate browser context logged in as the seeded admin through the login form."""
    ctx = new_context()
    page = ctx.new_page()
    page.goto(f"/login?next={path}")
    page.get_by_test_id("login-site-id").fill("admin")
    page.get_by_test_id("login-password").fill(SEED_PASSWORD)
    page.get_by_test_id("login-submit").click()
    try:
        page.wait_for_url(f"**{path}", timeout=30_000)
    except PlaywrightTimeout as exc:
        raise AssertionError(f"admin login did not land on {path}: url={page.url} "
                             f"error={page.get_by_test_id('login-error').inner_text()!r}") from exc
    page.wait_for_selector("body[data-booted=true]")
    page.on("dialog", lambda d: d.dismiss())  # no native dialogs: a window.confirm would cancel and fail the test
    return page


def test_admin_grant_reaches_open_player_tab_once(new_context, api) -> None:  # type: ignore[no-untyped-def]
    player_ctx = new_context()
    site_id = signup_in_context(player_ctx)
    player = open_page(player_ctx, "/")
    expect(player.get_by_test_id("header-gold")).to_have_text("1,000")
    player.wait_for_selector("body[data-realtime=on]")

    admin = admin_page(new_context, "/admin/users")
    admin.get_by_test_id("user-search-q").fill(site_id)
    admin.get_by_test_id("user-search-submit").click()
    admin.get_by_test_id(f"admin-open-{site_id}").click()
    admin.get_by_test_id("gold-grant-amount").fill("777")
    admin.get_by_test_id("gold-grant-reason").fill("e2e live grant")
    admin.get_by_test_id("gold-grant-submit").click()
    expect(admin.get_by_test_id("confirm-dialog")).to_contain_text("777")  # asks first, in a styled dialog
    admin.get_by_test_id("confirm-ok").click()
    receipt = admin.get_by_test_id("gold-grant-receipt")
    expect(receipt).to_contain_text("1,000 → 1,777")
    expect(receipt).to_contain_text(re.compile(r"#\d+"))  # the audit id

    expect(player.get_by_test_id("header-gold")).to_have_text("1,777", timeout=2000)
    toasts = player.get_by_test_id("toast").filter(has_text="777")
    expect(toasts).to_have_count(1)
    player.wait_for_timeout(1000)  # a late duplicate delivery would show up here
    expect(toasts).to_have_count(1)
    token = api.token(site_id, "password123")
    assert api.get(token, "/api/users/balance")["gold"] == 1777


def test_admin_product_create_delete_restore_reflected_in_shop(new_context) -> None:  # type: ignore[no-untyped-def]
    admin = admin_page(new_context, "/admin/products")
    sku = f"e2e_{uuid.uuid4().hex[:8]}"
    admin.get_by_test_id("product-form-sku").fill(sku)
    admin.locator('[data-testid="product-form"] select[name="kind"]').select_option("item")
    admin.get_by_test_id("product-form-name_ko").fill("테스트 클로버")
    admin.get_by_test_id("product-form-name_en").fill("Test Clover")
    admin.get_by_test_id("product-form-price").fill("50")
    admin.get_by_test_id("product-form-item_id").fill("lucky_clover")
    admin.get_by_test_id("product-form-submit").click()
    expect(admin.get_by_test_id("product-form-receipt")).to_contain_text("#")

    player_ctx = new_context()
    signup_in_context(player_ctx)
    shop = open_page(player_ctx, "/shop")
    expect(shop.get_by_test_id(f"product-{sku}")).to_be_visible()

    # prices carry their unit: gold (coin) for items, money for gold packs
    expect(admin.get_by_test_id(f"price-{sku}").locator("img.coin")).to_have_count(1)
    expect(admin.get_by_test_id(f"price-{sku}")).to_have_text("50")
    expect(admin.get_by_test_id("price-gold_1000")).to_have_text("$0.99")
    expect(admin.get_by_test_id("admin-products-table")).not_to_contain_text("gold_pack")  # kinds are labels

    # destructive actions ask in a styled dialog (never window.confirm): cancel keeps the product
    native: list[str] = []
    admin.on("dialog", lambda d: native.append(d.message))
    admin.get_by_test_id(f"delete-{sku}").click()
    dialog = admin.get_by_test_id("confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("정말")
    admin.get_by_test_id("confirm-cancel").click()
    expect(dialog).to_have_count(0)
    expect(admin.get_by_test_id(f"delete-{sku}")).to_be_visible()
    admin.get_by_test_id(f"delete-{sku}").click()
    admin.get_by_test_id("confirm-ok").click()
    admin.get_by_test_id("include-deleted").check()
    expect(admin.get_by_test_id(f"restore-{sku}")).to_be_visible()
    shop.reload()
    shop.wait_for_selector("body[data-booted=true]")
    expect(shop.get_by_test_id("catalog")).not_to_be_empty()
    expect(shop.get_by_test_id(f"product-{sku}")).to_have_count(0)

    admin.get_by_test_id(f"restore-{sku}").click()
    expect(admin.get_by_test_id(f"delete-{sku}")).to_be_visible()
    admin.get_by_test_id(f"edit-{sku}").click()
    expect(admin.get_by_test_id("product-editing")).to_contain_text(sku)
    admin.get_by_test_id("product-form-price").fill("65")
    admin.get_by_test_id("product-form-submit").click()
    expect(admin.get_by_test_id("product-form-receipt")).to_contain_text(sku)
    expect(admin.get_by_test_id("product-editing")).to_be_hidden()
    shop.reload()
    shop.wait_for_selector("body[data-booted=true]")
    expect(shop.get_by_test_id(f"product-{sku}")).to_be_visible()
    expect(shop.get_by_test_id(f"product-{sku}")).to_contain_text("65")
    assert not native, native


PAGES = [("home", "/", "home-gold"), ("slot", "/games/slot", "slot-spin"), ("shop", "/shop", "catalog")]
SHOTS = [("rps", "/games/rps", "rps-rock"), ("gacha", "/games/gacha", "gacha-pull-1"),
         ("crash", "/games/crash", "crash-bet"), ("profile", "/profile", "profile-stats"),
         ("events", "/events", "missions-list")]


def test_accessibility_and_screenshots(new_context, artifacts) -> None:  # type: ignore[no-untyped-def]
    for width, height in ((360, 780), (1280, 900)):
        ctx = new_context(width, height)
        signup_in_context(ctx)
        page = ctx.new_page()
        for name, path, ready in PAGES + SHOTS:
            response = page.goto(path)
            assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
            assert not inline_code(response.text()), inline_code(response.text())
            page.wait_for_selector("body[data-booted=true]")
            expect(page.get_by_test_id(ready)).to_be_visible()
            if (name, path, ready) in PAGES:
                problems = audit(page)
                assert not problems, f"{name} @ {width}px: {problems}"
                overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 0, f"{name} scrolls sideways at {width}px"
            page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
    admin = admin_page(new_context, "/admin/economy")
    expect(admin.get_by_test_id("economy").locator("svg").first).to_be_visible()
    admin.screenshot(path=str(artifacts / "admin-economy-1280.png"), full_page=True)
    admin.goto("/admin/users")
    admin.wait_for_selector("body[data-booted=true]")
    expect(admin.get_by_test_id("admin-users-table")).to_be_visible()
    admin.screenshot(path=str(artifacts / "admin-users-1280.png"), full_page=True)


def test_keyboard_reaches_controls_with_visible_focus(new_context) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    signup_in_context(ctx)
    page = open_page(ctx, "/games/rps")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    seen = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const el = document.activeElement; const cs = getComputedStyle(el);
            return {id: el.dataset.testid || el.id || el.tagName, outline: cs.outlineStyle, width: cs.outlineWidth}; }""")
        if info["id"] == "BODY":  # focus left the document after the last control
            break
        seen.add(info["id"])
        assert info["outline"] != "none" and info["width"] != "0px", info
    assert {"rps-rock", "rps-paper", "rps-scissors", "rps-bet-amount"} <= seen


SECTIONS = {"users": "admin-users-table", "products": "admin-products-table", "limited": "admin-limited-table",
            "promos": "admin-promos-table", "transactions": "admin-tx-table", "events": "admin-events-table",
            "missions": "admin-missions-table", "notifications": "admin-campaigns-table",
            "invites": "admin-invites-table", "audit": "admin-audit-table", "economy": "economy"}


def test_every_admin_section_loads_and_the_audit_log_shows_grants(new_context, api) -> None:  # type: ignore[no-untyped-def]
    token = api.token("admin", SEED_PASSWORD)
    me = api.get(token, "/api/auth/me")
    assert api.post(token, f"/api/admin/users/{me['id']}/gold/grant", {"amount": 5, "reason": "audit check"}).status_code == 200
    admin = admin_page(new_context, "/admin/users")
    for section, ready in SECTIONS.items():
        admin.get_by_test_id(f"admin-nav-{section}").click()  # in-app navigation, no reload
        expect(admin.get_by_test_id(f"admin-nav-{section}")).to_have_attribute("aria-current", "page")
        expect(admin.get_by_test_id(ready)).to_be_visible()
        expect(admin.get_by_test_id("admin-error")).to_be_empty()
        assert not audit(admin), (section, audit(admin))
    admin.get_by_test_id("admin-nav-audit").click()
    admin.get_by_test_id("audit-filter-action").fill("gold.grant")
    admin.get_by_test_id("audit-filter-submit").click()
    rows = admin.get_by_test_id("admin-audit-table").locator("tbody tr")
    expect(rows.first).to_contain_text("gold.grant")


def test_shop_badge_caps_at_nine_plus(new_context) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    signup_in_context(ctx)
    token = ctx.request.post("/api/auth/refresh", data={}).json()["access_token"]
    catalog = ctx.request.get("/api/shop/catalog", headers={"Authorization": f"Bearer {token}"}).json()
    pack = next(p for p in catalog["gold_packs"] if p["sku"] == "gold_1000")
    for _ in range(10):
        r = ctx.request.post("/api/shop/buy", data={"product_id": pack["id"], "quantity": 1},
                             headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex})
        assert r.ok and r.json()["status"] == "pending", r.text()
    page = open_page(ctx, "/")
    expect(page.get_by_test_id("shop-badge")).to_have_text("9+")
    expect(page.get_by_test_id("shop-badge")).to_have_attribute("data-count", "10")


def test_admin_enrols_totp_in_profile_then_logs_in_with_a_code(new_context, api) -> None:  # type: ignore[no-untyped-def]
    import pyotp

    ctx = new_context()
    site_id = signup_in_context(ctx)
    token = api.token("admin", SEED_PASSWORD)
    uid = api.get(api.token(site_id, "password123"), "/api/auth/me")["id"]
    assert api.post(token, f"/api/admin/users/{uid}/role", {"role": "admin"}).status_code == 200
    page = open_page(ctx, "/profile")
    page.get_by_test_id("totp-start").click()
    expect(page.get_by_test_id("totp-secret")).not_to_be_empty()
    qr = page.get_by_test_id("totp-qr")
    expect(qr).to_be_visible()
    qr_size = qr.evaluate("img => img.complete ? img.naturalWidth : 0")  # rendered (the CSP lets data: images in)
    assert qr_size > 100, qr_size
    totp = pyotp.TOTP(page.get_by_test_id("totp-secret").inner_text())
    page.get_by_test_id("totp-code").fill(fresh_code(totp.secret))
    page.get_by_test_id("totp-confirm").click()
    expect(page.locator("#totp-ok")).not_to_be_empty()
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login")
    page.get_by_test_id("login-site-id").fill(site_id)
    page.get_by_test_id("login-password").fill("password123")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-otp")).to_be_visible()  # the server asked for the second factor
    expect(page.get_by_test_id("login-error")).not_to_be_empty()
    page.get_by_test_id("login-otp").fill(fresh_code(totp.secret))
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/")
    page.wait_for_selector("body[data-booted=true]")
    expect(page.get_by_test_id("nav-admin")).to_be_visible()


def test_dropped_socket_resumes_from_last_seq_and_replays_missed_events_once(new_context, api) -> None:  # type: ignore[no-untyped-def]
    """Events lost while the socket is dying are replayed after `resume`: the toast shows once, gold matches."""
    ctx = new_context()
    site_id = signup_in_context(ctx)
    page = ctx.new_page()
    wire = {"drop": False, "sockets": [], "sent": []}

    def proxy(ws) -> None:  # type: ignore[no-untyped-def]
        server = ws.connect_to_server()
        wire["sockets"].append(ws)
        server.on_message(lambda message: None if wire["drop"] else ws.send(message))
        ws.on_message(lambda message: (wire["sent"].append(message), server.send(message)))

    page.route_web_socket(re.compile(r".*/api/realtime/sync.*"), proxy)
    page.goto("/")
    page.wait_for_selector("body[data-realtime=on]")
    expect(page.get_by_test_id("header-gold")).to_have_text("1,000")

    wire["drop"] = True  # the next events never reach the tab
    token = api.token("admin", SEED_PASSWORD)
    uid = api.get(api.token(site_id, "password123"), "/api/auth/me")["id"]
    assert api.post(token, f"/api/admin/users/{uid}/gold/grant", {"amount": 333, "reason": "lost on the wire"}).status_code == 200
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("header-gold")).to_have_text("1,000")  # nothing arrived
    wire["drop"] = False
    wire["sockets"][-1].close()  # the connection dies; the client reconnects and resumes

    expect(page.get_by_test_id("header-gold")).to_have_text("1,333")
    expect(page.get_by_test_id("toast").filter(has_text="333")).to_have_count(1)
    assert any('"resume"' in m and '"last_seq"' in m for m in wire["sent"]), wire["sent"]
    page.wait_for_timeout(800)
    expect(page.get_by_test_id("toast").filter(has_text="333")).to_have_count(1)
