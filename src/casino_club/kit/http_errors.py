"""Exception handlers: every error leaves as `{"error": {code, message, details, request_id}}`."""

from __future__ import annotations

import sqlite3
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect, HTTPConnection

from casino_club.kit.errors import DomainError, InternalError, ServiceUnavailable, ValidationFailed

log = structlog.get_logger("casino_club.errors")

_HTTP_CODES = {
    401: ("NOT_AUTHENTICATED", "Sign in to continue.", "로그인이 필요합니다."),
    403: ("FORBIDDEN", "You do not have permission to do this.", "이 작업을 할 권한이 없습니다."),
    404: ("NOT_FOUND", "The requested resource was not found.", "요청한 항목을 찾을 수 없습니다."),
    405: ("METHOD_NOT_ALLOWED", "This method is not allowed here.", "허용되지 않는 메서드입니다."),
    413: ("PAYLOAD_TOO_LARGE", "The request body is too large.", "요청 본문이 너무 큽니다."),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Send the body as JSON.", "본문은 JSON으로 보내야 합니다."),
}


def request_lang(request: HTTPConnection) -> str:
    """Pick 'ko' or 'en' from the lang cookie, then Accept-Language; Korean by default."""
    cookie = request.cookies.get("lang")
    if cookie in ("ko", "en"):
        return cookie
    header = request.headers.get("accept-language", "").lower()
    for part in header.split(","):
        tag = part.split(";")[0].strip()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("ko"):
            return "ko"
    return "ko"


def envelope(request: Request, status: int, code: str, message: str, details: Any = None,
             headers: dict[str, str] | None = None) -> JSONResponse:
    """Render the one error envelope."""
    body = {"error": {"code": code, "message": message, "details": jsonable_encoder(details or {}),
                      "request_id": getattr(request.state, "request_id", None)}}
    return JSONResponse(body, status_code=status, headers=headers)


def domain_response(request: Request, exc: DomainError) -> JSONResponse:
    """Envelope for a DomainError in the request's language."""
    return envelope(request, exc.status, exc.code, exc.message(request_lang(request)), exc.details,
                    exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers for domain, validation, HTTP and unexpected errors."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return domain_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                  for e in exc.errors()]
        err = ValidationFailed({"fields": fields})
        return domain_response(request, err)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, (ValueError, RecursionError)):
            # FastAPI wraps what its JSON parser raised beyond JSONDecodeError (a number past Python's
            # 4300-digit limit, nesting past the recursion limit) in a bare 400: it is the client's malformed
            # body, so the same 422 VALIDATION_ERROR as any other unparseable JSON.
            return domain_response(request, ValidationFailed({"fields": [
                {"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}]}))
        code, en, ko = _HTTP_CODES.get(exc.status_code, ("HTTP_ERROR", str(exc.detail), str(exc.detail)))
        lang = request_lang(request)
        return envelope(request, exc.status_code, code, ko if lang == "ko" else en, None,
                        getattr(exc, "headers", None))

    # The database being unreachable (restart, failover, network) is an outage, not a bug: 503 + Retry-After,
    # handled here (not by the catch-all below, which re-raises and makes uvicorn drop the connection).
    @app.exception_handler(DBAPIError)
    @app.exception_handler(asyncpg.PostgresError)  # raw driver errors of the hot reads (kit/pg_reads.py)
    @app.exception_handler(asyncpg.InterfaceError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(OSError)
    @app.exception_handler(sqlite3.OperationalError)
    async def _dependency(request: Request, exc: Exception) -> JSONResponse:
        if value_rejected_by_database(exc):
            return domain_response(request, ValidationFailed({"reason": "value out of range"}))
        if database_unavailable(exc):
            log.warning("database_unavailable", path=request.url.path, error=repr(exc)[:200])
            return domain_response(request, ServiceUnavailable(headers={"Retry-After": "1"}))
        log.exception("unhandled_error", path=request.url.path, exc_info=exc)
        return domain_response(request, InternalError())

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> Response:
        # The client hung up while we read its body: nobody is left to answer, and it is not a server error.
        log.info("client_disconnected", path=request.url.path)
        return Response(status_code=499)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return domain_response(request, InternalError())


def database_unavailable(exc: BaseException) -> bool:
    """Whether an exception means the database cannot be reached right now (connection-level failure)."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
            return True
        # SQLAlchemy's asyncpg adapter wraps the driver error: look at it and at what it was raised from.
        return any(_outage(e) for e in (exc.orig, getattr(exc.orig, "__cause__", None)) if e is not None)
    return _outage(exc)


def _outage(exc: BaseException) -> bool:
    sqlstate = str(getattr(exc, "sqlstate", "") or "")
    # SQLite's lock contention (another process holding the write lock past the busy timeout) can surface
    # as the raw driver error: it is a transient outage (503 + Retry-After), not a bug.
    sqlite_busy = isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)
    return (isinstance(exc, (ConnectionError, TimeoutError)) or type(exc).__name__ in _DRIVER_OUTAGES
            or sqlstate.startswith("08") or sqlstate in _OUTAGE_SQLSTATES or sqlite_busy)


# Connection exceptions (class 08), too many connections, server shutting down / starting up, and the
# transaction rollbacks PostgreSQL asks the client to retry (serialization failure, deadlock): nothing was
# written, so 503 + Retry-After lets the client repeat the request with the same Idempotency-Key.
_OUTAGE_SQLSTATES = {"53300", "57P01", "57P02", "57P03", "40001", "40P01"}


# asyncpg's names for "server going away / not accepting connections yet" (by name: SQLAlchemy wraps them).
_DRIVER_OUTAGES = {"CannotConnectNowError", "ConnectionDoesNotExistError", "ConnectionFailureError",
                   "AdminShutdownError", "CrashShutdownError", "TooManyConnectionsError", "InterfaceError"}


def value_rejected_by_database(exc: BaseException) -> bool:
    """A parameter the driver/database cannot represent (e.g. an id beyond BIGINT): the client's mistake, 422."""
    if not isinstance(exc, DBAPIError):
        # The hot reads on PostgreSQL call asyncpg directly (kit/pg_reads.py): its own errors arrive unwrapped.
        return isinstance(exc, ValueError) and type(exc).__module__.startswith("asyncpg") or (
            str(getattr(exc, "sqlstate", "") or "") in _INPUT_SQLSTATES)
    if isinstance(exc, DataError):
        return True
    cause = exc.orig.__cause__ if exc.orig is not None else None
    # asyncpg refuses an argument it cannot encode (an int beyond BIGINT) with SQLSTATE 22000; PostgreSQL refuses
    # NUL characters in text with 22021, too-long strings with 22001, out-of-range numbers with 22003.
    return any(str(getattr(e, "sqlstate", "") or "") in _INPUT_SQLSTATES for e in (exc.orig, cause) if e is not None)


_INPUT_SQLSTATES = {"22000", "22001", "22003", "22021", "22P02", "22P05"}
