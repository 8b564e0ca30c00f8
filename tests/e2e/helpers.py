"""Helpers for the browser tests: direct API access, sign-up into a context, page opening."""

from __future__ import annotations

import uuid

import httpx

SEED_PASSWORD = "casino1234!"


class Api:
    """Direct API access for assertions (a separate login session per player)."""

    def __init__(self, base: str):
        self.http = httpx.Client(base_url=base, timeout=30)

    def token(self, site_id: str, password: str) -> str:
        r = self.http.post("/api/auth/login", json={"site_id": site_id, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def get(self, token: str, path: str) -> dict:  # type: ignore[type-arg]
        r = self.http.get(path, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, token: str, path: str, body: dict) -> httpx.Response:  # type: ignore[type-arg]
        return self.http.post(path, json=body, headers={"Authorization": f"Bearer {token}",
                                                        "Idempotency-Key": uuid.uuid4().hex})


def fresh_site_id() -> str:
    return f"e{uuid.uuid4().hex[:10]}"


def signup_in_context(ctx, password: str = "password123") -> str:  # type: ignore[no-untyped-def]
    """Sign up through the context's own request API: the refresh cookie lands in its jar."""
    site_id = fresh_site_id()
    r = ctx.request.post("/api/auth/signup", data={"site_id": site_id, "nickname": f"n{site_id}", "password": password})
    assert r.status == 201, r.text()
    return site_id


def open_page(ctx, path: str):  # type: ignore[no-untyped-def]
    """Open a page and wait until the client has booted and the page module is mounted."""
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.goto(path)
    page.wait_for_selector("body[data-booted=true]")
    return page
