"""Write and search the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.admin.models import AuditLog
from casino_club.kit.pagination import newest_first
from casino_club.kit.runtime import session_now


class AuditContext(BaseModel):
    """Who acts, from where, in which request."""

    actor_id: int
    ip: str | None = None
    request_id: str | None = None

    @classmethod
    def of(cls, request: Request, actor_id: int) -> AuditContext:
        """Audit context of an HTTP request."""
        return cls(actor_id=actor_id, ip=request.client.host if request.client else None,
                   request_id=getattr(request.state, "request_id", None))


async def audit(session: AsyncSession, ctx: AuditContext, action: str, target_type: str,
                target_id: object | None, before: Any = None, after: Any = None) -> AuditLog:
    """Append an audit row in the caller's transaction (so it exists iff the action happened)."""
    row = AuditLog(actor_id=ctx.actor_id, action=action, target_type=target_type,
                   target_id=None if target_id is None else str(target_id), before=jsonable_encoder(before),
                   after=jsonable_encoder(after), ip=ctx.ip, request_id=ctx.request_id,
                   created_at=session_now(session))
    session.add(row)
    await session.flush()
    return row


class AuditOut(BaseModel):
    """An audit row."""

    id: int
    actor_id: int | None
    action: str
    target_type: str
    target_id: str | None
    before: Any
    after: Any
    ip: str | None
    request_id: str | None
    created_at: datetime


class AuditPage(BaseModel):
    """A page of audit rows, newest first."""

    items: list[AuditOut]
    next_cursor: str | None


async def search_audit(session: AsyncSession, *, actor_id: int | None, action: str | None,
                       target_type: str | None, target_id: str | None, since: datetime | None,
                       until: datetime | None, cursor: str | None, limit: int) -> AuditPage:
    """Filtered, newest-first audit search."""
    q = select(AuditLog)
    for column, value in ((AuditLog.actor_id, actor_id), (AuditLog.action, action),
                          (AuditLog.target_type, target_type), (AuditLog.target_id, target_id)):
        if value is not None:
            q = q.where(column == value)
    if since is not None:
        q = q.where(AuditLog.created_at >= since)
    if until is not None:
        q = q.where(AuditLog.created_at < until)
    rows, after = await newest_first(session, q, AuditLog.id, cursor, limit)
    return AuditPage(items=[AuditOut.model_validate(r, from_attributes=True) for (r,) in rows], next_cursor=after)
