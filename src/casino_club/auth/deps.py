"""FastAPI dependencies: the authenticated principal, admin checks and idempotent writers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Row, Select, bindparam, select

from casino_club.auth import errors
from casino_club.auth.models import AuthSession, User
from casino_club.auth.security import AccessClaims, decode_access_token
from casino_club.auth.session_cache import LiveSession, session_cache
from casino_club.db import core_table
from casino_club.kit.errors import InvalidToken, NotAuthenticated
from casino_club.kit.idempotency import Writer, user_scope
from casino_club.kit.ratelimit import enforce
from casino_club.kit.runtime import Runtime, get_runtime

bearer = HTTPBearer(auto_error=False, description="Access token from login/refresh")


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: verified token claims plus what its live session row says (user, role)."""

    claims: AccessClaims
    user_id: int
    role: str

    @property
    def is_admin(self) -> bool:
        """Whether the caller is an admin (from the database, not the token; require_admin re-reads it)."""
        return self.role == "admin"


@dataclass(frozen=True)
class TokenCaller:
    """A caller known from a verified, unrevoked access token; the write checks the session row itself."""

    claims: AccessClaims
    token: str

    @property
    def user_id(self) -> int:
        """The caller's user id (from the token)."""
        return self.claims.user_id


def _session_query() -> Select[Any]:
    s, u = core_table(AuthSession).c, core_table(User).c
    return (select(s.user_id, s.revoked_at, s.expires_at, u.banned, u.role, u.totp_enabled)
            .join_from(core_table(AuthSession), core_table(User), u.id == s.user_id)
            .where(s.id == bindparam("session_id")))


SESSION_QUERY = _session_query()  # built once: constructing a statement per request cost more than running it


async def read_session(rt: Runtime, claims: AccessClaims) -> Row[Any]:
    """The session + user row from the database, checked: 401 ended session or foreign token, 403 banned."""
    rows = await rt.read(SESSION_QUERY, {"session_id": claims.session_id})
    row = rows[0] if rows else None
    # The session row is the cross-instance truth: logout on any instance revokes it in the database.
    if row is None or row.revoked_at is not None or row.expires_at <= rt.clock.now():
        raise InvalidToken({"reason": "session ended"})
    if row.user_id != claims.user_id:
        raise InvalidToken()
    if row.banned:
        raise errors.AccountBanned()
    return row


def blacklist_key(jti: str) -> str:
    """KV key of a revoked access-token id."""
    return f"jti:{jti}"


async def authenticate(rt: Runtime, token: str) -> Principal:
    """Verify an access token and that its session is live (cached per instance); HTTP and WebSocket alike.

    A cache hit needs no lookup at all: every revocation (logout included) clears the cached session on
    every instance before it answers. A miss checks the revoked-jti list, then the session row.
    """
    now = rt.clock.now()
    claims = decode_access_token(rt.settings, token, now)
    cache = session_cache(rt)
    hit = cache.get(claims.session_id)
    if hit is not None and hit.user_id == claims.user_id and hit.expires_at > now:
        return Principal(claims, hit.user_id, hit.role)
    generation = cache.generation  # read before the row: a revocation during the read discards the fill
    if await rt.kv.has_flag(blacklist_key(claims.jti)):
        raise InvalidToken({"reason": "revoked"})
    row = await read_session(rt, claims)
    cache.fill(claims.session_id, LiveSession(row.user_id, row.role, row.expires_at, time.monotonic()), generation)
    return Principal(claims, row.user_id, row.role)


async def current_principal(request: Request,
                            creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    """The authenticated caller; 401 without a valid, live access token."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise NotAuthenticated()
    return await _principal(request, creds.credentials)


async def read_principal(request: Request) -> Principal:
    """`current_principal` for the hottest GETs, taking only the request (routes declare BEARER_SECURITY).

    Resolving `bearer` as a sub-dependency costs FastAPI more than a cached session check.
    """
    creds = await bearer(request)
    if creds is None or not creds.credentials:
        raise NotAuthenticated()
    return await _principal(request, creds.credentials)


async def _principal(request: Request, token: str) -> Principal:
    # The runtime straight from the app: `Depends(get_runtime)` costs a dependency resolution per request.
    principal = await authenticate(request.app.state.rt, token)
    request.state.user_id = principal.user_id  # the access log reads it from here
    structlog.contextvars.bind_contextvars(user_id=principal.user_id)  # every later log line of the request
    return principal


# What `Depends(bearer)` puts in the schema, for routes that read the token without that dependency.
BEARER_SECURITY: dict[str, Any] = {"security": [{bearer.scheme_name: []}]}


async def token_writer(request: Request) -> TokenCaller:
    """For batched writes: a verified token, counted against the per-player write limit.

    The session row (logout, expiry, ban) is checked inside the write's own transaction instead of by a
    separate read first, and logout always revokes that row, so the revoked-jti list adds nothing here:
    the same guarantee with one database read and one KV round trip fewer per request. It takes only the
    request (no sub-dependencies): FastAPI's resolution of `bearer` and `get_runtime` as dependencies cost
    a slot spin more CPU than the token check itself. Routes using it declare BEARER_SECURITY.
    """
    creds = await bearer(request)
    if creds is None:
        raise NotAuthenticated()
    rt: Runtime = request.app.state.rt
    claims = decode_access_token(rt.settings, creds.credentials, rt.clock.now())
    request.state.user_id = claims.user_id
    structlog.contextvars.bind_contextvars(user_id=claims.user_id)
    await enforce(rt.kv, f"write:{claims.user_id}", rt.settings.write_rate_limit, rt.settings.write_rate_window_s)
    return TokenCaller(claims, creds.credentials)


async def admin_token_writer(request: Request) -> TokenCaller:
    """For admin writes on the settlement writer: a verified token, refused here unless it may be an admin's.

    An admin's token costs no read: the plan built from it (GoldAdjustPlan.authorize) checks the caller's session,
    role, ban and TOTP in its own transaction, so a demotion counts at once. Any other token is checked against
    the database now (as require_admin does), so a player gets 403 before his body is even looked at and a
    player promoted since his token was issued is let through.
    """
    caller = await token_writer(request)
    if caller.claims.role != "admin":
        rt: Runtime = request.app.state.rt
        row = await read_session(rt, caller.claims)
        if row.role != "admin":
            raise errors.AdminRequired()
        if rt.settings.totp_required and not row.totp_enabled:
            raise errors.TotpRequired()
    return caller


async def require_admin(principal: Principal = Depends(current_principal),
                        rt: Runtime = Depends(get_runtime)) -> Principal:
    """An admin caller with TOTP enrolled (outside development); 403 otherwise.

    Admin rights are read from the database on every call, never from the session cache: a demotion or a
    changed TOTP setting counts at once even if it was made outside the app.
    """
    row = await read_session(rt, principal.claims)
    if row.role != "admin":
        raise errors.AdminRequired()
    if rt.settings.totp_required and not row.totp_enabled:
        raise errors.TotpRequired()
    return Principal(principal.claims, row.user_id, row.role)


async def writer(request: Request, principal: Principal = Depends(current_principal),
                 rt: Runtime = Depends(get_runtime)) -> Writer:
    """Idempotent unit of work scoped to the caller (counted against the per-player write limit)."""
    await enforce(rt.kv, f"write:{principal.user_id}", rt.settings.write_rate_limit, rt.settings.write_rate_window_s)
    return Writer(rt, request, user_scope(principal.user_id))


async def anon_writer(request: Request, rt: Runtime = Depends(get_runtime)) -> Writer:
    """Idempotent unit of work for unauthenticated writes."""
    return Writer(rt, request, "anon")
