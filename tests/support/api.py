"""A thin test client over the public HTTP API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.totp import fresh_code


def key() -> str:
    """A fresh idempotency key."""
    return uuid.uuid4().hex


@dataclass
class Player:
    """A signed-up account with its tokens."""

    client: httpx.AsyncClient
    site_id: str
    password: str
    access_token: str
    refresh_token: str
    user_id: int
    totp_secret: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        """Bearer auth header."""
        return {"Authorization": f"Bearer {self.access_token}"}

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        """Authenticated GET."""
        return await self.client.get(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    async def post(self, url: str, json: Any = None, idem: str | None | bool = True, **kw: Any) -> httpx.Response:
        """Authenticated POST with a fresh idempotency key unless told otherwise."""
        return await self._write("POST", url, json, idem, **kw)

    async def put(self, url: str, json: Any = None, idem: str | None | bool = True, **kw: Any) -> httpx.Response:
        """Authenticated PUT with a fresh idempotency key unless told otherwise."""
        return await self._write("PUT", url, json, idem, **kw)

    async def delete(self, url: str, idem: str | None | bool = True, **kw: Any) -> httpx.Response:
        """Authenticated DELETE."""
        return await self._write("DELETE", url, None, idem, **kw)

    async def _write(self, method: str, url: str, json: Any, idem: str | None | bool, **kw: Any) -> httpx.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        if idem is True:
            headers["Idempotency-Key"] = key()
        elif isinstance(idem, str):
            headers["Idempotency-Key"] = idem
        return await self.client.request(method, url, json=json, headers=headers, **kw)

    async def gold(self) -> int:
        """Current balance from the API."""
        response = await self.get("/api/users/balance")
        assert response.status_code == 200, response.text
        return response.json()["gold"]


async def signup(client: httpx.AsyncClient, site_id: str | None = None, password: str = "password123",
                 **extra: Any) -> Player:
    """Sign up a new player over HTTP."""
    site_id = site_id or f"p{uuid.uuid4().hex[:10]}"
    body = {"site_id": site_id, "nickname": extra.pop("nickname", f"n{site_id}"), "password": password, **extra}
    response = await client.post("/api/auth/signup", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    return Player(client, site_id, password, data["access_token"], data["refresh_token"], data["user"]["id"])


async def login(client: httpx.AsyncClient, site_id: str, password: str, otp: str | None = None) -> httpx.Response:
    """POST /api/auth/login."""
    body: dict[str, Any] = {"site_id": site_id, "password": password}
    if otp:
        body["otp"] = otp
    return await client.post("/api/auth/login", json=body)


async def make_admin(client: httpx.AsyncClient, promote: Any) -> Player:
    """Sign up a player, promote it to admin (via `promote(user_id)`), enrol TOTP and log in again."""
    player = await signup(client)
    await promote(player.user_id)
    enrol = await player.post("/api/auth/totp/enroll")
    assert enrol.status_code == 200, enrol.text
    secret = enrol.json()["secret"]
    confirm = await player.post("/api/auth/totp/confirm", json={"code": fresh_code(secret)})
    assert confirm.status_code == 200, confirm.text
    fresh = await login(client, player.site_id, player.password, fresh_code(secret))
    assert fresh.status_code == 200, fresh.text
    player.access_token = fresh.json()["access_token"]
    player.refresh_token = fresh.json()["refresh_token"]
    player.totp_secret = secret
    return player
