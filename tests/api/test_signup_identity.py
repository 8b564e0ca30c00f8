"""Issue 20 item 6: one canonical form for login names (trim, NFKC, casefold), unique across site_ids and
nicknames together, no invisible characters, and races answered with the code of the name that collided."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import httpx
import pytest

from tests.support.api import login, signup


def _tag() -> str:
    return uuid.uuid4().hex[:8]


async def _signup(client: httpx.AsyncClient, site_id: str, nickname: str) -> httpx.Response:
    return await client.post("/api/auth/signup", json={"site_id": site_id, "nickname": nickname,
                                                       "password": "password123"})


def _code(r: httpx.Response) -> str:
    return "CREATED" if r.status_code == 201 else r.json()["error"]["code"]


async def test_a_site_id_cannot_take_another_players_nickname(client: httpx.AsyncClient) -> None:
    victim = await signup(client, nickname=f"VnickX{_tag()}")
    nick = (await victim.get("/api/auth/me")).json()["nickname"]
    for attempt in (nick, nick.lower(), nick.upper()):
        hijack = await _signup(client, attempt, f"other{_tag()}")
        assert hijack.status_code == 409 and hijack.json()["error"]["code"] == "SITE_ID_TAKEN", hijack.text
    assert (await login(client, nick, victim.password)).json()["user"]["id"] == victim.user_id


async def test_names_are_trimmed_before_the_length_check(client: httpx.AsyncClient) -> None:
    blank = await _signup(client, f"s{_tag()}", "   ")
    assert blank.status_code == 422 and blank.json()["error"]["code"] == "VALIDATION_ERROR"
    short = await _signup(client, f"s{_tag()}", "  a  ")
    assert short.status_code == 422
    tag = _tag()
    ok = await _signup(client, f"  s{tag}  ", f"  Trim {tag}  ")
    assert ok.status_code == 201, ok.text
    assert (ok.json()["user"]["site_id"], ok.json()["user"]["nickname"]) == (f"s{tag}", f"Trim {tag}")


async def test_fullwidth_and_case_variants_are_the_same_name(client: httpx.AsyncClient) -> None:
    tag = _tag()
    owner = await signup(client, site_id=f"admin{tag}", nickname=f"Boss{tag}")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in f"ADMIN{tag.upper()}")  # ＡＤＭＩＮ…
    taken = await _signup(client, f"x{tag}", fullwidth)
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "NICKNAME_TAKEN"
    boss = "".join(chr(ord(c) + 0xFEE0) for c in f"boss{tag}")
    assert _code(await _signup(client, f"y{tag}", boss)) == "NICKNAME_TAKEN"
    # Login normalises the same way: the fullwidth form of the site_id is the same account.
    assert (await login(client, fullwidth, owner.password)).json()["user"]["id"] == owner.user_id


@pytest.mark.parametrize("nickname", ["ab\u200bcd", "\u3164\u3164\u3164", "ab\u202ecd", "ab\u00a0cd", "ab\tcd",
                                      "ab\u2028cd", "\ufeffabcd", "ab\u115fcd"])
async def test_invisible_and_control_characters_are_refused(client: httpx.AsyncClient, nickname: str) -> None:
    refused = await _signup(client, f"s{_tag()}", nickname)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "VALIDATION_ERROR", refused.text
    player = await signup(client)
    edit = await player.put("/api/auth/me", json={"nickname": nickname})
    assert edit.status_code == 422


async def test_korean_and_emoji_nicknames_are_kept(client: httpx.AsyncClient) -> None:
    tag = _tag()
    ok = await _signup(client, f"k{tag}", f"행운의 플레이어 🎰 {tag}")
    assert ok.status_code == 201 and ok.json()["user"]["nickname"] == f"행운의 플레이어 🎰 {tag}"


async def test_parallel_signups_with_one_nickname_answer_nickname_taken(client: httpx.AsyncClient) -> None:
    nick = f"Racer{_tag()}"
    results = await asyncio.gather(*(_signup(client, f"r{_tag()}", nick) for _ in range(6)))
    assert Counter(_code(r) for r in results) == Counter({"CREATED": 1, "NICKNAME_TAKEN": 5})


async def test_parallel_site_id_and_nickname_of_one_name_create_one(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        name = f"same{_tag()}"
        a, b = await asyncio.gather(_signup(client, name, f"nick{_tag()}"), _signup(client, f"site{_tag()}", name))
        assert sorted([_code(a), _code(b)]) in (["CREATED", "NICKNAME_TAKEN"], ["CREATED", "SITE_ID_TAKEN"]), (
            a.text, b.text)


async def test_a_nickname_change_cannot_take_a_site_id(client: httpx.AsyncClient) -> None:
    one, two = await signup(client), await signup(client)
    taken = await two.put("/api/auth/me", json={"nickname": one.site_id.upper()})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "NICKNAME_TAKEN"


async def test_a_nickname_stored_before_canonical_keys_still_logs_in(client: httpx.AsyncClient, rt) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from casino_club.auth.models import User
    player = await signup(client)
    old_nick = "Straße" + _tag()  # lower() keeps "ß", casefold() makes it "ss"
    async with rt.transaction() as session:  # as the earlier code stored it
        await session.execute(update(User).where(User.id == player.user_id).values(
            nickname=old_nick, nickname_lower=old_nick.lower()))
    assert (await login(client, old_nick, player.password)).json()["user"]["id"] == player.user_id
