"""Player endpoints: `/api/events` (list, join, claim) and `/api/missions` (list, claim)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from casino_club.auth.deps import BEARER_SECURITY, Principal, TokenCaller, current_principal, token_writer, writer
from casino_club.economy.schedule_cache import current_schedule
from casino_club.kit.idempotency import Writer, user_scope
from casino_club.kit.runtime import Runtime, get_runtime
from casino_club.missions import events, service
from casino_club.missions.plans import EventClaimPlan, MissionClaimPlan
from casino_club.missions.schemas import ClaimRewardOut, EventList, JoinOut, MissionList
from casino_club.settlement.http import keyed, respond

router = APIRouter(tags=["events & missions"])


@router.get("/api/events", response_model=EventList)
async def list_events(principal: Principal = Depends(current_principal), rt: Runtime = Depends(get_runtime)) -> EventList:
    """Running events with the caller's progress (computed by the server from play)."""
    async with rt.sessionmaker() as session:
        return await events.list_events(session, principal.user_id)


@router.post("/api/events/{event_id}/join", response_model=JoinOut)
async def join_event(event_id: int = Path(ge=1, le=2**62), principal: Principal = Depends(current_principal),
                     w: Writer = Depends(writer)) -> Response:
    """Join a running event (idempotent)."""
    return await w.run(lambda s: events.join(s, principal.user_id, event_id))


@router.post("/api/events/{event_id}/claim", response_model=ClaimRewardOut, openapi_extra=BEARER_SECURITY)
async def claim_event(request: Request, event_id: int = Path(ge=1, le=2**62),
                      caller: TokenCaller = Depends(token_writer)) -> Response:
    """Claim a completed event's rewards once."""
    return await respond(request, EventClaimPlan(**await _caller(request, caller), event_id=event_id))


@router.get("/api/missions", response_model=MissionList)
async def list_missions(principal: Principal = Depends(current_principal),
                        rt: Runtime = Depends(get_runtime)) -> MissionList:
    """Daily and weekly missions with the caller's progress in the current local period."""
    async with rt.sessionmaker() as session:
        return await service.list_missions(session, principal.user_id)


@router.post("/api/missions/{mission_id}/claim", response_model=ClaimRewardOut, openapi_extra=BEARER_SECURITY)
async def claim_mission(request: Request, mission_id: int = Path(ge=1, le=2**62),
                        caller: TokenCaller = Depends(token_writer)) -> Response:
    """Claim a completed mission once per period."""
    return await respond(request, MissionClaimPlan(**await _caller(request, caller), template_id=mission_id))


async def _caller(request: Request, caller: TokenCaller) -> dict[str, Any]:
    schedule = await current_schedule(request.app.state.rt)
    return {"user_id": caller.user_id, "session_id": caller.claims.session_id,
            "free_cap": schedule.free_gold_daily_cap, **await keyed(request, user_scope(caller.user_id))}
