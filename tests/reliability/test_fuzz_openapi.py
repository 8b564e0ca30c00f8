"""Fuzzing every operation of the exported OpenAPI as a player and as an admin: no 5xx, no schema violations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

from tests.reliability.fuzz_support import FuzzReport, fuzz_operation, load_schema
from tests.reliability.support import ServerSet, admin_at, promote_in_db, scale, signup_at
from tests.support.databases import PG_URL
from tests.support.totp import fresh_code

# Operations that end the caller's own session: each example gets a fresh login instead of the shared token.
SELF_ENDING = {("POST", "/api/auth/logout"), ("POST", "/api/auth/logout-all"),
               ("DELETE", "/api/auth/sessions/{session_id}"), ("PUT", "/api/auth/me")}


@pytest.fixture
async def fuzz_db(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """PostgreSQL when configured (as CI), else a fresh SQLite file."""
    if PG_URL:
        url = await request.getfixturevalue("pg_templates").fresh()
        yield url
        await request.getfixturevalue("pg_templates").drop(url)
    else:
        yield request.getfixturevalue("sqlite_templates").fresh(tmp_path)


async def test_schemathesis_all_operations_player_and_admin(fuzz_db: str, server_set: ServerSet,
                                                            proved: Callable[..., None]) -> None:
    examples = scale(5, 50)  # positive cases per operation; negative get half
    server = server_set.make(fuzz_db, None, name="fuzz")
    await server_set.start(server)
    base = server.url
    async with httpx.AsyncClient(timeout=30) as client:
        admin = await admin_at(client, base, fuzz_db)
        player = await signup_at(client, base, "fz")
        victim = await signup_at(client, base, "vi")  # the only user admin fuzzing may act on
        throwaway = await signup_at(client, base, "tw")  # runs the operations that end the caller's sessions
    protected = {admin.user_id, player.user_id}
    schema = load_schema()
    operations = [r.ok() for r in schema.get_all_operations()]
    login_session = requests.Session()

    def fresh_login(who: Any) -> str:
        body = {"site_id": who.site_id, "password": who.password}
        if who.totp_secret:
            body["otp"] = fresh_code(who.totp_secret)
        response = login_session.post(base + "/api/auth/login", json=body, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def prepare(case: Any) -> None:
        # Never let the fuzzer ban/demote/drain the two accounts doing the fuzzing: aim user ids at the victim.
        params = case.path_parameters or {}
        if isinstance(params.get("user_id"), int) and params["user_id"] in protected:
            params["user_id"] = victim.user_id

    def headers_as(who: Any) -> Callable[[Any], dict[str, str]]:
        def headers(case: Any) -> dict[str, str]:
            ending = (case.method.upper(), case.path) in SELF_ENDING
            token = fresh_login(throwaway) if ending else who.access_token
            return {"Authorization": f"Bearer {token}"}
        return headers

    reports = {"player": FuzzReport(), "admin": FuzzReport()}

    def run_all(role: str) -> None:
        who = admin if role == "admin" else player
        session = requests.Session()  # one per thread; cookies (the refresh cookie) stay per role
        for operation in operations:
            if operation.path.startswith("/api/admin") == (role == "admin"):
                reports[role].operations += 1
                fuzz_operation(operation, base, headers_as(who), prepare, reports[role], examples, session=session)

    def run_both() -> None:
        run_all("player")
        run_all("admin")

    await asyncio.to_thread(run_both)
    # The fuzzing accounts are intact at the end (a token that silently died would hide coverage).
    async with httpx.AsyncClient(timeout=30) as client:
        me = await client.get(base + "/api/auth/me", headers={"Authorization": f"Bearer {player.access_token}"})
        assert me.status_code == 200, me.text
        await promote_in_db(fuzz_db, admin.user_id)
    slow = sorted(((round(t, 1), op) for r in reports.values() for op, t in r.seconds.items()), reverse=True)[:5]
    print("slowest operations:", slow)
    failures = reports["player"].failures + reports["admin"].failures
    assert not failures, f"{len(failures)} fuzz failures:\n" + "\n".join(failures[:30])
    for role, report in reports.items():
        assert report.fivexx == 0
        proved(f"schemathesis as {role}", operations=report.operations, examples_per_mode=examples,
               requests=report.requests, status_2xx=sum(n for s, n in report.statuses.items() if s < 300),
               status_4xx=sum(n for s, n in report.statuses.items() if 400 <= s < 500), status_5xx=report.fivexx,
               schema_violations=0, seconds=round(sum(report.seconds.values()), 1))
