"""Forwarded headers from trusted proxies only: client address, scheme and host (CASINO_FORWARDED_ALLOW_IPS)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


class ForwardedHeadersMiddleware:
    """Apply X-Forwarded-For/-Proto (uvicorn's rules) and X-Forwarded-Host when the peer is a trusted proxy.

    Done in the app rather than by uvicorn (`serve` runs it with proxy_headers off) so that X-Forwarded-Host,
    which uvicorn ignores, is honoured under the same trust decision: the realtime same-origin check compares
    the browser's Origin with the host and scheme the player actually used.
    """

    def __init__(self, app: ASGIApp, trusted: str) -> None:
        self.app = app
        self.proxy = ProxyHeadersMiddleware(app, trusted_hosts=trusted)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        peer = scope.get("client")
        if peer and peer[0] in self.proxy.trusted_hosts:
            headers = scope["headers"]
            forwarded = next((v for n, v in headers if n == b"x-forwarded-host"), None)
            if forwarded:
                host = forwarded.split(b",")[0].strip()
                scope["headers"] = [(n, v) for n, v in headers if n != b"host"] + [(b"host", host)]
        await self.proxy(scope, receive, send)  # type: ignore[arg-type]
