"""Notifications: campaigns (now / scheduled / cancel), inbox, realtime event, exactly-once scheduled delivery."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from casino_club.app import create_app
from casino_club.auth.models import User
from casino_club.config import Settings
from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from casino_club.notifications.models import Campaign, Notification
from casino_club.notifications.service import run_due
from tests.support.api import Player, signup
from tests.support.engagement import LONG_TOKENS, events_of


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {**LONG_TOKENS, "notification_poll_s": 0.05}


async def test_campaign_now_inbox_and_read(client: httpx.AsyncClient, admin: Player, rt: Runtime) -> None:
    a, b = await signup(client), await signup(client)
    response = await admin.post("/api/admin/notifications", json={"title": "점검 안내", "body": "내일 점검합니다",
                                                                  "target": "all"})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "sent" and response.json()["recipients"] == 2  # admins are not players
    inbox = (await a.get("/api/notifications")).json()
    assert inbox["unread"] == 1 and inbox["items"][0]["title"] == "점검 안내" and not inbox["items"][0]["read"]
    pushed = await events_of(rt, a.user_id, "notification")
    assert len(pushed) == 1 and pushed[0]["data"]["id"] == inbox["items"][0]["id"]
    nid = inbox["items"][0]["id"]
    assert (await b.post(f"/api/notifications/{nid}/read")).status_code == 404  # someone else's
    assert (await a.post(f"/api/notifications/{nid}/read")).json()["read"] is True
    assert (await a.get("/api/notifications/unread-count")).json() == {"unread": 0}
    await admin.post("/api/admin/notifications", json={"title": "t2", "body": "b2", "target": "users",
                                                       "user_ids": [b.user_id]})
    assert (await b.get("/api/notifications/unread-count")).json() == {"unread": 2}
    assert (await a.get("/api/notifications/unread-count")).json() == {"unread": 0}
    assert (await b.post("/api/notifications/read-all")).json()["marked"] == 2
    assert (await b.get("/api/notifications", params={"unread_only": True})).json()["items"] == []


async def test_rank_target_and_validation(client: httpx.AsyncClient, admin: Player, rt: Runtime) -> None:
    a, b = await signup(client), await signup(client)
    async with rt.transaction() as session:
        user = await session.get(User, b.user_id)
        assert user is not None
        user.rank = "PREMIUM"
    sent = (await admin.post("/api/admin/notifications", json={"title": "P", "body": "premium only",
                                                               "target": "rank", "rank": "PREMIUM"})).json()
    assert sent["recipients"] == 1
    assert (await a.get("/api/notifications/unread-count")).json()["unread"] == 0
    for bad in ({"title": "x", "body": "y", "target": "rank"}, {"title": "x", "body": "y", "target": "users"},
                {"title": "", "body": "y", "target": "all"}, {"title": "x", "body": "y", "target": "everyone"},
                {"title": "x", "body": "y", "target": "all", "send_at": "2026-01-01T00:00:00"}):
        response = await admin.post("/api/admin/notifications", json=bad)
        assert response.status_code == 422, (bad, response.text)
    none = await admin.post("/api/admin/notifications", json={"title": "x", "body": "y", "target": "users",
                                                              "user_ids": [987654]})
    assert none.status_code == 422 and none.json()["error"]["code"] == "NO_RECIPIENTS"
    assert (await a.post("/api/admin/notifications", json={"title": "x", "body": "y", "target": "all"})).status_code == 403


async def test_scheduled_delivery_and_cancel(client: httpx.AsyncClient, admin: Player, clock: Clock, rt: Runtime) -> None:
    player = await signup(client)
    send_at = (clock.now() + timedelta(hours=2)).isoformat()
    later = (await admin.post("/api/admin/notifications", json={"title": "later", "body": "b", "target": "all",
                                                                "send_at": send_at})).json()
    cancel_me = (await admin.post("/api/admin/notifications", json={"title": "nope", "body": "b", "target": "all",
                                                                    "send_at": send_at})).json()
    assert later["status"] == "scheduled"
    assert (await admin.post(f"/api/admin/notifications/{cancel_me['id']}/cancel")).json()["status"] == "cancelled"
    again = await admin.post(f"/api/admin/notifications/{cancel_me['id']}/cancel")
    assert again.status_code == 409 and again.json()["error"]["code"] == "CAMPAIGN_NOT_SCHEDULED"
    assert await run_due(rt) == 0
    assert (await player.get("/api/notifications/unread-count")).json()["unread"] == 0
    clock.advance(timedelta(hours=3))
    await asyncio.gather(run_due(rt), run_due(rt))  # the background job may also be running: still once
    for _ in range(50):
        if (await admin.get(f"/api/admin/notifications/{later['id']}")).json()["status"] == "sent":
            break
        await asyncio.sleep(0.05)
    inbox = (await player.get("/api/notifications")).json()["items"]
    assert [n["title"] for n in inbox] == ["later"]
    listed = (await admin.get("/api/admin/notifications", params={"status": "cancelled"})).json()["items"]
    assert [c["id"] for c in listed] == [cancel_me["id"]]


async def test_scheduled_campaign_survives_restart(settings: Settings, clock: Clock) -> None:
    """Schedule on one app, stop it, move time, start a new app on the same database: delivered exactly once."""
    first = create_app(settings, clock, run_jobs=False)
    async with first.router.lifespan_context(first):
        transport = httpx.ASGITransport(app=first, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            players = [await signup(client) for _ in range(3)]
            rt: Runtime = first.state.rt

            async def promote(user_id: int, role: str = "admin") -> None:
                async with rt.transaction() as session:
                    user = await session.get(User, user_id)
                    assert user is not None
                    user.role = role

            from tests.support.api import make_admin
            admin = await make_admin(client, promote)
            response = await admin.post("/api/admin/notifications", json={
                "title": "재시작 후", "body": "b", "target": "users", "user_ids": [p.user_id for p in players],
                "send_at": (clock.now() + timedelta(minutes=30)).isoformat()})
            assert response.status_code == 201 and response.json()["status"] == "scheduled"
            campaign_id = response.json()["id"]
    clock.advance(timedelta(hours=1))
    for _ in range(2):  # two instances started one after the other; each runs the job step
        app = create_app(settings, clock, run_jobs=False)
        async with app.router.lifespan_context(app):
            rt = app.state.rt
            await asyncio.gather(run_due(rt), run_due(rt))
            async with rt.sessionmaker() as session:
                campaign = await session.get(Campaign, campaign_id)
                count = (await session.execute(select(func.count()).select_from(Notification).where(
                    Notification.campaign_id == campaign_id))).scalar_one()
            assert campaign is not None and campaign.status == "sent" and campaign.recipients == 3
            assert count == 3
            for p in players:
                assert len(await events_of(rt, p.user_id, "notification")) == 1


async def test_background_job_delivers(client: httpx.AsyncClient, admin: Player, clock: Clock) -> None:
    player = await signup(client)
    await admin.post("/api/admin/notifications", json={"title": "job", "body": "b", "target": "all",
                                                       "send_at": (clock.now() + timedelta(minutes=1)).isoformat()})
    clock.advance(timedelta(minutes=2))
    for _ in range(100):
        if (await player.get("/api/notifications/unread-count")).json()["unread"] == 1:
            break
        await asyncio.sleep(0.05)
    assert (await player.get("/api/notifications/unread-count")).json()["unread"] == 1
