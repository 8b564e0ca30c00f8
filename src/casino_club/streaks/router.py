"""`/api/streak/status|preview|tick|claim|history`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from casino_club.auth.deps import BEARER_SECURITY, Principal, TokenCaller, current_principal, token_writer
from casino_club.economy.schedule_cache import current_schedule
from casino_club.kit.idempotency import user_scope
from casino_club.kit.runtime import Runtime, get_runtime
from casino_club.settlement.http import keyed, respond
from casino_club.streaks import service
from casino_club.streaks.plans import ClaimPlan, TickPlan
from casino_club.streaks.schemas import ClaimOut, StreakHistory, StreakPreview, StreakStatus, TickOut

router = APIRouter(prefix="/api/streak", tags=["streak"])


@router.get("/status", response_model=StreakStatus)
async def streak_status(principal: Principal = Depends(current_principal),
                        rt: Runtime = Depends(get_runtime)) -> StreakStatus:
    """The caller's run, today's claim state and shields (days in the operator timezone)."""
    schedule = await current_schedule(rt)
    async with rt.sessionmaker() as session:
        return await service.status(session, principal.user_id, schedule)


@router.get("/preview", response_model=StreakPreview)
async def streak_preview(days: int = Query(7, ge=1, le=31), principal: Principal = Depends(current_principal),
                         rt: Runtime = Depends(get_runtime)) -> StreakPreview:
    """Today's reward and the next days' rewards."""
    schedule = await current_schedule(rt)
    async with rt.sessionmaker() as session:
        return await service.preview(session, principal.user_id, schedule, days)


async def _plan_fields(request: Request, caller: TokenCaller) -> dict[str, Any]:
    return {"user_id": caller.user_id, "session_id": caller.claims.session_id,
            "schedule": await current_schedule(request.app.state.rt), **await keyed(request, user_scope(caller.user_id))}


@router.post("/tick", response_model=TickOut, openapi_extra=BEARER_SECURITY)
async def streak_tick(request: Request, caller: TokenCaller = Depends(token_writer)) -> Response:
    """Mark today visited (idempotent per local day)."""
    return await respond(request, TickPlan(**await _plan_fields(request, caller)))


@router.post("/claim", response_model=ClaimOut, openapi_extra=BEARER_SECURITY)
async def streak_claim(request: Request, caller: TokenCaller = Depends(token_writer)) -> Response:
    """Claim today's reward (ticks first); a second claim the same day is 409 ALREADY_CLAIMED."""
    return await respond(request, ClaimPlan(**await _plan_fields(request, caller)))


@router.get("/history", response_model=StreakHistory)
async def streak_history(month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$"),
                         principal: Principal = Depends(current_principal),
                         rt: Runtime = Depends(get_runtime)) -> StreakHistory:
    """Attendance calendar of a month (YYYY-MM, default the current local month)."""
    async with rt.sessionmaker() as session:
        return await service.history(session, principal.user_id, month)
