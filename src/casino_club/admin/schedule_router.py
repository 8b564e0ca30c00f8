"""`/api/admin/economy/schedule`: the reward schedule (GET, PUT, DELETE) and a dry run of a proposed one."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from casino_club.admin import schedule
from casino_club.admin.audit import AuditContext
from casino_club.admin.schedule_sim import SimulateIn, SimulateOut, run_simulation
from casino_club.auth.deps import Principal, require_admin, writer
from casino_club.kit.idempotency import Writer
from casino_club.kit.runtime import Runtime, get_runtime

router = APIRouter(prefix="/api/admin/economy/schedule", tags=["admin"])


@router.get("", response_model=schedule.ScheduleOut)
async def get_schedule(admin: Principal = Depends(require_admin),
                       rt: Runtime = Depends(get_runtime)) -> schedule.ScheduleOut:
    """The effective reward schedule, the CASINO_* defaults, whether it is overridden, streak days 1..30."""
    async with rt.sessionmaker() as session:
        return await schedule.get_schedule(session)


@router.put("", response_model=schedule.ScheduleOut)
async def put_schedule(body: schedule.ScheduleIn, request: Request, admin: Principal = Depends(require_admin),
                       w: Writer = Depends(writer)) -> Response:
    """Override the schedule (every field; 422 SCHEDULE_INVALID on a bad value); audited, idempotent."""
    ctx = AuditContext.of(request, admin.user_id)
    return await w.run(lambda s: schedule.set_schedule(s, ctx, body))


@router.delete("", response_model=schedule.ScheduleOut)
async def delete_schedule(request: Request, admin: Principal = Depends(require_admin),
                          w: Writer = Depends(writer)) -> Response:
    """Drop the override: the CASINO_* defaults apply again; audited, idempotent."""
    ctx = AuditContext.of(request, admin.user_id)
    return await w.run(lambda s: schedule.reset_schedule(s, ctx))


@router.post("/simulate", response_model=SimulateOut)
async def simulate_schedule(body: SimulateIn, admin: Principal = Depends(require_admin),
                            rt: Runtime = Depends(get_runtime)) -> SimulateOut:
    """The simulator's summary for a proposed schedule (default: the effective one); bounded, writes nothing."""
    async with rt.sessionmaker() as session:
        current = (await schedule.get_schedule(session)).effective.schedule()
    proposed = body.schedule.schedule() if body.schedule is not None else current
    return await asyncio.to_thread(run_simulation, proposed, body)
