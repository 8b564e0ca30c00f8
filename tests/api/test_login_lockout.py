"""Issue 20 items 1 and 2: the login lockout counts first (a parallel burst checks at most 5 passwords), is
per (account, client IP) so nobody can lock the owner out, slows an account under attack from many
addresses, and audits attempts on admin accounts."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from casino_club.kit.runtime import Runtime
from tests.support.api import Player, login, signup
from tests.support.totp import fresh_code


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"login_account_slow_after": 12, "login_account_delay_s": 0.6, "login_account_max_delay_s": 0.6}


@pytest.fixture
async def from_ip(app_rt: tuple[object, Runtime]) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """HTTP clients of the in-process app that connect from a given client address."""
    clients: list[httpx.AsyncClient] = []

    def make(ip: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app_rt[0], client=(ip, 40000))  # type: ignore[arg-type]
        c = httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000", timeout=60)
        clients.append(c)
        return c
    yield make
    for c in clients:
        await c.aclose()


def _codes(responses: list[httpx.Response]) -> Counter[str]:
    return Counter("OK" if r.status_code == 200 else r.json()["error"]["code"] for r in responses)


async def test_a_parallel_burst_checks_at_most_five_passwords(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    guesses = [f"wrong-{i:02d}-password" for i in range(49)] + [player.password]
    responses = await asyncio.gather(*(login(client, player.site_id, g) for g in guesses))
    codes = _codes(responses)
    assert codes["RATE_LIMITED"] == 45, codes  # whatever the interleaving, only 5 reached the password check
    assert codes["INVALID_CREDENTIALS"] + codes["OK"] == 5 and codes["OK"] <= 1
    assert all(int(r.headers["Retry-After"]) > 0 for r in responses if r.status_code == 429)


async def test_a_parallel_burst_of_totp_codes_checks_at_most_five(client: httpx.AsyncClient, admin: Player) -> None:
    guesses = [f"{i:06d}" for i in range(20)]
    responses = await asyncio.gather(*(login(client, admin.site_id, admin.password, g) for g in guesses))
    codes = _codes(responses)
    assert codes["RATE_LIMITED"] == 15 and codes["OTP_INVALID"] + codes["OK"] == 5, codes


async def test_a_lockout_from_one_address_does_not_lock_the_owner_out(
        from_ip: Callable[[str], httpx.AsyncClient], client: httpx.AsyncClient) -> None:
    player = await signup(client)
    attacker, owner = from_ip("203.0.113.66"), from_ip("198.51.100.5")
    for _ in range(5):
        assert (await login(attacker, player.site_id, "wrong-password")).status_code == 401
    locked = await login(attacker, player.site_id, player.password)
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "RATE_LIMITED"
    assert (await login(owner, player.site_id, player.password)).status_code == 200
    assert (await login(attacker, player.site_id, player.password)).status_code == 429  # still locked there
    # A success clears that address's count: the owner's own typos do not add up across logins.
    for _ in range(4):
        assert (await login(owner, player.site_id, "typo-password")).status_code == 401
    assert (await login(owner, player.site_id, player.password)).status_code == 200
    for _ in range(4):
        assert (await login(owner, player.site_id, "typo-password")).status_code == 401
    assert (await login(owner, player.site_id, player.password)).status_code == 200


async def test_many_addresses_slow_the_account_but_the_owner_still_gets_in(
        from_ip: Callable[[str], httpx.AsyncClient], client: httpx.AsyncClient) -> None:
    player = await signup(client)
    for n in range(3):  # 3 addresses × 4 failures = the 12 the account takes at full speed
        bot = from_ip(f"203.0.113.{n}")
        for _ in range(4):
            assert (await login(bot, player.site_id, "wrong-password")).status_code == 401
    started = time.monotonic()
    owner = await login(from_ip("198.51.100.9"), player.site_id, player.password)
    waited = time.monotonic() - started
    assert owner.status_code == 200, owner.text  # delayed, never refused
    assert waited >= 0.6, waited


async def test_frequent_successful_logins_are_never_slowed(
        from_ip: Callable[[str], httpx.AsyncClient], client: httpx.AsyncClient, rt: Runtime) -> None:
    rt.settings.login_account_slow_after = 3
    rt.settings.login_account_delay_s = rt.settings.login_account_max_delay_s = 5.0
    player = await signup(client)
    for n in range(5):  # more logins than the 3 failures that would slow the account, all successes
        assert (await login(from_ip(f"198.51.100.{n}"), player.site_id, player.password)).status_code == 200
    started = time.monotonic()
    assert (await login(from_ip("198.51.100.99"), player.site_id, player.password)).status_code == 200
    assert time.monotonic() - started < 5.0  # not delayed
    for n in range(3):
        assert (await login(from_ip(f"203.0.113.{n}"), player.site_id, "wrong-password")).status_code == 401
    started = time.monotonic()
    assert (await login(from_ip("198.51.100.99"), player.site_id, player.password)).status_code == 200
    assert time.monotonic() - started >= 5.0  # three failures: now it is


async def test_attempts_on_an_admin_account_are_audited(
        from_ip: Callable[[str], httpx.AsyncClient], admin: Player) -> None:
    attacker = from_ip("203.0.113.77")
    for _ in range(5):
        assert (await login(attacker, admin.site_id, "wrong-password")).status_code == 401
    for _ in range(3):
        assert (await login(attacker, admin.site_id, admin.password)).status_code == 429
    assert admin.totp_secret
    own = await login(from_ip("198.51.100.20"), admin.site_id, admin.password, fresh_code(admin.totp_secret))
    assert own.status_code == 200, own.text
    failed = (await admin.get("/api/admin/audit", params={"action": "login_failed",
                                                          "target_id": str(admin.user_id)})).json()["items"]
    assert len(failed) == 5
    assert {(e["ip"], e["target_type"], e["after"]["reason"]) for e in failed} == {
        ("203.0.113.77", "user", "INVALID_CREDENTIALS")}
    locked = (await admin.get("/api/admin/audit", params={"action": "login_locked"})).json()["items"]
    assert [(e["ip"], e["target_id"]) for e in locked] == [("203.0.113.77", str(admin.user_id))]  # once, not per try


async def test_player_failures_are_not_audited(client: httpx.AsyncClient, admin: Player) -> None:
    player = await signup(client)
    assert (await login(client, player.site_id, "wrong-password")).status_code == 401
    rows = (await admin.get("/api/admin/audit", params={"target_id": str(player.user_id)})).json()["items"]
    assert [e for e in rows if e["action"].startswith("login_")] == []
