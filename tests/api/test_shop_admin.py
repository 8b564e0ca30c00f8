"""Admin shop management: products, limited packages, promo codes, transactions — audited and idempotent."""

from __future__ import annotations

import httpx

from casino_club.kit.runtime import Runtime
from tests.support.api import Player, signup
from tests.support.shop import buy, ensure_items, item_product, limited, product


async def _audit(admin: Player, action: str) -> list[dict]:  # type: ignore[type-arg]
    return (await admin.get("/api/admin/audit", params={"action": action})).json()["items"]


async def test_product_lifecycle(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    await ensure_items(rt)
    body = {"sku": "vip-only", "kind": "item", "name_ko": "왕관", "name_en": "Crown", "price": 5000,
            "item_id": "vip_crown", "min_rank": "VIP"}
    created = await admin.post("/api/admin/shop/products", json=body, idem="create-crown")
    assert created.status_code == 201, created.text
    crown = created.json()
    replay = await admin.post("/api/admin/shop/products", json=body, idem="create-crown")
    assert replay.status_code == 201 and replay.json()["id"] == crown["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    taken = await admin.post("/api/admin/shop/products", json=body)
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "SKU_TAKEN"
    unknown = await admin.post("/api/admin/shop/products", json={**body, "sku": "x1", "item_id": "nope"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "UNKNOWN_ITEM"
    for bad in ({**body, "sku": "x2", "price": -1}, {**body, "sku": "x3", "kind": "gold_pack", "gold_amount": 0},
                {**body, "sku": "x4", "min_rank": "GOD"}, {**body, "sku": "x5", "discount_percent": 101},
                {**body, "sku": "x7", "discount_percent": 5, "discount_ends_at": "2030-01-01T00:00:00"}):
        assert (await admin.post("/api/admin/shop/products", json=bad)).status_code == 422

    player = await signup(client)
    assert (await player.post("/api/admin/shop/products", json={**body, "sku": "x6"})).status_code == 403
    assert (await client.get("/api/admin/shop/products")).status_code == 401
    huge = await player.post("/api/shop/buy", json={"product_id": 10**30})
    assert huge.status_code == 422
    refused = await buy(player, crown["id"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "RANK_REQUIRED"

    updated = await admin.put(f"/api/admin/shop/products/{crown['id']}", json={"min_rank": "STANDARD", "price": 100})
    assert updated.status_code == 200 and (updated.json()["min_rank"], updated.json()["price"]) == ("STANDARD", 100)
    assert (await buy(player, crown["id"])).status_code == 200

    deleted = await admin.delete(f"/api/admin/shop/products/{crown['id']}")
    assert deleted.status_code == 200 and deleted.json()["deleted_at"] is not None
    assert crown["id"] not in [p["id"] for p in (await admin.get("/api/admin/shop/products")).json()["items"]]
    listed = (await admin.get("/api/admin/shop/products", params={"include_deleted": "true"})).json()["items"]
    assert crown["id"] in [p["id"] for p in listed]
    assert crown["id"] not in [p["id"] for p in (await player.get("/api/shop/catalog")).json()["items"]]
    gone = await buy(player, crown["id"])
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "PRODUCT_NOT_FOUND"
    restored = await admin.post(f"/api/admin/shop/products/{crown['id']}/restore")
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    assert crown["id"] in [p["id"] for p in (await player.get("/api/shop/catalog")).json()["items"]]
    assert (await admin.put("/api/admin/shop/products/999999", json={"price": 1})).status_code == 404

    actions = [e["action"] for e in (await admin.get("/api/admin/audit", params={"target_type": "product"})).json()["items"]]
    assert actions == ["shop.product.restore", "shop.product.delete", "shop.product.update", "shop.product.create"]
    update_log = (await _audit(admin, "shop.product.update"))[0]
    assert update_log["before"]["min_rank"] == "VIP" and update_log["after"]["min_rank"] == "STANDARD"


async def test_limited_and_promo_admin(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    pack = await product(admin, gold_amount=1000)
    package = await limited(admin, pack["id"], stock=10, per_user_limit=2)
    again = await admin.post("/api/admin/shop/limited-packages", json={"product_id": pack["id"], "stock": 1})
    assert again.status_code == 409 and again.json()["error"]["code"] == "PACKAGE_EXISTS"
    bad_window = await admin.post("/api/admin/shop/limited-packages", json={
        "product_id": pack["id"], "stock": 1, "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"})
    assert bad_window.status_code == 422
    changed = await admin.put(f"/api/admin/shop/limited-packages/{package['id']}", json={"stock": 4})
    assert changed.status_code == 200 and changed.json()["stock_remaining"] == 4
    assert (await admin.post(f"/api/admin/shop/limited-packages/{package['id']}/disable")).json()["enabled"] is False
    assert (await admin.post(f"/api/admin/shop/limited-packages/{package['id']}/enable")).json()["enabled"] is True
    listed = (await admin.get("/api/admin/shop/limited-packages")).json()["items"]
    assert [(p["id"], p["stock_remaining"], p["enabled"]) for p in listed] == [(package["id"], 4, True)]

    rt.settings.payment_mode = "pending"
    player = await signup(client)
    pending = await buy(player, pack["id"])
    assert pending.json()["status"] == "pending"
    busy = await admin.delete(f"/api/admin/shop/limited-packages/{package['id']}")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "PACKAGE_HAS_HOLDS"
    await admin.post(f"/api/admin/transactions/{pending.json()['receipt_code']}/force-settle",
                     json={"status": "failed", "reason": "test cleanup"})
    removed = await admin.delete(f"/api/admin/shop/limited-packages/{package['id']}")
    assert removed.status_code == 200 and removed.json() == {"id": package["id"], "deleted": True}

    created = await admin.post("/api/admin/shop/promo-codes", json={"code": "SPRING", "kind": "percent", "value": 20,
                                                                     "max_uses": 10})
    assert created.status_code == 201
    promo_id = created.json()["id"]
    for bad in ({"code": "X", "kind": "percent", "value": 5}, {"code": "OVER", "kind": "percent", "value": 101},
                {"code": "ZERO", "kind": "fixed", "value": 0}):
        assert (await admin.post("/api/admin/shop/promo-codes", json=bad)).status_code == 422
    capped = await admin.put(f"/api/admin/shop/promo-codes/{promo_id}", json={"max_uses": 3, "active": False})
    assert capped.status_code == 200 and (capped.json()["max_uses"], capped.json()["active"]) == (3, False)
    rt.settings.payment_mode = "success"
    inactive = await buy(player, pack["id"], promo_code="SPRING")
    assert inactive.status_code == 422 and inactive.json()["error"]["code"] == "PROMO_INVALID"
    deleted = await admin.delete(f"/api/admin/shop/promo-codes/{promo_id}")
    assert deleted.status_code == 200 and deleted.json()["deleted_at"] is not None
    assert (await admin.get("/api/admin/shop/promo-codes")).json() == {"items": [], "next_cursor": None}
    assert len((await admin.get("/api/admin/shop/promo-codes", params={"include_deleted": "true"})).json()["items"]) == 1
    actions = {e["action"] for e in (await admin.get("/api/admin/audit")).json()["items"]}
    assert {"shop.limited.create", "shop.limited.update", "shop.limited.enable", "shop.limited.disable",
            "shop.limited.delete", "shop.promo.create", "shop.promo.update", "shop.promo.delete"} <= actions


async def test_admin_transaction_list(client: httpx.AsyncClient, rt: Runtime, admin: Player) -> None:
    await ensure_items(rt)
    item = await item_product(admin, price=100)
    pack = await product(admin)
    player = await signup(client)
    assert (await buy(player, item["id"])).status_code == 200
    rt.settings.payment_mode = "decline"
    assert (await buy(player, pack["id"])).status_code == 402
    everything = (await admin.get("/api/admin/shop/transactions")).json()
    assert [(t["kind"], t["status"], t["user_id"]) for t in everything["items"]] == [
        ("gold_pack", "failed", player.user_id), ("item", "success", player.user_id)]
    failed = (await admin.get("/api/admin/shop/transactions", params={"status": "failed", "limit": 1})).json()
    assert len(failed["items"]) == 1 and failed["next_cursor"] is None and failed["total_owed"] == 0
    page = (await admin.get("/api/admin/shop/transactions", params={"limit": 1})).json()
    rest = (await admin.get("/api/admin/shop/transactions", params={"limit": 1, "cursor": page["next_cursor"]})).json()
    assert rest["items"][0]["kind"] == "item"
    assert (await admin.get("/api/admin/shop/transactions", params={"cursor": "!!"})).status_code == 422
    assert (await admin.get("/api/admin/shop/transactions", params={"status": "weird"})).status_code == 422


async def test_admin_catalog_lists_are_cursor_paged_newest_first(client: httpx.AsyncClient, admin: Player) -> None:
    ids = []
    for n in range(5):
        created = await admin.post("/api/admin/shop/promo-codes", json={"code": f"PAGE{n}", "kind": "fixed", "value": 5})
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    seen, cursor, pages = [], None, 0
    while True:
        page = (await admin.get("/api/admin/shop/promo-codes", params={"limit": 2, "cursor": cursor})).json()
        seen += [p["id"] for p in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True) and pages == 3
    for path in ("/api/admin/shop/products", "/api/admin/shop/limited-packages", "/api/admin/events",
                 "/api/admin/missions", "/api/admin/shop/promo-codes"):
        bad = await admin.get(path, params={"cursor": "not-a-cursor"})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "INVALID_CURSOR", path
        assert (await admin.get(path, params={"limit": 0})).status_code == 422
        assert set((await admin.get(path, params={"limit": 1})).json()) == {"items", "next_cursor"}
