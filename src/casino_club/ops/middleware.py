"""ASGI middleware: request id, JSON access log, latency metrics and request body size limit."""

from __future__ import annotations

import secrets
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casino_club.ops.metrics import REQUEST_LATENCY

log = structlog.get_logger("casino_club.access")


class BodyTooLarge(Exception):
    """The request body exceeded the configured limit."""


class RequestContextMiddleware:
    """Assign X-Request-ID, bind it to logs, time the request and cap the body size (413)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isprintable() else secrets.token_hex(16)
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await _too_large(send, request_id)
            return
        start = time.perf_counter()
        status = {"code": 500}
        received = 0

        exceeded = False
        replaced = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def send_wrapper(message: Message) -> None:
            nonlocal replaced
            if exceeded:
                # The framework may turn the receive error into its own 400; answer 413 instead.
                if message["type"] == "http.response.start" and not replaced:
                    replaced = True
                    status["code"] = 413
                    await _too_large(send, request_id)
                return
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, limited_receive, send_wrapper)
        except BodyTooLarge:
            if not replaced:
                replaced = True
                await _too_large(send, request_id)
            status["code"] = 413
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            REQUEST_LATENCY.labels(scope["method"], template, str(status["code"])).observe(elapsed)
            state = scope.get("state", {})
            log.info("request", method=scope["method"], path=scope["path"], route=template, status=status["code"],
                     ms=round(elapsed * 1000, 2), user_id=state.get("user_id"))
            structlog.contextvars.clear_contextvars()


async def _too_large(send: Send, request_id: str) -> None:
    body = (b'{"error":{"code":"PAYLOAD_TOO_LARGE","message":"The request body is too large.",'
            b'"details":{},"request_id":"' + request_id.encode() + b'"}}')
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"x-request-id", request_id.encode())]})
    await send({"type": "http.response.body", "body": body})
