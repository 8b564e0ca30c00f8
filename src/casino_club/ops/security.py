"""Security headers on every HTTP response (CSP without inline scripts, framing, sniffing, HSTS on HTTPS)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# connect-src 'self' covers the app's own ws:/wss: origin (CSP Level 3); sockets to any other host are blocked.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
HSTS = b"max-age=31536000; includeSubDomains"

_STATIC = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", CSP.encode()),
]


def is_https(scope: Scope) -> bool:
    """Whether the client reached us over HTTPS (a trusted proxy's X-Forwarded-Proto is already applied)."""
    return scope.get("scheme") in ("https", "wss")


class SecurityHeadersMiddleware:
    """Add the security headers to HTTP responses unless a handler already set them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(_STATIC)
        if scope.get("path", "").startswith("/api/"):
            extra.append((b"cache-control", b"no-store"))  # tokens, balances: never in a shared cache
        if is_https(scope):
            extra.append((b"strict-transport-security", HSTS))

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers.extend((n, v) for n, v in extra if n not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)
