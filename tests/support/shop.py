"""Shop test helpers: fast players, products through the admin API, signed webhook calls."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx

from casino_club.auth.models import AuthSession, User
from casino_club.auth.security import issue_access_token
from casino_club.inventory.service import CORE_ITEMS, upsert_items
from casino_club.kit.runtime import Runtime
from casino_club.shop.seed import SHOP_ITEMS
from casino_club.shop.webhook import sign
from casino_club.wallet.service import System, open_player_account
from tests.support.api import Player
from tests.support.ledger import fund


async def fast_players(client: httpx.AsyncClient, rt: Runtime, n: int, gold: int = 0,
                       rank: str = "STANDARD") -> list[Player]:
    """Create n players straight in the database (no argon2), each with a live session and token."""
    now = rt.clock.now()
    made: list[tuple[int, str]] = []
    async with rt.transaction() as session:
        for _ in range(n):
            tag = uuid.uuid4().hex[:12]
            user = User(site_id=f"f{tag}", site_id_lower=f"f{tag}", nickname=f"n{tag}", nickname_lower=f"n{tag}",
                        password_hash="!", role="user", rank=rank, xp=0, vip_points=0, event_seq=0, banned=False,
                        totp_enabled=False, created_at=now, updated_at=now)
            session.add(user)
            await session.flush()
            await open_player_account(session, user.id)
            sid = uuid.uuid4().hex
            session.add(AuthSession(id=sid, user_id=user.id, created_at=now, last_used_at=now,
                                    expires_at=now.replace(year=now.year + 1)))
            made.append((user.id, sid))
    if gold:
        await fund(rt, {uid: gold for uid, _ in made}, System.PROMOTIONS, "test_grant")
    players = []
    for user_id, sid in made:
        token, _ = issue_access_token(rt.settings, user_id, sid, "user", now)
        players.append(Player(client, f"u{user_id}", "!", token, "", user_id))
    return players


async def ensure_items(rt: Runtime) -> None:
    """Put the core and shop items into the inventory catalog."""
    async with rt.transaction() as session:
        await upsert_items(session, (*CORE_ITEMS, *SHOP_ITEMS))


async def product(admin: Player, **fields: Any) -> dict[str, Any]:
    """Create a product through the admin API (defaults: a 1,000-gold pack for 99 cents)."""
    body: dict[str, Any] = {"sku": f"p{uuid.uuid4().hex[:10]}", "kind": "gold_pack", "name_ko": "상품",
                            "name_en": "Product", "price": 99, "gold_amount": 1000}
    body.update(fields)
    response = await admin.post("/api/admin/shop/products", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def item_product(admin: Player, item_id: str = "streak_shield", price: int = 300, **fields: Any) -> dict[str, Any]:
    """Create an item product priced in gold."""
    return await product(admin, kind="item", item_id=item_id, price=price, gold_amount=0, **fields)


async def limited(admin: Player, product_id: int, stock: int, per_user_limit: int | None = None,
                  **fields: Any) -> dict[str, Any]:
    """Attach a limited package to a product."""
    response = await admin.post("/api/admin/shop/limited-packages", json={
        "product_id": product_id, "stock": stock, "per_user_limit": per_user_limit, **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def buy(player: Player, product_id: int, quantity: int = 1, promo_code: str | None = None,
              idem: str | bool = True) -> httpx.Response:
    """POST /api/shop/buy."""
    body: dict[str, Any] = {"product_id": product_id, "quantity": quantity}
    if promo_code is not None:
        body["promo_code"] = promo_code
    return await player.post("/api/shop/buy", json=body, idem=idem)


async def webhook(client: httpx.AsyncClient, secret: str, body: dict[str, Any], *, nonce: str | None = None,
                  timestamp: int | None = None, event_id: str | None = None, signature: str | None = None,
                  now: float | None = None) -> httpx.Response:
    """Send a signed payment webhook (override any header to test the refusals)."""
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "X-Signature": signature or sign(secret, raw),
               "X-Timestamp": str(timestamp if timestamp is not None else int(now if now is not None else time.time())),
               "X-Nonce": nonce or uuid.uuid4().hex}
    if event_id is not None:
        headers["X-Event-Id"] = event_id
    return await client.post("/api/shop/webhook/payment", content=raw, headers=headers)
