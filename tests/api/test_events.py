"""Events: admin CRUD (audited, soft delete/restore), join (idempotent), server-side progress, claim once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from casino_club.admin.models import AuditLog
from casino_club.inventory.service import CORE_ITEMS, STREAK_SHIELD, quantity_of, upsert_items
from casino_club.kit.clock import Clock
from casino_club.kit.runtime import Runtime
from tests.support.api import Player, signup
from tests.support.engagement import LONG_TOKENS, events_of
from tests.support.ledger import report_progress


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(LONG_TOKENS)


def _event_body(clock: Clock, **over: object) -> dict:
    now = clock.now()
    body = {"title": "주말 이벤트", "description": "Play 2 games", "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(days=2)).isoformat(), "priority": 5, "requirements": {"games_played": 2},
            "rewards": {"gold": 300, "xp": 20, "items": [{"item_id": STREAK_SHIELD, "quantity": 1}]}}
    body.update(over)
    return body


async def _create(admin: Player, clock: Clock, rt: Runtime, **over: object) -> dict:
    async with rt.transaction() as session:
        await upsert_items(session, CORE_ITEMS)
    response = await admin.post("/api/admin/events", json=_event_body(clock, **over))
    assert response.status_code == 201, response.text
    return response.json()


async def _play(rt: Runtime, user_id: int, games: int = 1) -> None:
    await report_progress(rt, user_id, {"games_played": games, "rps_plays": games})


async def test_join_progress_claim_once(client: httpx.AsyncClient, admin: Player, clock: Clock, rt: Runtime) -> None:
    event = await _create(admin, clock, rt)
    player = await signup(client)
    await _play(rt, player.user_id)  # before joining: does not count
    listed = (await player.get("/api/events")).json()["items"]
    mine = next(e for e in listed if e["id"] == event["id"])
    assert not mine["joined"] and mine["progress"] == {"games_played": 0}
    first = (await player.post(f"/api/events/{event['id']}/join")).json()
    second = (await player.post(f"/api/events/{event['id']}/join")).json()
    assert first["idempotent"] is False and second["idempotent"] is True and first["event"]["joined"]
    response = await player.post(f"/api/events/{event['id']}/claim")
    assert response.status_code == 409 and response.json()["error"]["code"] == "EVENT_INCOMPLETE"
    await _play(rt, player.user_id)
    await _play(rt, player.user_id)
    mine = next(e for e in (await player.get("/api/events")).json()["items"] if e["id"] == event["id"])
    assert mine["progress"] == {"games_played": 2} and mine["completed"] and not mine["claimed"]
    updates = [u for e in await events_of(rt, player.user_id, "event_progress") for u in e["data"]["updates"]
               if u["kind"] == "event"]
    assert updates and updates[-1]["completed"]
    gold = await player.gold()
    responses = await asyncio.gather(*(player.post(f"/api/events/{event['id']}/claim") for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409], [r.text for r in responses]
    assert await player.gold() == gold + 300
    async with rt.sessionmaker() as session:
        assert await quantity_of(session, player.user_id, STREAK_SHIELD) == 1
    assert any(e["data"]["source"] == "event" for e in await events_of(rt, player.user_id, "reward_granted"))


async def test_admin_crud_soft_delete_restore_and_audit(client: httpx.AsyncClient, admin: Player, clock: Clock,
                                                        rt: Runtime) -> None:
    event = await _create(admin, clock, rt)
    player = await signup(client)
    updated = await admin.put(f"/api/admin/events/{event['id']}", json={"title": "새 제목", "priority": 9})
    assert updated.status_code == 200 and updated.json()["title"] == "새 제목" and updated.json()["priority"] == 9
    assert (await admin.delete(f"/api/admin/events/{event['id']}")).json()["deleted_at"] is not None
    assert all(e["id"] != event["id"] for e in (await player.get("/api/events")).json()["items"])
    assert (await player.post(f"/api/events/{event['id']}/join")).status_code == 404
    live = (await admin.get("/api/admin/events")).json()["items"]
    everything = (await admin.get("/api/admin/events", params={"include_deleted": True})).json()["items"]
    assert event["id"] not in [e["id"] for e in live] and event["id"] in [e["id"] for e in everything]
    restored = await admin.post(f"/api/admin/events/{event['id']}/restore")
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    again = await admin.post(f"/api/admin/events/{event['id']}/restore")
    assert again.status_code == 409 and again.json()["error"]["code"] == "NOT_DELETED"
    assert (await player.post(f"/api/events/{event['id']}/join")).status_code == 200
    parts = (await admin.get(f"/api/admin/events/{event['id']}/participants")).json()
    assert [p["user_id"] for p in parts["items"]] == [player.user_id]
    async with rt.sessionmaker() as session:
        actions = set((await session.execute(select(AuditLog.action).where(
            AuditLog.target_type == "event"))).scalars())
    assert {"event.create", "event.update", "event.delete", "event.restore"} <= actions


async def test_force_claim_pays_once(client: httpx.AsyncClient, admin: Player, clock: Clock, rt: Runtime) -> None:
    event = await _create(admin, clock, rt, rewards={"gold": 700, "xp": 0, "items": []})
    player = await signup(client)
    first = await admin.post(f"/api/admin/events/{event['id']}/force-claim", json={"user_id": player.user_id})
    assert first.status_code == 200, first.text
    second = await admin.post(f"/api/admin/events/{event['id']}/force-claim", json={"user_id": player.user_id})
    assert second.status_code == 409 and second.json()["error"]["code"] == "ALREADY_CLAIMED"
    assert await player.gold() == 1700
    parts = (await admin.get(f"/api/admin/events/{event['id']}/participants")).json()["items"]
    assert parts[0]["forced"] and parts[0]["claimed_at"]
    missing = await admin.post(f"/api/admin/events/{event['id']}/force-claim", json={"user_id": 99999})
    assert missing.status_code == 404
    huge = await admin.post(f"/api/admin/events/{event['id']}/force-claim", json={"user_id": 2**63})
    assert huge.status_code == 422


async def test_event_window_and_validation(client: httpx.AsyncClient, admin: Player, clock: Clock, rt: Runtime) -> None:
    now = clock.now()
    future = await _create(admin, clock, rt, starts_at=(now + timedelta(days=1)).isoformat(),
                           ends_at=(now + timedelta(days=3)).isoformat())
    player = await signup(client)
    response = await player.post(f"/api/events/{future['id']}/join")
    assert response.status_code == 409 and response.json()["error"]["code"] == "EVENT_NOT_ACTIVE"
    bad = [
        {"ends_at": (now - timedelta(days=2)).isoformat()},
        {"requirements": {"made_up_metric": 3}},
        {"requirements": {"games_played": 0}},
        {"requirements": {}},
        {"starts_at": datetime(2026, 1, 1).isoformat()},  # naive datetime
        {"rewards": {"gold": -5}},
        {"rewards": {"gold": 1.5}},
        {"title": "   "},
    ]
    for over in bad:
        response = await admin.post("/api/admin/events", json=_event_body(clock, **over))
        assert response.status_code == 422, (over, response.text)
    unknown = await admin.post("/api/admin/events", json=_event_body(clock, rewards={"items": [
        {"item_id": "nope", "quantity": 1}]}))
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "UNKNOWN_ITEM"
    window = await admin.put(f"/api/admin/events/{future['id']}",
                             json={"ends_at": datetime(2020, 1, 1, tzinfo=UTC).isoformat()})
    assert window.status_code == 422 and window.json()["error"]["code"] == "INVALID_WINDOW"
    assert (await player.post("/api/admin/events", json=_event_body(clock))).status_code == 403
    assert (await client.get("/api/events")).status_code == 401


async def test_admin_mission_templates(client: httpx.AsyncClient, admin: Player, rt: Runtime) -> None:
    body = {"code": "daily_gacha_2", "title": "가챠 2회", "period": "daily", "metric": "gacha_pulls", "target": 2,
            "rewards": {"gold": 50, "xp": 5}}
    created = await admin.post("/api/admin/missions", json=body)
    assert created.status_code == 201, created.text
    dup = await admin.post("/api/admin/missions", json=body)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "MISSION_CODE_EXISTS"
    mid = created.json()["id"]
    assert (await admin.put(f"/api/admin/missions/{mid}", json={"target": 3})).json()["target"] == 3
    player = await signup(client)
    codes = [m["code"] for m in (await player.get("/api/missions")).json()["items"]]
    assert "daily_gacha_2" in codes
    await admin.delete(f"/api/admin/missions/{mid}")
    codes = [m["code"] for m in (await player.get("/api/missions")).json()["items"]]
    assert "daily_gacha_2" not in codes
    assert (await player.post(f"/api/missions/{mid}/claim")).status_code == 404
    listed = (await admin.get("/api/admin/missions", params={"include_deleted": True})).json()["items"]
    assert any(m["id"] == mid and m["deleted_at"] for m in listed)
    assert (await admin.post(f"/api/admin/missions/{mid}/restore")).json()["deleted_at"] is None
    bad = await admin.post("/api/admin/missions", json={**body, "code": "x_1", "period": "monthly"})
    assert bad.status_code == 422
    async with rt.sessionmaker() as session:
        actions = set((await session.execute(select(AuditLog.action).where(
            AuditLog.target_type == "mission"))).scalars())
    assert {"mission.create", "mission.update", "mission.delete", "mission.restore"} <= actions
