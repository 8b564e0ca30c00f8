"""Admin endpoints for events and mission templates: CRUD, soft delete/restore, participants, force-claim."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from casino_club.admin.audit import AuditContext
from casino_club.auth.deps import Principal, require_admin, writer
from casino_club.economy.schedule_cache import current_schedule
from casino_club.kit.idempotency import Writer
from casino_club.kit.pagination import Cursor, Limit, Page
from casino_club.kit.runtime import Runtime, get_runtime
from casino_club.missions import admin as svc
from casino_club.missions.plans import EventClaimPlan
from casino_club.missions.schemas import (
    ClaimRewardOut,
    EventIn,
    EventOut,
    EventUpdate,
    ForceClaimIn,
    MissionTemplateIn,
    MissionTemplateOut,
    MissionTemplateUpdate,
    ParticipantPage,
)
from casino_club.settlement.http import keyed, respond

router = APIRouter(prefix="/api/admin", tags=["admin: events & missions"])


def _id() -> Any:
    # A fresh Path() per parameter: FastAPI binds a FieldInfo to the first parameter name it meets.
    return Path(ge=1, le=2**62)


def _ctx(request: Request, admin: Principal) -> AuditContext:
    return AuditContext.of(request, admin.user_id)


@router.get("/events", response_model=Page[EventOut])
async def admin_list_events(include_deleted: bool = False, cursor: Cursor = None, limit: Limit = 50,
                            admin: Principal = Depends(require_admin),
                            rt: Runtime = Depends(get_runtime)) -> Page[EventOut]:
    """Events, newest first (optionally with soft-deleted ones)."""
    async with rt.sessionmaker() as session:
        return await svc.list_events(session, include_deleted, cursor, limit)


@router.post("/events", response_model=EventOut, status_code=201)
async def admin_create_event(body: EventIn, request: Request, admin: Principal = Depends(require_admin),
                             w: Writer = Depends(writer)) -> Response:
    """Create an event."""
    return await w.run(lambda s: svc.create_event(s, _ctx(request, admin), body), status_code=201)


@router.put("/events/{event_id}", response_model=EventOut)
async def admin_update_event(body: EventUpdate, request: Request, event_id: int = _id(),
                             admin: Principal = Depends(require_admin), w: Writer = Depends(writer)) -> Response:
    """Change an event (omitted fields stay)."""
    return await w.run(lambda s: svc.update_event(s, _ctx(request, admin), event_id, body))


@router.delete("/events/{event_id}", response_model=EventOut)
async def admin_delete_event(request: Request, event_id: int = _id(), admin: Principal = Depends(require_admin),
                             w: Writer = Depends(writer)) -> Response:
    """Soft-delete an event."""
    return await w.run(lambda s: svc.delete_event(s, _ctx(request, admin), event_id))


@router.post("/events/{event_id}/restore", response_model=EventOut)
async def admin_restore_event(request: Request, event_id: int = _id(), admin: Principal = Depends(require_admin),
                              w: Writer = Depends(writer)) -> Response:
    """Restore a soft-deleted event."""
    return await w.run(lambda s: svc.restore_event(s, _ctx(request, admin), event_id))


@router.get("/events/{event_id}/participants", response_model=ParticipantPage)
async def admin_participants(event_id: int = _id(), cursor: str | None = Query(None, max_length=200),
                             limit: int = Query(50, ge=1, le=200), admin: Principal = Depends(require_admin),
                             rt: Runtime = Depends(get_runtime)) -> ParticipantPage:
    """Participants with their progress, newest first."""
    async with rt.sessionmaker() as session:
        return await svc.participants(session, event_id, cursor, limit)


@router.post("/events/{event_id}/force-claim", response_model=ClaimRewardOut)
async def admin_force_claim(body: ForceClaimIn, request: Request, event_id: int = _id(),
                            admin: Principal = Depends(require_admin), w: Writer = Depends(writer)) -> Response:
    """Pay an event's rewards to a player regardless of progress (once per player)."""
    rt: Runtime = request.app.state.rt
    await rt.run(lambda s: svc.join_for_claim(s, event_id, body.user_id))
    cap = (await current_schedule(rt)).free_gold_daily_cap
    plan = EventClaimPlan(user_id=body.user_id, event_id=event_id, forced=True, audit=_ctx(request, admin),
                          free_cap=cap, **await keyed(request, w.scope))
    return await respond(request, plan)


@router.get("/missions", response_model=Page[MissionTemplateOut])
async def admin_list_missions(include_deleted: bool = False, cursor: Cursor = None, limit: Limit = 50,
                              admin: Principal = Depends(require_admin),
                              rt: Runtime = Depends(get_runtime)) -> Page[MissionTemplateOut]:
    """Mission templates, newest first (optionally with soft-deleted ones)."""
    async with rt.sessionmaker() as session:
        return await svc.list_templates(session, include_deleted, cursor, limit)


@router.post("/missions", response_model=MissionTemplateOut, status_code=201)
async def admin_create_mission(body: MissionTemplateIn, request: Request, admin: Principal = Depends(require_admin),
                               w: Writer = Depends(writer)) -> Response:
    """Create a daily or weekly mission template."""
    return await w.run(lambda s: svc.create_template(s, _ctx(request, admin), body), status_code=201)


@router.put("/missions/{mission_id}", response_model=MissionTemplateOut)
async def admin_update_mission(body: MissionTemplateUpdate, request: Request, mission_id: int = _id(),
                               admin: Principal = Depends(require_admin), w: Writer = Depends(writer)) -> Response:
    """Change a mission template (omitted fields stay)."""
    return await w.run(lambda s: svc.update_template(s, _ctx(request, admin), mission_id, body))


@router.delete("/missions/{mission_id}", response_model=MissionTemplateOut)
async def admin_delete_mission(request: Request, mission_id: int = _id(),
                               admin: Principal = Depends(require_admin), w: Writer = Depends(writer)) -> Response:
    """Soft-delete a mission template."""
    return await w.run(lambda s: svc.delete_template(s, _ctx(request, admin), mission_id))


@router.post("/missions/{mission_id}/restore", response_model=MissionTemplateOut)
async def admin_restore_mission(request: Request, mission_id: int = _id(),
                                admin: Principal = Depends(require_admin), w: Writer = Depends(writer)) -> Response:
    """Restore a soft-deleted mission template."""
    return await w.run(lambda s: svc.restore_template(s, _ctx(request, admin), mission_id))
