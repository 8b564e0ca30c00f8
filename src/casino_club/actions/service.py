"""Record and page through a player's action history."""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.actions.models import UserAction
from casino_club.kit.pagination import newest_first
from casino_club.kit.runtime import session_now


async def record_action(session: AsyncSession, user_id: int, kind: str, data: dict[str, Any],
                        reference: str | None = None) -> None:
    """Append one action to the player's history, in the caller's transaction."""
    session.add(UserAction(user_id=user_id, kind=kind, reference=reference, data=jsonable_encoder(data),
                           created_at=session_now(session)))


async def recent_actions(session: AsyncSession, user_id: int, cursor: str | None, limit: int,
                         kind: str | None = None) -> tuple[list[UserAction], str | None]:
    """Newest-first page via the (user_id, id) index: constant cost per page at any table size."""
    q = select(UserAction).where(UserAction.user_id == user_id)
    if kind:
        q = q.where(UserAction.kind == kind)
    rows, after = await newest_first(session, q, UserAction.id, cursor, limit)
    return [a for (a,) in rows], after
