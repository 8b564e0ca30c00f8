"""`casino-club smoke URL`: login → RPS → catalog → buy the cheapest gold item, against a running server."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx


class SmokeFailed(Exception):
    """A smoke step did not behave."""


def _check(response: httpx.Response, step: str, ok: tuple[int, ...] = (200,)) -> Any:
    if response.status_code not in ok:
        raise SmokeFailed(f"{step}: HTTP {response.status_code} {response.text[:300]}")
    return response.json() if response.content else None


def run_smoke(base_url: str, site_id: str, password: str, echo: Callable[[str], None],
              timeout: float = 15.0) -> None:
    """Run every step, echoing one line each; raise SmokeFailed at the first failure."""
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout) as c:
        try:
            ready = c.get("/ready")
        except httpx.HTTPError as exc:
            raise SmokeFailed(f"ready: cannot reach {base_url}: {exc}") from exc
        body = _check(ready, "ready")
        echo(f"ok   ready      {body.get('status')}")

        tokens = _check(c.post("/api/auth/login", json={"site_id": site_id, "password": password}), "login")
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        gold = _check(c.get("/api/users/balance", headers=auth), "balance")["gold"]
        echo(f"ok   login      {site_id} (user {tokens['user']['id']}, {gold} gold)")

        def write(path: str, payload: dict[str, Any]) -> httpx.Response:
            return c.post(path, json=payload, headers={**auth, "Idempotency-Key": uuid.uuid4().hex})

        rps = _check(write("/api/games/rps/play", {"bet": 10, "choice": "rock"}), "rps")
        echo(f"ok   rps        {rps['result']}: stake {rps['stake']}, payout {rps['payout']}, balance {rps['balance']}")

        catalog = _check(c.get("/api/shop/catalog", headers=auth), "catalog")
        products = [p for group in catalog.values() if isinstance(group, list) for p in group]
        gold_items = [p for p in products if p.get("currency") == "gold" and p.get("purchasable", True)]
        echo(f"ok   catalog    {len(products)} products, {len(gold_items)} buyable with gold")
        if not gold_items:
            raise SmokeFailed("catalog: no purchasable gold-priced item")
        cheapest = min(gold_items, key=lambda p: (p["effective_price"], p["id"]))
        if cheapest["effective_price"] > rps["balance"]:
            raise SmokeFailed(f"buy: cheapest item costs {cheapest['effective_price']} but {site_id} has "
                              f"{rps['balance']} gold; reset the seed accounts with `CONFIRM=YES casino-club "
                              f"clean-seed` or pass --site-id user002")

        bought = _check(write("/api/shop/buy", {"product_id": cheapest["id"], "quantity": 1}), "buy", (200, 201))
        after = _check(c.get("/api/users/balance", headers=auth), "balance")["gold"]
        expected = rps["balance"] - cheapest["effective_price"]
        echo(f"ok   buy        {cheapest['sku']} for {cheapest['effective_price']} gold "
             f"(status {bought.get('status')}, balance {after})")
        if bought.get("status") not in (None, "success", "succeeded", "completed", "paid"):
            raise SmokeFailed(f"buy: purchase status {bought.get('status')}")
        if after > expected:
            raise SmokeFailed(f"buy: balance {after} but expected at most {expected}")
