"""`GET /api/actions/recent`: own history; admins may read anyone's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from casino_club.actions.service import recent_actions
from casino_club.auth.deps import Principal, current_principal
from casino_club.kit.errors import Forbidden
from casino_club.kit.ids import MAX_DB_ID
from casino_club.kit.runtime import Runtime, get_runtime

router = APIRouter(tags=["actions"])


class ActionOut(BaseModel):
    """One recorded action."""

    id: int
    kind: str
    reference: str | None
    data: dict[str, Any]
    created_at: datetime


class ActionPage(BaseModel):
    """A page of actions, newest first."""

    items: list[ActionOut]
    next_cursor: str | None


@router.get("/api/actions/recent", response_model=ActionPage)
async def recent(user_id: int | None = Query(None, ge=1, le=MAX_DB_ID), kind: str | None = Query(None, max_length=32),
                 cursor: str | None = Query(None, max_length=200), limit: int = Query(20, ge=1, le=100),
                 principal: Principal = Depends(current_principal), rt: Runtime = Depends(get_runtime)) -> ActionPage:
    """Recent actions of the caller (or, for admins, of `user_id`)."""
    target = user_id or principal.user_id
    if target != principal.user_id and not principal.is_admin:
        raise Forbidden()
    async with rt.sessionmaker() as session:
        rows, nxt = await recent_actions(session, target, cursor, limit, kind)
    return ActionPage(items=[ActionOut(id=r.id, kind=r.kind, reference=r.reference, data=r.data,
                                       created_at=r.created_at) for r in rows], next_cursor=nxt)
