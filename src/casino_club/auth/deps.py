"""FastAPI dependencies: the authenticated principal, admin checks and idempotent writers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from casino_club.auth import errors
from casino_club.auth.models import AuthSession, User
from casino_club.auth.security import AccessClaims, decode_access_token
from casino_club.kit.errors import InvalidToken, NotAuthenticated
from casino_club.kit.idempotency import Writer, user_scope
from casino_club.kit.ratelimit import enforce
from casino_club.kit.runtime import Runtime, get_runtime

bearer = HTTPBearer(auto_error=False, description="Access token from login/refresh")


@dataclass(frozen=True)
class Principal:
    """The caller: verified token claims plus the current user row."""

    claims: AccessClaims
    user: User

    @property
    def user_id(self) -> int:
        """The caller's user id."""
        return self.user.id

    @property
    def is_admin(self) -> bool:
        """Whether the caller is an admin (from the database, not the token)."""
        return self.user.role == "admin"


def blacklist_key(jti: str) -> str:
    """KV key of a revoked access-token id."""
    return f"jti:{jti}"


@dataclass(frozen=True)
class TokenCaller:
    """A caller known from a verified, unrevoked access token; the write checks the session row itself."""

    claims: AccessClaims
    token: str

    @property
    def user_id(self) -> int:
        """The caller's user id (from the token)."""
        return self.claims.user_id


async def verify_token(rt: Runtime, token: str) -> AccessClaims:
    """Signature, expiry and the revoked-token list; no database read."""
    claims = decode_access_token(rt.settings, token, rt.clock.now())
    if await rt.kv.has_flag(blacklist_key(claims.jti)):
        raise InvalidToken({"reason": "revoked"})
    return claims


async def authenticate(rt: Runtime, token: str) -> Principal:
    """Verify an access token and that its session is live; used by HTTP and WebSocket alike."""
    claims = await verify_token(rt, token)
    async with rt.sessionmaker() as session:
        row = (await session.execute(select(AuthSession, User).join(User, User.id == AuthSession.user_id)
                                     .where(AuthSession.id == claims.session_id))).one_or_none()
    # The session row is the cross-instance truth: logout on any instance revokes it in the database.
    if row is None or row[0].revoked_at is not None or row[0].expires_at <= rt.clock.now():
        raise InvalidToken({"reason": "session ended"})
    if row[1].id != claims.user_id:
        raise InvalidToken()
    if row[1].banned:
        raise errors.AccountBanned()
    return Principal(claims=claims, user=row[1])


async def current_principal(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer),
                            rt: Runtime = Depends(get_runtime)) -> Principal:
    """The authenticated caller; 401 without a valid, live access token."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise NotAuthenticated()
    principal = await authenticate(rt, creds.credentials)
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


async def require_admin(principal: Principal = Depends(current_principal),
                        rt: Runtime = Depends(get_runtime)) -> Principal:
    """An admin caller with TOTP enrolled (outside development); 403 otherwise."""
    if not principal.is_admin:
        raise errors.AdminRequired()
    if rt.settings.totp_required and not principal.user.totp_enabled:
        raise errors.TotpRequired()
    return principal


async def writer(request: Request, principal: Principal = Depends(current_principal),
                 rt: Runtime = Depends(get_runtime)) -> Writer:
    """Idempotent unit of work scoped to the caller (counted against the per-player write limit)."""
    await enforce(rt.kv, f"write:{principal.user_id}", rt.settings.write_rate_limit, rt.settings.write_rate_window_s)
    return Writer(rt, request, user_scope(principal.user_id))


async def anon_writer(request: Request, rt: Runtime = Depends(get_runtime)) -> Writer:
    """Idempotent unit of work for unauthenticated writes."""
    return Writer(rt, request, "anon")
