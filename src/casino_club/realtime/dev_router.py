"""Development-only: POST /api/test/realtime/emit/{type} writes events for the caller through the outbox.

Mounted only when settings.dev_endpoints_enabled (never in production); hidden from the OpenAPI document so
schema fuzzing does not inject events into other tests' players.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.auth.deps import Principal, current_principal, writer
from casino_club.kit.errors import error
from casino_club.kit.idempotency import Writer
from casino_club.outbox.service import emit

router = APIRouter(prefix="/api/test/realtime", tags=["dev"], include_in_schema=False)

DevRolledBack = error(409, "DEV_ROLLED_BACK", "The test transaction was rolled back on request.",
                      "요청에 따라 테스트 트랜잭션을 롤백했습니다.")


class EmitIn(BaseModel):
    """Events to write in one transaction."""

    model_config = ConfigDict(extra="forbid")
    data: dict[str, Any] = Field(default_factory=dict)
    count: int = Field(default=1, ge=1, le=1000)
    rollback: bool = False  # emit, then fail the transaction: the events must never be delivered


class EmittedOut(BaseModel):
    """What was written."""

    events: list[dict[str, Any]]


@router.post("/emit/{event_type}", response_model=EmittedOut)
async def emit_test_event(body: EmitIn | None = None,
                          event_type: str = Path(pattern=r"^[a-z][a-z0-9_]{0,39}$"),
                          principal: Principal = Depends(current_principal), w: Writer = Depends(writer)) -> Any:
    """Emit `count` events of `event_type` for the caller (data gets an `index` per event)."""
    body = body or EmitIn()

    async def run(session: AsyncSession) -> EmittedOut:
        written = []
        for index in range(body.count):
            event = await emit(session, principal.user_id, event_type, {**body.data, "index": index})
            written.append({"id": event.event_id, "seq": event.seq, "type": event.type})
        if body.rollback:
            raise DevRolledBack({"events": written})
        return EmittedOut(events=written)

    return await w.run(run)
