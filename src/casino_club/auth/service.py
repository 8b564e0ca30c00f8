"""Accounts and sessions: sign-up, login, refresh rotation with reuse detection, logout, profile edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.actions.service import record_action
from casino_club.auth import errors
from casino_club.auth.models import AuthSession, InviteCode, RefreshToken, User
from casino_club.auth.names import canonical
from casino_club.auth.profile import build_profile, load_profile
from casino_club.auth.schemas import LoginIn, Profile, ProfileUpdateIn, SignupIn, TokenOut
from casino_club.auth.security import hash_password, issue_access_token, new_refresh_token, verify_password
from casino_club.auth.session_cache import note_revoked
from casino_club.auth.totp import consume_code
from casino_club.config import Settings
from casino_club.db import rows_matched
from casino_club.fairness.service import commit_first_pair
from casino_club.kit.errors import DomainError, InvalidToken, ValidationFailed
from casino_club.kit.ids import new_uuid
from casino_club.kit.runtime import session_now, session_settings
from casino_club.outbox.service import emit
from casino_club.wallet.service import open_player_account


@dataclass(frozen=True)
class ClientInfo:
    """Who is calling, for session records."""

    user_agent: str | None
    ip: str | None


async def _use_invite(session: AsyncSession, code: str | None, settings: Settings, now: datetime) -> None:
    if not code:
        if settings.require_invite_code:
            raise errors.InviteCodeRequired()
        return
    used = await session.execute(update(InviteCode).where(
        InviteCode.code == code, InviteCode.active.is_(True),
        (InviteCode.expires_at.is_(None)) | (InviteCode.expires_at > now),
        (InviteCode.max_uses.is_(None)) | (InviteCode.uses < InviteCode.max_uses),
    ).values(uses=InviteCode.uses + 1))
    if rows_matched(used) != 1:
        raise errors.InvalidInviteCode()


async def signup(session: AsyncSession, body: SignupIn, client: ClientInfo) -> TokenOut:
    """Create a player (account, first seed pair, session) and log them in; the welcome gold is paid next."""
    settings = session_settings(session)
    now = session_now(session)
    await _use_invite(session, body.invite_code, settings, now)
    site_key, nick_key = await _ensure_free(session, body.site_id, body.nickname)
    assert site_key is not None and nick_key is not None
    user = User(site_id=body.site_id, site_id_lower=site_key, nickname=body.nickname,
                nickname_lower=nick_key, phone_number=body.phone_number,
                password_hash=await hash_password(body.password), role="user", rank="STANDARD", xp=0,
                vip_points=0, event_seq=0, banned=False, totp_enabled=False, created_at=now, updated_at=now,
                last_login_at=now)
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # lost a race with a concurrent sign-up of the same names
        raise _taken(exc) from exc
    await open_player_account(session, user.id)
    await commit_first_pair(session, user.id)  # the server seed is fixed before any client seed exists
    # The welcome gold (the reward schedule's) follows through the settlement writer (auth/router.py: WelcomePlan),
    # once per player; the answer's gold is set from it.
    return await _open_session(session, user, client, 0)


def _taken(exc: IntegrityError) -> DomainError:
    # Which unique index refused the row (SQLite names the column, PostgreSQL the constraint).
    return errors.NicknameTaken() if "nickname" in str(exc.orig).lower() else errors.SiteIdTaken()


async def _ensure_free(session: AsyncSession, site_id: str | None, nickname: str | None,
                       exclude_user: int | None = None) -> tuple[str | None, str | None]:
    """Canonical keys of the names, refusing any already used as a site_id *or* a nickname by someone else.

    Login accepts either, so a site_id equal to another player's nickname would take over their logins.
    On PostgreSQL a transaction-scoped advisory lock per key makes the check and the insert one step against a
    concurrent sign-up using the name in the other column (SQLite write transactions are serialised already).
    """
    site_key = canonical(site_id) if site_id else None
    nick_key = canonical(nickname) if nickname else None
    if max(len(site_key or ""), len(nick_key or "")) > 50:  # NFKC can expand a character ("㎒" → "mhz")
        raise ValidationFailed({"reason": "name too long once normalised", "max_length": 50})
    keys = sorted({k for k in (site_key, nick_key) if k})
    if session.get_bind().dialect.name == "postgresql":
        for k in keys:  # sorted: two sign-ups taking the same pair of keys cannot deadlock
            await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 20))"), {"k": k})

    async def used(k: str) -> bool:
        q = select(User.id).where((User.site_id_lower == k) | (User.nickname_lower == k))
        if exclude_user is not None:
            q = q.where(User.id != exclude_user)
        return (await session.execute(q.limit(1))).first() is not None
    if site_key and await used(site_key):
        raise errors.SiteIdTaken()
    if nick_key and nick_key != site_key and await used(nick_key):
        raise errors.NicknameTaken()
    return site_key, nick_key


async def find_login_user(session: AsyncSession, login: str) -> User | None:
    """The user whose site_id (or else nickname) matches, compared in canonical form."""
    key = canonical(login)
    user = (await session.execute(select(User).where(User.site_id_lower == key))).scalar_one_or_none()
    if user is None:
        user = (await session.execute(select(User).where(User.nickname_lower == key))).scalar_one_or_none()
    legacy = login.strip().lower()
    if user is None and legacy != key:  # a nickname stored before canonical keys (its key is only lower())
        user = (await session.execute(select(User).where(User.nickname_lower == legacy))).scalar_one_or_none()
    return user


async def login(session: AsyncSession, body: LoginIn, client: ClientInfo) -> TokenOut:
    """Check the password (and TOTP for enrolled admins) and open a session; failures raise 401."""
    user = await find_login_user(session, body.site_id)
    valid = await verify_password(user.password_hash if user else None, body.password)
    if user is None or not valid:
        raise errors.InvalidCredentials()
    if user.banned:
        raise errors.AccountBanned()
    if user.totp_enabled:
        if not body.otp:
            raise errors.OtpRequired()
        await consume_code(session, user, body.otp)
    user.last_login_at = session_now(session)
    balance = await _balance(session, user.id)
    await record_action(session, user.id, "login", {"ip": client.ip})
    return await _open_session(session, user, client, balance)


async def _balance(session: AsyncSession, user_id: int) -> int:
    from casino_club.wallet.service import balance_of
    return await balance_of(session, user_id)


async def _open_session(session: AsyncSession, user: User, client: ClientInfo, gold: int) -> TokenOut:
    settings = session_settings(session)
    now = session_now(session)
    auth_session = AuthSession(id=new_uuid(), user_id=user.id, created_at=now, last_used_at=now,
                               expires_at=now + timedelta(days=settings.refresh_token_days),
                               user_agent=(client.user_agent or "")[:255] or None, ip=client.ip)
    session.add(auth_session)
    await session.flush()
    return await _issue_pair(session, user, auth_session, gold)


async def _issue_pair(session: AsyncSession, user: User, auth_session: AuthSession, gold: int) -> TokenOut:
    settings = session_settings(session)
    now = session_now(session)
    refresh, refresh_hash = new_refresh_token()
    session.add(RefreshToken(session_id=auth_session.id, token_hash=refresh_hash, created_at=now,
                             expires_at=auth_session.expires_at))
    access, _ = issue_access_token(settings, user.id, auth_session.id, user.role, now)
    return TokenOut(access_token=access, refresh_token=refresh, expires_in=settings.access_token_minutes * 60,
                    session_id=auth_session.id, user=build_profile(user, gold))


async def refresh(session: AsyncSession, token: str) -> TokenOut:
    """Rotate a refresh token; presenting an already-rotated one revokes the whole session family."""
    from casino_club.auth.security import hash_refresh_token

    now = session_now(session)
    row = (await session.execute(select(RefreshToken, AuthSession, User)
                                 .join(AuthSession, AuthSession.id == RefreshToken.session_id)
                                 .join(User, User.id == AuthSession.user_id)
                                 .where(RefreshToken.token_hash == hash_refresh_token(token)))).one_or_none()
    if row is None:
        raise InvalidToken()
    stored, auth_session, user = row
    if auth_session.revoked_at is not None or auth_session.expires_at <= now or stored.expires_at <= now:
        raise InvalidToken()
    if user.banned:
        raise errors.AccountBanned()
    rotated = await session.execute(update(RefreshToken).where(
        RefreshToken.id == stored.id, RefreshToken.rotated_at.is_(None)).values(rotated_at=now))
    if rows_matched(rotated) != 1:
        return await _reuse_detected(session, auth_session.id)
    auth_session.last_used_at = now
    return await _issue_pair(session, user, auth_session, await _balance(session, user.id))


class _ReuseCommit(errors.RefreshReused):
    """Reuse must commit the revocation before answering 401."""

    keep_effects = True


async def _reuse_detected(session: AsyncSession, session_id: str) -> TokenOut:
    await revoke_sessions(session, [session_id], "refresh_reuse")
    raise _ReuseCommit()


async def revoke_sessions(session: AsyncSession, session_ids: list[str], reason: str) -> int:
    """Mark sessions revoked; their access tokens stop working at the next request."""
    if not session_ids:
        return 0
    result = await session.execute(update(AuthSession).where(
        AuthSession.id.in_(session_ids), AuthSession.revoked_at.is_(None)).values(
        revoked_at=session_now(session), revoke_reason=reason))
    note_revoked(session, session_ids)  # every instance's session cache forgets them before the answer
    return rows_matched(result) or 0


async def active_session_ids(session: AsyncSession, user_id: int) -> list[str]:
    """Ids of a user's sessions that are not revoked or expired."""
    return list((await session.execute(select(AuthSession.id).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > session_now(session)))).scalars())


