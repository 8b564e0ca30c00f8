"""The request's language for bilingual content: a context variable set per request, and the pick with fallback."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TypeVar

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from casino_club.kit.http_errors import request_lang

M = TypeVar("M")
_lang: ContextVar[str] = ContextVar("content_lang", default="ko")


def current_lang() -> str:
    """'ko' or 'en' for the request being served (Korean outside a request)."""
    return _lang.get()


def pick(ko: str | None, en: str | None, lang: str | None = None) -> str:
    """The text in `lang` (default: the request's), else the other language's, else ''."""
    first, second = (en, ko) if (lang or current_lang()) == "en" else (ko, en)
    return first or second or ""


class LangContextMiddleware:
    """Sets the content language from the lang cookie / Accept-Language before the endpoint runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        token = _lang.set(request_lang(HTTPConnection(scope)))  # websockets too: Request is HTTP-only
        try:
            await self.app(scope, receive, send)
        finally:
            _lang.reset(token)


def localize(model: M, *fields: str) -> M:
    """For each field: keep the Korean text in `<field>_ko` and set `<field>` to the request language's text.

    Out schemas call this from an after-validator; builders pass the Korean column as `<field>` and the
    English one as `<field>_en`, so both stay in the body (clients may switch language without a refetch).
    """
    for name in fields:
        ko = getattr(model, f"{name}_ko", None)
        if ko is None:
            ko = getattr(model, name)
            setattr(model, f"{name}_ko", ko)
        text = pick(ko, getattr(model, f"{name}_en", None))
        if text:  # both empty: the field keeps its own empty value ("" or None)
            setattr(model, name, text)
    return model
