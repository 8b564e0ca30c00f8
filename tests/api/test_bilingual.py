"""Bilingual content: events, missions, rewards, notifications and products answer in the request's
language (Accept-Language or the lang cookie), fall back to the other one, and carry both for the client."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from casino_club.kit.clock import Clock
from tests.support.api import Player, signup
from tests.support.engagement import LONG_TOKENS
from tests.support.shop import product

EN = {"Accept-Language": "en-US,en;q=0.9"}
KO = {"Accept-Language": "ko-KR"}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(LONG_TOKENS)


def _event(clock: Clock, **over: object) -> dict:  # type: ignore[type-arg]
    now = clock.now()
    return {"title": "주말 이벤트", "title_en": "Weekend event", "description": "2판 플레이", "description_en": "Play 2 games",
            "starts_at": (now - timedelta(hours=1)).isoformat(), "ends_at": (now + timedelta(days=2)).isoformat(),
            "requirements": {"games_played": 2}, "rewards": {"gold": 300}, **over}


async def test_events_answer_in_the_request_language_with_fallback(client: httpx.AsyncClient, admin: Player,
                                                                   clock: Clock) -> None:
    both = (await admin.post("/api/admin/events", json=_event(clock))).json()
    korean_only = (await admin.post("/api/admin/events", json=_event(clock, title="한국어만", title_en="",
                                                                      description_en=""))).json()
    assert both["title_ko"] == "주말 이벤트" and both["title_en"] == "Weekend event"
    player = await signup(client)
    en = {e["id"]: e for e in (await player.get("/api/events", headers=EN)).json()["items"]}
    ko = {e["id"]: e for e in (await player.get("/api/events", headers=KO)).json()["items"]}
    assert (en[both["id"]]["title"], en[both["id"]]["description"]) == ("Weekend event", "Play 2 games")
    assert (ko[both["id"]]["title"], ko[both["id"]]["description"]) == ("주말 이벤트", "2판 플레이")
    assert en[korean_only["id"]]["title"] == "한국어만"  # no English: the Korean text, not an empty title
    cookie = await player.get("/api/events", headers={"Cookie": "lang=en"})
    assert {e["id"]: e for e in cookie.json()["items"]}[both["id"]]["title"] == "Weekend event"
    # admins edit both languages
    edited = await admin.put(f"/api/admin/events/{korean_only['id']}", json={"title_en": "Korean only no more"})
    assert edited.status_code == 200 and edited.json()["title_en"] == "Korean only no more"
    en = {e["id"]: e for e in (await player.get("/api/events", headers=EN)).json()["items"]}
    assert en[korean_only["id"]]["title"] == "Korean only no more"


async def test_seed_missions_and_mission_edits_are_bilingual(client: httpx.AsyncClient, admin: Player) -> None:
    player = await signup(client)
    en = {m["code"]: m for m in (await player.get("/api/missions", headers=EN)).json()["items"]}
    ko = {m["code"]: m for m in (await player.get("/api/missions", headers=KO)).json()["items"]}
    assert (en["daily_play_1"]["title"], en["daily_play_1"]["description"]) == ("Play 1 game", "Play 1 game today.")
    assert (ko["daily_play_1"]["title"], ko["daily_play_1"]["description"]) == ("게임 1판 플레이", "오늘 게임을 1판 플레이하세요.")
    created = await admin.post("/api/admin/missions", json={
        "code": "daily_crash_2", "title": "크래시 2판", "title_en": "Two crash rounds", "period": "daily",
        "metric": "crash_rounds", "target": 2, "rewards": {"gold": 50}})
    assert created.status_code == 201, created.text
    en = {m["code"]: m for m in (await player.get("/api/missions", headers=EN)).json()["items"]}
    assert en["daily_crash_2"]["title"] == "Two crash rounds" and en["daily_crash_2"]["title_ko"] == "크래시 2판"


async def test_streak_reward_title_in_both_languages(client: httpx.AsyncClient) -> None:
    player = await signup(client)
    assert (await player.post("/api/streak/claim")).status_code == 200
    en = (await player.get("/api/rewards", headers=EN)).json()["items"][0]
    ko = (await player.get("/api/rewards", headers=KO)).json()["items"][0]
    assert (en["source"], en["title"], ko["title"]) == ("streak", "Daily streak day 1", "출석 1일차 보상")


async def test_notification_campaign_in_both_languages(client: httpx.AsyncClient, admin: Player) -> None:
    player = await signup(client)
    sent = await admin.post("/api/admin/notifications", json={
        "title": "점검 안내", "body": "새벽 3시 점검", "title_en": "Maintenance", "body_en": "Maintenance at 3am",
        "target": "users", "user_ids": [player.user_id]})
    assert sent.status_code == 201, sent.text
    en = (await player.get("/api/notifications", headers=EN)).json()["items"][0]
    ko = (await player.get("/api/notifications", headers=KO)).json()["items"][0]
    assert (en["title"], en["body"]) == ("Maintenance", "Maintenance at 3am")
    assert (ko["title"], ko["body"]) == ("점검 안내", "새벽 3시 점검")
    assert en["title_ko"] == "점검 안내" and ko["title_en"] == "Maintenance"
    blank = await admin.post("/api/admin/notifications", json={"title": "t", "body": "b", "title_en": "\u0007",
                                                               "target": "all"})
    assert blank.status_code == 422 and blank.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_product_descriptions_in_both_languages(client: httpx.AsyncClient, admin: Player) -> None:
    made = await product(admin, description="골드 팩", description_en="A gold pack")
    player = await signup(client)
    catalog_en = (await player.get("/api/shop/catalog", headers=EN)).json()
    catalog_ko = (await player.get("/api/shop/catalog", headers=KO)).json()
    en = next(p for p in catalog_en["gold_packs"] if p["id"] == made["id"])
    ko = next(p for p in catalog_ko["gold_packs"] if p["id"] == made["id"])
    assert (en["description"], ko["description"]) == ("A gold pack", "골드 팩")
    edited = await admin.put(f"/api/admin/shop/products/{made['id']}", json={"description_en": "Gold!"})
    assert edited.status_code == 200 and edited.json()["description_en"] == "Gold!"
    bare = await product(admin)
    assert bare["description"] is None and bare["description_en"] is None
