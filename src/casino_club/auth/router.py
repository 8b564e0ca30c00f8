"""Auth endpoints: sign-up, login, refresh, logout, profile, sessions and admin TOTP enrolment."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import bindparam, select

from casino_club.auth import errors, lockout, service
from casino_club.auth.deps import BEARER_SECURITY, Principal, blacklist_key, current_principal, read_principal, writer
from casino_club.auth.device import device_label
from casino_club.auth.models import AuthSession
from casino_club.auth.profile import read_profile_json
from casino_club.auth.schemas import (
    LoginIn,
    OkOut,
    OtpIn,
    Profile,
    ProfileUpdateIn,
    RefreshIn,
    SessionOut,
    SignupIn,
    TokenOut,
    TotpEnrollOut,
)
from casino_club.auth.totp import qr_data_uri
from casino_club.db import core_table
from casino_club.economy.schedule_cache import current_schedule
from casino_club.kit.errors import InvalidToken, NotFound
from casino_club.kit.idempotency import Writer
from casino_club.kit.jsonfast import FastJSONResponse
from casino_club.kit.runtime import Runtime, get_runtime
from casino_club.rewards.plans import WelcomePlan
from casino_club.settlement.writer import SettlementWriter
from casino_club.wallet.models import Transfer

router = APIRouter(prefix="/api/auth", tags=["auth"])
REFRESH_COOKIE = "cc_refresh"


def client_info(request: Request) -> service.ClientInfo:
    """User agent and client IP of a request."""
    return service.ClientInfo(user_agent=request.headers.get("user-agent"),
                              ip=request.client.host if request.client else None)


def _set_refresh_cookie(response: Response, request: Request, rt: Runtime, token: str) -> None:
    response.set_cookie(REFRESH_COOKIE, token, max_age=rt.settings.refresh_token_days * 86400, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/api/auth")


def _tokens_response(out: TokenOut, request: Request, rt: Runtime, status: int = 200) -> Response:
    response = Response(out.model_dump_json(), status_code=status, media_type="application/json")
    _set_refresh_cookie(response, request, rt, out.refresh_token)
    return response


@router.post("/signup", response_model=TokenOut, status_code=201)
async def signup(body: SignupIn, request: Request, rt: Runtime = Depends(get_runtime)) -> Response:
    """Create an account (the reward schedule's welcome gold, 1,000 by default) and log in. A repeat sign-up answers 409 SITE_ID_TAKEN."""
    await _limit_ip(rt, request, "signup", rt.settings.signup_per_ip_limit, 600)
    out = await rt.run(lambda s: service.signup(s, body, client_info(request)))
    await _welcome(request, rt, out)
    return _tokens_response(out, request, rt, 201)


WELCOME_PAID = select(core_table(Transfer).c.id).where(core_table(Transfer).c.dedupe_key == bindparam("key"))


async def _welcome(request: Request, rt: Runtime, out: TokenOut) -> None:
    """Pay the welcome gold through the settlement writer (keyed per player: a repeat is a replay)."""
    writer: SettlementWriter = request.app.state.settlement
    answer = await writer.settle(WelcomePlan.of(out.user.id, (await current_schedule(rt)).welcome_gold))
    out.user.gold = answer.body["gold"]


@router.post("/login", response_model=TokenOut)
async def login(body: LoginIn, request: Request, rt: Runtime = Depends(get_runtime)) -> Response:
    """Log in by site_id or nickname; 5 attempts per account and address in 10 minutes, then 429 + Retry-After."""
    await _limit_ip(rt, request, "login", rt.settings.login_per_ip_limit, rt.settings.login_failure_window_s)
    attempt = await lockout.admit(rt, body.site_id, _ip(request), getattr(request.state, "request_id", None))
    try:
        out = await rt.run(lambda s: service.login(s, body, client_info(request)))
    except (errors.InvalidCredentials, errors.OtpInvalid) as exc:
        await lockout.failed(rt, attempt, exc)
        raise
    await lockout.succeeded(rt, attempt)
    if out.user.gold == 0 and (await current_schedule(rt)).welcome_gold > 0 and not await rt.read(
            WELCOME_PAID, {"key": f"signup:{out.user.id}"}):
        await _welcome(request, rt, out)  # the sign-up died between its account and its welcome gold
    return _tokens_response(out, request, rt)


@router.post("/refresh", response_model=TokenOut)
async def refresh(request: Request, body: RefreshIn | None = None, rt: Runtime = Depends(get_runtime)) -> Response:
    """Rotate the refresh token (body or httpOnly cookie); reuse of an old one ends the session."""
    token = body.refresh_token if body and body.refresh_token else None
    if token is None:
        token = request.cookies.get(REFRESH_COOKIE)
        _check_origin(request, rt)
    if not token:
        raise InvalidToken({"reason": "no refresh token"})
    # Not replayable by Idempotency-Key on purpose: a replay would hand out stored tokens, and a
    # repeated refresh is exactly the reuse that must revoke the family (OAuth 2.0 security BCP).
    result = await Writer(rt, request, "anon").run_unkeyed(lambda s: service.refresh(s, token))
    if isinstance(result, Response):
        return result
    return _tokens_response(result, request, rt)


def _check_origin(request: Request, rt: Runtime) -> None:
    # Cookie-authenticated writes: SameSite=Strict already blocks cross-site sends; the Origin check is
    # the second layer (OWASP CSRF cheat sheet), for browsers that send Origin.
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin and origin != own and origin not in rt.settings.cors_origins:
        raise errors.CrossOriginRefused()


@router.post("/logout", status_code=204)
async def logout(request: Request, principal: Principal = Depends(current_principal),
                 rt: Runtime = Depends(get_runtime)) -> Response:
    """End this session now on every instance: revoke it and blacklist the access token's jti."""
    # Committing the revocation drops the session from every instance's cache and closes its sockets
    # before this answers (auth/session_cache.py); the jti is refused wherever the session is re-read.
    await rt.run(lambda s: service.revoke_sessions(s, [principal.claims.session_id], "logout"))
    await rt.kv.flag(blacklist_key(principal.claims.jti), principal.claims.exp - int(rt.clock.now().timestamp()))
    response = Response(status_code=204)
    response.delete_cookie(REFRESH_COOKIE, path="/api/auth")
    return response


@router.post("/logout-all", status_code=204)
async def logout_all(request: Request, principal: Principal = Depends(current_principal),
                     rt: Runtime = Depends(get_runtime)) -> Response:
    """End every session of the caller."""
    async def run(s):  # type: ignore[no-untyped-def]
        return await service.revoke_sessions(s, await service.active_session_ids(s, principal.user_id),
                                             "logout_all")
    await rt.run(run)
    await rt.kv.flag(blacklist_key(principal.claims.jti), principal.claims.exp - int(rt.clock.now().timestamp()))
    response = Response(status_code=204)
    response.delete_cookie(REFRESH_COOKIE, path="/api/auth")
    return response


@router.get("/me", response_model=Profile, openapi_extra=BEARER_SECURITY)
async def me(request: Request, principal: Principal = Depends(read_principal)) -> Response:
    """The canonical profile with the authoritative gold balance."""
    return FastJSONResponse(await read_profile_json(request.app.state.rt, principal.user_id))


@router.put("/me", response_model=Profile)
async def update_me(body: ProfileUpdateIn, principal: Principal = Depends(current_principal),
                    w: Writer = Depends(writer)) -> Response:
    """Edit nickname, phone or password (the current password is required; other sessions end)."""
    return await w.run(lambda s: service.update_me(s, principal.user_id, principal.claims.session_id, body))


@router.get("/sessions", response_model=list[SessionOut])
async def sessions(principal: Principal = Depends(current_principal),
                   rt: Runtime = Depends(get_runtime)) -> list[SessionOut]:
    """The caller's active sessions, newest first."""
    async with rt.sessionmaker() as session:
        ids = await service.active_session_ids(session, principal.user_id)
        rows = (await session.execute(select(AuthSession).where(AuthSession.id.in_(ids))
                                      .order_by(AuthSession.created_at.desc()))).scalars()
        return [SessionOut(id=r.id, created_at=r.created_at, last_used_at=r.last_used_at, expires_at=r.expires_at,
                           user_agent=r.user_agent, device=device_label(r.user_agent), ip=r.ip,
                           current=r.id == principal.claims.session_id)
                for r in rows]


@router.delete("/sessions/{session_id}", response_model=OkOut)
async def end_session(session_id: str, principal: Principal = Depends(current_principal),
                      w: Writer = Depends(writer)) -> Response:
    """End one of the caller's own sessions."""
    async def run(s):  # type: ignore[no-untyped-def]
        if session_id not in await service.active_session_ids(s, principal.user_id):
            raise NotFound({"session_id": session_id})
        await service.revoke_sessions(s, [session_id], "ended_by_user")
        return OkOut()
    return await w.run(run)


@router.post("/totp/enroll", response_model=TotpEnrollOut)
async def totp_enroll(principal: Principal = Depends(current_principal),
                      w: Writer = Depends(writer)) -> Response:
    """Start TOTP enrolment: returns a secret and otpauth URI to scan."""
    async def run(s):  # type: ignore[no-untyped-def]
        secret, uri = await service.start_totp(s, principal.user_id)
        return TotpEnrollOut(secret=secret, otpauth_uri=uri, qr_svg=qr_data_uri(uri))
    return await w.run(run)


@router.post("/totp/confirm", response_model=OkOut)
async def totp_confirm(body: OtpIn, principal: Principal = Depends(current_principal),
                       w: Writer = Depends(writer)) -> Response:
    """Confirm TOTP with a current code; from then on login needs the code."""
    async def run(s):  # type: ignore[no-untyped-def]
        await service.confirm_totp(s, principal.user_id, body.code)
        return OkOut()
    return await w.run(run)


async def _limit_ip(rt: Runtime, request: Request, name: str, limit: int, window_s: int) -> None:
    from casino_club.kit.ratelimit import enforce
    await enforce(rt.kv, f"{name}:{_ip(request)}", limit, window_s)


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
