"""Admin user management: search, detail, ban/unban, rank/role changes, ending sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.admin.audit import AuditContext, audit
from casino_club.auth.models import AuthSession, User
from casino_club.auth.profile import load_profile
from casino_club.auth.service import active_session_ids, revoke_sessions
from casino_club.auth.session_cache import note_revoked
from casino_club.kit.errors import NotFound, error
from casino_club.kit.pagination import newest_first
from casino_club.kit.runtime import session_now
from casino_club.outbox.service import emit
from casino_club.wallet.models import Account

CannotChangeSelf = error(409, "CANNOT_CHANGE_SELF", "Admins cannot ban or demote themselves.",
                         "관리자는 자기 자신을 정지하거나 강등할 수 없습니다.")

Rank = Literal["STANDARD", "PREMIUM", "VIP"]
Role = Literal["user", "admin"]


class AdminUserOut(BaseModel):
    """A user row as admins see it."""

    id: int
    site_id: str
    nickname: str
    role: str
    rank: str
    gold: int
    level: int
    xp: int
    vip_points: int
    banned: bool
    totp_enabled: bool
    created_at: datetime
    last_login: datetime | None


class AdminUserDetail(AdminUserOut):
    """A user with session information."""

    phone_number: str | None
    active_sessions: int


class AdminUserPage(BaseModel):
    """A page of users, newest first."""

    items: list[AdminUserOut]
    next_cursor: str | None


class BanIn(BaseModel):
    """Why a user is banned."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=2, max_length=200)


class RankIn(BaseModel):
    """New rank."""

    model_config = ConfigDict(extra="forbid")
    rank: Rank


class RoleIn(BaseModel):
    """New role."""

    model_config = ConfigDict(extra="forbid")
    role: Role


def _out(user: User, gold: int) -> AdminUserOut:
    return AdminUserOut(id=user.id, site_id=user.site_id, nickname=user.nickname, role=user.role, rank=user.rank,
                        gold=gold, level=user.level, xp=user.xp, vip_points=user.vip_points, banned=user.banned,
                        totp_enabled=user.totp_enabled, created_at=user.created_at, last_login=user.last_login_at)


async def search_users(session: AsyncSession, q: str | None, role: str | None, rank: str | None,
                       banned: bool | None, cursor: str | None, limit: int) -> AdminUserPage:
    """Users matching a site_id/nickname fragment and filters, newest first."""
    stmt = select(User, Account.balance).join(Account, Account.user_id == User.id)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(User.site_id_lower.like(like), User.nickname_lower.like(like),
                              User.id == (int(q) if q.isdigit() else -1)))
    for column, value in ((User.role, role), (User.rank, rank), (User.banned, banned)):
        if value is not None:
            stmt = stmt.where(column == value)
    rows, after = await newest_first(session, stmt, User.id, cursor, limit)
    return AdminUserPage(items=[_out(u, g) for u, g in rows], next_cursor=after)


async def user_detail(session: AsyncSession, user_id: int) -> AdminUserDetail:
    """One user with active session count."""
    row = (await session.execute(select(User, Account.balance).join(Account, Account.user_id == User.id)
                                 .where(User.id == user_id))).one_or_none()
    if row is None:
        raise NotFound({"user_id": user_id})
    sessions = (await session.execute(select(func.count(AuthSession.id)).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > session_now(session)))).scalar_one()
    return AdminUserDetail(**_out(row[0], row[1]).model_dump(), phone_number=row[0].phone_number,
                           active_sessions=sessions)


async def _user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound({"user_id": user_id})
    return user


async def set_banned(session: AsyncSession, ctx: AuditContext, user_id: int, banned: bool,
                     reason: str | None) -> AdminUserDetail:
    """Ban (ending every session at once) or unban a user."""
    if banned and user_id == ctx.actor_id:
        raise CannotChangeSelf()
    user = await _user(session, user_id)
    before = user.banned
    user.banned = banned
    note_revoked(session, user_ids=[user_id])  # cached sessions of the user are re-read everywhere
    ended = 0
    if banned:
        ended = await revoke_sessions(session, await active_session_ids(session, user_id), "banned")
    await audit(session, ctx, "user.ban" if banned else "user.unban", "user", user_id, {"banned": before},
                {"banned": banned, "reason": reason, "sessions_ended": ended})
    return await user_detail(session, user_id)


async def set_rank(session: AsyncSession, ctx: AuditContext, user_id: int, rank: str) -> AdminUserDetail:
    """Change a user's rank (emits profile_update)."""
    user = await _user(session, user_id)
    before, user.rank = user.rank, rank
    await audit(session, ctx, "user.rank", "user", user_id, {"rank": before}, {"rank": rank})
    await emit(session, user_id, "profile_update", (await load_profile(session, user_id)).model_dump(mode="json"))
    return await user_detail(session, user_id)


async def set_role(session: AsyncSession, ctx: AuditContext, user_id: int, role: str) -> AdminUserDetail:
    """Change a user's role; admins cannot demote themselves."""
    if user_id == ctx.actor_id and role != "admin":
        raise CannotChangeSelf()
    user = await _user(session, user_id)
    before, user.role = user.role, role
    note_revoked(session, user_ids=[user_id])  # the role cached with their sessions
    await audit(session, ctx, "user.role", "user", user_id, {"role": before}, {"role": role})
    await emit(session, user_id, "profile_update", (await load_profile(session, user_id)).model_dump(mode="json"))
    return await user_detail(session, user_id)


async def end_sessions(session: AsyncSession, ctx: AuditContext, user_id: int) -> AdminUserDetail:
    """End every session of a user."""
    await _user(session, user_id)
    ended = await revoke_sessions(session, await active_session_ids(session, user_id), "ended_by_admin")
    await audit(session, ctx, "user.end_sessions", "user", user_id, None, {"sessions_ended": ended})
    return await user_detail(session, user_id)
