"""Admin-managed invite codes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.admin.audit import AuditContext, audit
from casino_club.auth.models import InviteCode
from casino_club.kit.errors import error
from casino_club.kit.runtime import session_now

InviteCodeExists = error(409, "INVITE_CODE_EXISTS", "That invite code already exists.", "이미 있는 초대 코드입니다.")


class InviteIn(BaseModel):
    """A new invite code."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")
    max_uses: int | None = Field(default=None, ge=1, le=1_000_000)
    expires_at: datetime | None = None


class InviteOut(BaseModel):
    """An invite code and its usage."""

    code: str
    max_uses: int | None
    uses: int
    expires_at: datetime | None
    active: bool
    created_at: datetime


async def create_invite(session: AsyncSession, ctx: AuditContext, body: InviteIn) -> InviteOut:
    """Create an invite code (audited)."""
    if await session.get(InviteCode, body.code):
        raise InviteCodeExists()
    row = InviteCode(code=body.code, max_uses=body.max_uses, uses=0, expires_at=body.expires_at, active=True,
                     created_by=ctx.actor_id, created_at=session_now(session))
    session.add(row)
    await session.flush()
    out = InviteOut.model_validate(row, from_attributes=True)
    await audit(session, ctx, "invite.create", "invite_code", body.code, None, out.model_dump())
    return out


async def list_invites(session: AsyncSession) -> list[InviteOut]:
    """Every invite code, newest first."""
    rows = (await session.execute(select(InviteCode).order_by(InviteCode.created_at.desc()))).scalars()
    return [InviteOut.model_validate(r, from_attributes=True) for r in rows]


async def ensure_invite(session: AsyncSession, code: str) -> None:
    """Create an unlimited invite code if missing (development default)."""
    if await session.get(InviteCode, code) is None:
        session.add(InviteCode(code=code, max_uses=None, uses=0, expires_at=None, active=True,
                               created_at=session_now(session)))
