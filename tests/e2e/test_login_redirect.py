"""Issue 20 item 4: `/login?next=…` only ever lands on this site (no open redirect after login)."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from tests.e2e.helpers import fresh_site_id

PASSWORD = "password123"

OFFSITE = ["/\\evil.example/phish", "/\t/evil.example/phish", "//evil.example/phish", "https://evil.example/",
           "\\\\evil.example/phish", "javascript:alert(document.domain)"]


@pytest.fixture(scope="module")
def account(api) -> str:  # type: ignore[no-untyped-def]
    site_id = fresh_site_id()
    r = api.http.post("/api/auth/signup", json={"site_id": site_id, "nickname": f"n{site_id}", "password": PASSWORD})
    assert r.status_code == 201, r.text
    return site_id


def _login_with_next(new_context, server, account: str, next_value: str) -> str:  # type: ignore[no-untyped-def]
    ctx = new_context()
    page = ctx.new_page()
    page.goto(f"/login?next={next_value}")
    page.wait_for_selector("body[data-booted=true]")
    page.get_by_test_id("login-site-id").fill(account)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/login", timeout=20_000)
    return page.url


@pytest.mark.parametrize("next_value", OFFSITE)
def test_offsite_next_lands_home(new_context, server, account: str, next_value: str) -> None:  # type: ignore[no-untyped-def]
    landed = urlsplit(_login_with_next(new_context, server, account, quote(next_value, safe="")))
    assert f"{landed.scheme}://{landed.netloc}" == server.url, landed
    assert landed.path == "/"


def test_the_reported_url_lands_home(new_context, server, account: str) -> None:  # type: ignore[no-untyped-def]
    landed = urlsplit(_login_with_next(new_context, server, account, "/%5Cevil.example/phish"))  # as reported
    assert (f"{landed.scheme}://{landed.netloc}", landed.path) == (server.url, "/")


def test_same_site_next_is_kept(new_context, server, account: str) -> None:  # type: ignore[no-untyped-def]
    landed = urlsplit(_login_with_next(new_context, server, account, quote("/shop?tab=packs#top", safe="")))
    assert f"{landed.scheme}://{landed.netloc}" == server.url
    assert (landed.path, landed.query, landed.fragment) == ("/shop", "tab=packs", "top")