async def update_me(session: AsyncSession, user_id: int, current_session: str, body: ProfileUpdateIn) -> Profile:
    """Edit nickname/phone/password; a password change ends every other session."""
    user = (await session.execute(select(User).where(User.id == user_id))).scalar_one()
    now = session_now(session)
    if body.nickname is not None and body.nickname != user.nickname:
        _, nick_key = await _ensure_free(session, None, body.nickname, exclude_user=user_id)
        assert nick_key is not None
        user.nickname, user.nickname_lower = body.nickname, nick_key
    if "phone_number" in body.model_fields_set:
        user.phone_number = body.phone_number
    if body.new_password is not None:
        if not body.current_password or not await verify_password(user.password_hash, body.current_password):
            raise errors.WrongPassword()
        user.password_hash = await hash_password(body.new_password)
        others = [sid for sid in await active_session_ids(session, user_id) if sid != current_session]
        await revoke_sessions(session, others, "password_change")
    user.updated_at = now
    try:
        await session.flush()
    except IntegrityError as exc:
        raise errors.NicknameTaken() from exc
    profile = await load_profile(session, user_id)
    await emit(session, user_id, "profile_update", profile.model_dump(mode="json"))
    return profile


async def start_totp(session: AsyncSession, user_id: int) -> tuple[str, str]:
    """Create (or replace, while not yet confirmed) the user's TOTP secret."""
    user = (await session.execute(select(User).where(User.id == user_id))).scalar_one()
    if user.totp_enabled:
        raise errors.TotpAlreadyEnabled()
    user.totp_secret = pyotp.random_base32()
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.site_id, issuer_name="Casino-Club F2P")
    return user.totp_secret, uri


async def confirm_totp(session: AsyncSession, user_id: int, code: str) -> None:
    """Turn TOTP on once the user proves the authenticator works."""
    user = (await session.execute(select(User).where(User.id == user_id))).scalar_one()
    if not user.totp_secret:
        raise errors.OtpInvalid()
    await consume_code(session, user, code)
    user.totp_enabled = True
