"""emit(): write an event row for a player, with the next per-player seq, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.auth.models import User
from casino_club.kit.ids import new_uuid
from casino_club.kit.runtime import OUTBOX_PENDING, session_now
from casino_club.outbox.models import OutboxEvent


async def emit(session: AsyncSession, user_id: int, type_: str, data: dict[str, Any]) -> OutboxEvent:
    """Append one event; the seq bump locks the player's row so seqs stay gap-free per player."""
    seq = (await session.execute(
        update(User).where(User.id == user_id).values(event_seq=User.event_seq + 1).returning(User.event_seq)
    )).scalar_one()
    event = OutboxEvent(event_id=new_uuid(), user_id=user_id, seq=seq, type=type_,
                        data=jsonable_encoder(data), created_at=session_now(session))
    session.add(event)
    # The relay is poked after commit; it only ever publishes committed rows.
    session.info.setdefault(OUTBOX_PENDING, set()).add(user_id)
    return event
