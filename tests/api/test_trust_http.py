"""Issue 20 items 7 and 9: unparseable bodies keep the error contract; a stalled body is cut off (408)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

KO = {"Accept-Language": "ko", "Content-Type": "application/json"}
EN = {"Accept-Language": "en", "Content-Type": "application/json"}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"max_body_bytes": 300_000, "body_read_timeout_s": 0.5}


UNPARSEABLE = {
    "5000-digit number": b'{"site_id": ' + b"7" * 5000 + b', "password": "x"}',
    "arrays nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "truncated JSON": b'{"site_id": "abc", "passw',
    "not UTF-8": b'{"site_id": "\xff\xfe"}',
}


@pytest.mark.parametrize("name", list(UNPARSEABLE))
async def test_unparseable_body_is_422_in_the_request_language(client: httpx.AsyncClient, name: str) -> None:
    body = UNPARSEABLE[name]
    ko = await client.post("/api/auth/login", content=body, headers=KO)
    en = await client.post("/api/auth/login", content=body, headers=EN)
    assert ko.status_code == en.status_code == 422, (ko.text[:300], en.text[:300])
    assert ko.json()["error"]["code"] == en.json()["error"]["code"] == "VALIDATION_ERROR"
    assert ko.json()["error"]["message"] == "입력값이 올바르지 않습니다."
    assert en.json()["error"]["message"] == "Some fields are invalid."


async def test_too_large_is_413_in_the_request_language(client: httpx.AsyncClient) -> None:
    body = b'{"site_id": "' + b"x" * 400_000 + b'"}'
    en = await client.post("/api/auth/login", content=body, headers=EN)
    ko = await client.post("/api/auth/login", content=body, headers=KO)
    assert en.status_code == ko.status_code == 413
    assert (en.json()["error"]["code"], en.json()["error"]["message"]) == (
        "PAYLOAD_TOO_LARGE", "The request body is too large.")
    assert ko.json()["error"]["message"] == "요청 본문이 너무 큽니다."

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(4):
            yield b"x" * 100_000

    chunked = await client.post("/api/auth/login", content=streamed(), headers=KO)
    assert chunked.status_code == 413 and chunked.json()["error"]["message"] == "요청 본문이 너무 큽니다."


async def test_a_body_that_stalls_is_answered_408(client: httpx.AsyncClient) -> None:
    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"site_id": "slow'
        await asyncio.sleep(3)  # past the 0.5 s read timeout
        yield b'", "password": "x"}'

    started = time.monotonic()
    stalled = await client.post("/api/auth/login", content=trickle(), headers=EN)
    assert stalled.status_code == 408, stalled.text
    assert stalled.json()["error"]["code"] == "REQUEST_TIMEOUT"
    assert time.monotonic() - started < 3  # answered at the timeout, not when the client finally finished

    async def steady() -> AsyncIterator[bytes]:  # slow but never stalling past the timeout: accepted
        for part in (b'{"site_id": "nobody', b'", "password": ', b'"wrong-password"}'):
            await asyncio.sleep(0.2)
            yield part

    ok = await client.post("/api/auth/login", content=steady(), headers=EN)
    assert ok.status_code == 401 and ok.json()["error"]["code"] == "INVALID_CREDENTIALS"
