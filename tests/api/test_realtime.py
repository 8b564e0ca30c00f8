"""Realtime sync over real sockets (in-process uvicorn on a TCP port): delivery, resume, rollback, coalescing.

Runs on SQLite (in-process bus) and on PostgreSQL + Redis (Redis pub/sub bus) via the `backend` fixture.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from casino_club.bus.relay import prune_outbox
from casino_club.kit.runtime import Runtime
from tests.support.api import Player, signup
from tests.support.ws import open_synced, serve_in_process


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"ws_session_check_s": 0.3, "outbox_sweep_s": 0.2}


@pytest.fixture
async def ws_base(app_rt: tuple[object, Runtime]) -> AsyncIterator[str]:
    async with serve_in_process(app_rt[0]) as base:
        yield base


async def emit(player: Player, type_: str, count: int = 1, **kw: object) -> list[dict[str, object]]:
    response = await player.post(f"/api/test/realtime/emit/{type_}", json={"count": count, **kw})
    assert response.status_code == 200, response.text
    return response.json()["events"]


def continuous(events: list[dict[str, object]], last_seq: int) -> int:
    """Apply the client continuity rule to a stream; returns the final last_seq."""
    for event in events:
        assert (event.get("coalesced_from") or event["seq"]) == last_seq + 1, (last_seq, event)
        last_seq = event["seq"]  # type: ignore[assignment]
    return last_seq


async def test_admin_grant_reaches_two_tabs(client: httpx.AsyncClient, admin: Player, ws_base: str) -> None:
    player = await signup(client)
    tab1, snap1 = await open_synced(ws_base, player.access_token)
    tab2, snap2 = await open_synced(ws_base, player.access_token, via="query")
    assert snap1["profile"]["gold"] == snap1["balance"] == 1000 and snap1["seq"] == snap2["seq"]
    start = snap1["seq"]
    grant = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json={"amount": 250, "reason": "gift"})
    assert grant.status_code == 200, grant.text
    for tab in (tab1, tab2):
        profile, reward = await tab.events(2)
        assert (profile["seq"], reward["seq"]) == (start + 1, start + 2)
        assert profile["type"] == "profile_update" and profile["data"]["gold"] == 1250
        assert reward["type"] == "reward_granted" and reward["data"]["gold"] == 250
        assert set(profile) == {"id", "seq", "type", "ts", "data"}
    assert tab1.received[-1]["id"] == tab2.received[-1]["id"]
    # Nothing for another player's sockets.
    other = await signup(client)
    other_tab, _ = await open_synced(ws_base, other.access_token)
    await emit(player, "notification")
    assert (await tab1.events(1))[0]["seq"] == start + 3
    assert await other_tab.silent(0.4) == []
    for tab in (tab1, tab2, other_tab):
        await tab.close()


async def test_resume_after_missing_50_events_is_exact(client: httpx.AsyncClient, ws_base: str) -> None:
    player = await signup(client)
    tab, snap = await open_synced(ws_base, player.access_token)
    await emit(player, "notification", data={"n": "before"})
    seen = (await tab.events(1))[0]["seq"]
    await tab.close()
    missed = []
    for i in range(50):
        missed += await emit(player, "notification" if i % 3 else "game_update", data={"i": i})
    tab, _ = await open_synced(ws_base, player.access_token)
    await tab.send({"type": "resume", "last_seq": seen})
    replay = await tab.events(50)
    assert [e["seq"] for e in replay] == list(range(seen + 1, seen + 51))
    assert [e["id"] for e in replay] == [e["id"] for e in missed]
    assert [e["data"]["i"] for e in replay] == list(range(50))
    resumed = await tab.recv_type("resumed")
    assert resumed["data"] == {"last_seq": seen, "through_seq": seen + 50}
    await emit(player, "notification", data={"n": "live"})
    live = await tab.events(1)
    assert live[0]["seq"] == seen + 51 and live[0]["data"]["n"] == "live"
    assert await tab.silent(0.4) == []  # no duplicate of anything
    # Resuming from the query string on connect gives the same history without a race.
    again, _ = await open_synced(ws_base, player.access_token, query=f"last_seq={seen + 48}")
    assert [e["seq"] for e in await again.events(3)] == [seen + 49, seen + 50, seen + 51]
    await again.close()
    await tab.close()


async def test_rolled_back_events_never_arrive(client: httpx.AsyncClient, ws_base: str, rt: Runtime) -> None:
    player = await signup(client)
    tab, snap = await open_synced(ws_base, player.access_token)
    failed = await player.post("/api/test/realtime/emit/notification",
                               json={"count": 3, "rollback": True, "data": {"ghost": True}})
    assert failed.status_code == 409 and failed.json()["error"]["code"] == "DEV_ROLLED_BACK"
    assert await tab.silent(0.5) == []
    await emit(player, "notification", data={"ghost": False})
    (event,) = await tab.events(1)
    # The rolled-back seqs were never committed, so the next committed event takes the next seq.
    assert event["seq"] == snap["seq"] + 1 and event["data"]["ghost"] is False
    ghost_ids = {e["id"] for e in failed.json()["error"]["details"]["events"]}
    assert event["id"] not in ghost_ids
    resumed, _ = await open_synced(ws_base, player.access_token, query="last_seq=0")
    replay = await resumed.events(snap["seq"] + 1)
    assert not any(e["data"].get("ghost") for e in replay) and not ghost_ids & {e["id"] for e in replay}
    await tab.close()
    await resumed.close()


async def test_profile_update_bursts_are_coalesced(client: httpx.AsyncClient, ws_base: str) -> None:
    player = await signup(client)
    tab, snap = await open_synced(ws_base, player.access_token)
    s = snap["seq"]
    await emit(player, "profile_update", count=5)
    await emit(player, "notification")
    first, last, note = await tab.events(3)
    # The first goes out at once; the rest of the burst collapse into the last one, before the next event.
    assert first["seq"] == s + 1 and "coalesced_from" not in first
    assert last["seq"] == s + 5 and last["coalesced_from"] == s + 2 and last["data"]["index"] == 4
    assert note["seq"] == s + 6 and note["type"] == "notification"
    # A lone trailing burst is flushed when the 300 ms window ends.
    await asyncio.sleep(0.35)
    await emit(player, "profile_update", count=3)
    a, b = await tab.events(2, wait_s=3)
    assert (a["seq"], b["seq"], b["coalesced_from"]) == (s + 7, s + 9, s + 8)
    # Resume applies the same rule, so the client's continuity check holds for replays too.
    again, _ = await open_synced(ws_base, player.access_token, query=f"last_seq={s}")
    replay = []
    while not replay or replay[-1]["seq"] < s + 9:
        replay += await again.events(1, wait_s=3)
    assert continuous(replay, s) == s + 9
    assert [e["seq"] for e in replay if e["type"] != "profile_update"] == [s + 6]
    assert replay[:2] == [first, last] and replay[-1]["data"]["index"] == 2
    assert await again.silent(0.4) == []
    await tab.close()
    await again.close()


async def test_resume_older_than_retention_requires_resync(client: httpx.AsyncClient, ws_base: str, rt: Runtime,
                                                           clock) -> None:  # type: ignore[no-untyped-def]
    player = await signup(client)
    await emit(player, "notification", count=3)
    clock.advance(timedelta(days=8))
    assert await prune_outbox(rt) >= 3
    clock.advance(timedelta(days=-8))  # keep the access token valid; the rows are gone either way
    latest = (await emit(player, "notification"))[0]["seq"]
    tab, _ = await open_synced(ws_base, player.access_token)
    await tab.send({"type": "resume", "last_seq": 1})
    resync = await tab.recv_type("resync_required")
    assert resync["data"]["last_seq"] == 1 and resync["data"]["latest_seq"] == latest
    assert resync["data"]["oldest_available_seq"] == latest
    snap = await tab.recv_type("snapshot")
    assert snap["data"]["seq"] == latest
    # A resume from an up-to-date point is fine; a seq from the future also needs a resync.
    await tab.send({"type": "resume", "last_seq": latest})
    assert (await tab.recv_type("resumed"))["data"]["through_seq"] == latest
    await tab.send({"type": "resume", "last_seq": latest + 10})
    assert (await tab.recv_type("resync_required"))["data"]["latest_seq"] == latest
    await tab.close()


async def test_dev_endpoints_are_absent_when_disabled(backend: str, database_url: str) -> None:
    from casino_club.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(database_url, None, dev_endpoints=False), run_jobs=False)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        assert (await c.post("/api/test/realtime/emit/notification", json={})).status_code == 404
        assert (await c.post("/api/test/clock/advance", json={"seconds": 1})).status_code == 404


async def test_relay_sweep_publishes_rows_committed_without_a_poke(client: httpx.AsyncClient, ws_base: str,
                                                                   rt: Runtime) -> None:
    from sqlalchemy import func, select

    from casino_club.outbox.models import OutboxEvent
    from casino_club.outbox.service import emit as outbox_emit

    player = await signup(client)
    tab, snap = await open_synced(ws_base, player.access_token)
    # A plain session commit (as another process would do) does not poke this instance's relay: the sweep finds it.
    async with rt.sessionmaker() as session, session.begin():
        for i in range(3):
            await outbox_emit(session, player.user_id, "notification", {"swept": i})
    got = await tab.events(3, wait_s=5)
    assert [e["seq"] for e in got] == [snap["seq"] + 1, snap["seq"] + 2, snap["seq"] + 3]
    # The socket may have read them from the table first (session check); the relay still marks them published.
    for _ in range(50):
        async with rt.sessionmaker() as session:
            unpublished = (await session.execute(select(func.count()).select_from(OutboxEvent)
                                                 .where(OutboxEvent.published_at.is_(None)))).scalar_one()
        if unpublished == 0:
            break
        await asyncio.sleep(0.1)
    assert unpublished == 0
    await tab.close()


async def test_reordered_and_duplicated_bus_messages_never_reach_the_client(client: httpx.AsyncClient, ws_base: str,
                                                                            rt: Runtime) -> None:
    from casino_club.bus.base import BusMessage
    from casino_club.bus.relay import envelope_of
    from casino_club.outbox.service import emit as outbox_emit
    from casino_club.realtime.runtime import get_realtime

    player = await signup(client)
    tab, snap = await open_synced(ws_base, player.access_token)
    s = snap["seq"]
    async with rt.sessionmaker() as session, session.begin():  # committed without poking the relay
        rows = [await outbox_emit(session, player.user_id, "notification", {"k": k}) for k in range(2)]
    hub = get_realtime(rt).hub
    # The later event arrives first (as from another instance's relay), then duplicates of both.
    hub.on_bus_message(BusMessage(player.user_id, envelope_of(rows[1])))
    hub.on_bus_message(BusMessage(player.user_id, envelope_of(rows[0])))
    hub.on_bus_message(BusMessage(player.user_id, envelope_of(rows[1])))
    got = await tab.events(2)
    assert [(e["seq"], e["data"]["k"]) for e in got] == [(s + 1, 0), (s + 2, 1)]
    # The relay's own (regular) publication of the same rows follows: still nothing twice.
    assert await tab.silent(0.8) == []
    await tab.close()


async def test_batched_round_events_arrive_even_when_their_publish_is_lost(client: httpx.AsyncClient, ws_base: str,
                                                                          rt: Runtime,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A group commit publishes its own events after commit; if that publish fails, the round still counts
    once and the socket reads the events from the table."""
    from sqlalchemy import func, select

    from casino_club.outbox.models import OutboxEvent

    player = await signup(client)
    assert (await player.post("/api/games/slot/spin", json={"bet": 10})).status_code == 200  # creates the seed pair
    tab, snap = await open_synced(ws_base, player.access_token)
    assert rt.publish_committed is not None
    lost: list[int] = []

    async def lose(items: list[tuple[int, dict[str, object]]]) -> None:  # as if the bus failed after the commit
        lost.extend(user_id for user_id, _ in items)
        raise RuntimeError("bus failed after commit")

    monkeypatch.setattr(rt, "publish_committed", lose)
    spin = await player.post("/api/games/slot/spin", json={"bet": 10}, idem=False)  # no key: a replay would re-spin
    assert spin.status_code == 200, spin.text
    assert lost and set(lost) == {player.user_id}  # the round went through a group commit
    history = (await player.get("/api/games/history")).json()["items"]
    assert [r["round_id"] for r in history][:1] == [spin.json()["round_id"]] and len(history) == 2  # not replayed
    got = await tab.events(len(lost), wait_s=5)  # from the table, at the socket's session checks
    assert [e["seq"] for e in got] == [snap["seq"] + 1 + i for i in range(len(lost))]
    by_type = {e["type"]: e["data"] for e in got}
    assert by_type["game_update"]["round_id"] == spin.json()["round_id"]
    assert by_type["profile_update"]["gold"] == spin.json()["balance"]
    async with rt.sessionmaker() as session:  # stored as published: the relay never claims them
        unpublished = (await session.execute(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.user_id == player.user_id, OutboxEvent.published_at.is_(None)))).scalar_one()
    assert unpublished == 0
    assert await tab.silent(0.8) == []  # and nothing twice
    await tab.close()
