"""ASGI middleware: request id, JSON access log, latency metrics and request body size and pace limits."""

from __future__ import annotations

import asyncio
import secrets
import time

import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casino_club.kit.errors import DomainError, PayloadTooLarge, RequestTimeout
from casino_club.kit.http_errors import request_lang
from casino_club.kit.jsonfast import dumps_bytes
from casino_club.ops.metrics import REQUEST_LATENCY

log = structlog.get_logger("casino_club.access")


class BodyRefused(Exception):
    """The request body broke a limit: too large (413) or stalled past the read timeout (408)."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.code)
        self.error = error


class RequestContextMiddleware:
    """Assign X-Request-ID, bind it to logs, time the request, cap the body size (413) and its pace (408)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, body_read_timeout_s: float = 5.0) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.body_timeout = body_read_timeout_s

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
            await _answer(send, request_id, scope, PayloadTooLarge())
            return
        start = time.perf_counter()
        status = {"code": 500}
        received = 0
        body_done = False
        refused: DomainError | None = None
        replaced = False

        async def limited_receive() -> Message:
            nonlocal received, refused, body_done
            if body_done:  # after the body only http.disconnect can come: waiting for it is not a stall
                return await receive()
            try:
                # A slow-drip body would hold the connection and a task for as long as the client likes.
                async with asyncio.timeout(self.body_timeout):
                    message = await receive()
            except TimeoutError:
                refused = RequestTimeout()
                raise BodyRefused(refused) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > self.max_body:
                    refused = PayloadTooLarge()
                    raise BodyRefused(refused)
            return message

        async def send_wrapper(message: Message) -> None:
            nonlocal replaced
            if refused is not None:
                # The framework may turn the receive error into its own 400; answer 413 / 408 instead.
                if message["type"] == "http.response.start" and not replaced:
                    replaced = True
                    status["code"] = refused.status
                    await _answer(send, request_id, scope, refused)
                return
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, limited_receive, send_wrapper)
        except BodyRefused as exc:
            if not replaced:
                replaced = True
                await _answer(send, request_id, scope, exc.error)
            status["code"] = exc.error.status
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            REQUEST_LATENCY.labels(scope["method"], template, str(status["code"])).observe(elapsed)
            state = scope.get("state", {})
            log.info("request", method=scope["method"], path=scope["path"], route=template, status=status["code"],
                     ms=round(elapsed * 1000, 2), user_id=state.get("user_id"))
            structlog.contextvars.clear_contextvars()


async def _answer(send: Send, request_id: str, scope: Scope, err: DomainError) -> None:
    # Written here, below the framework, in the request's language like every other error.
    body = dumps_bytes({"error": {"code": err.code, "message": err.message(request_lang(Request(scope))),
                                  "details": {}, "request_id": request_id}})
    await send({"type": "http.response.start", "status": err.status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"x-request-id", request_id.encode()),
                            # The rest of the body was never read: the connection cannot carry another request.
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
