"""kit.lang: the request language reaches the endpoint for HTTP and WebSocket scopes; the pick falls back."""

from __future__ import annotations

import asyncio

from casino_club.kit.lang import LangContextMiddleware, current_lang, pick


def _seen(scope: dict) -> str:  # type: ignore[type-arg]
    seen: list[str] = []

    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        seen.append(current_lang())

    asyncio.run(LangContextMiddleware(app)(scope, None, None))  # type: ignore[arg-type]
    return seen[0]


def test_middleware_sets_the_language_for_http_and_websocket() -> None:
    for kind in ("http", "websocket"):
        assert _seen({"type": kind, "headers": [(b"accept-language", b"en-US,en;q=0.8")]}) == "en"
        assert _seen({"type": kind, "headers": [(b"cookie", b"lang=ko"), (b"accept-language", b"en")]}) == "ko"
        assert _seen({"type": kind, "headers": []}) == "ko"
    assert current_lang() == "ko"  # reset after the request


def test_pick_falls_back_to_the_other_language() -> None:
    assert pick("한국어", "English", "en") == "English"
    assert pick("한국어", "", "en") == "한국어"
    assert pick("", "English", "ko") == "English"
    assert pick(None, None, "en") == ""
