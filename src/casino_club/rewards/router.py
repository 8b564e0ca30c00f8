"""`GET /api/rewards` (player history) and `POST /api/admin/rewards/distribute`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from casino_club.admin.audit import AuditContext
from casino_club.auth.deps import Principal, current_principal, require_admin, writer
from casino_club.kit.idempotency import Writer
from casino_club.kit.runtime import Runtime, get_runtime
from casino_club.rewards import service
from casino_club.rewards.plans import DistributePlan
from casino_club.rewards.schemas import DistributeIn, DistributeOut, RewardPage
from casino_club.settlement.http import keyed, respond

router = APIRouter(tags=["rewards"])


@router.get("/api/rewards", response_model=RewardPage)
async def my_rewards(cursor: str | None = Query(None, max_length=200), limit: int = Query(20, ge=1, le=100),
                     principal: Principal = Depends(current_principal),
                     rt: Runtime = Depends(get_runtime)) -> RewardPage:
    """The caller's reward history, newest first."""
    async with rt.sessionmaker() as session:
        return await service.reward_history(session, principal.user_id, cursor, limit)


@router.post("/api/admin/rewards/distribute", response_model=DistributeOut, status_code=201)
async def distribute(body: DistributeIn, request: Request, admin: Principal = Depends(require_admin),
                     w: Writer = Depends(writer)) -> Response:
    """Grant gold/items to listed players or a rank (capped); replaying the key returns the same receipt."""
    ctx = AuditContext.of(request, admin.user_id)
    rt: Runtime = request.app.state.rt
    async with rt.sessionmaker() as session:  # validation reads: the plan locks and pays
        await service.check_items(session, body.items)
        ids = await service.recipients(session, body, rt.settings.reward_segment_max)
    target = {"user_ids": body.user_ids} if body.user_ids is not None else {"rank": body.rank}
    plan = DistributePlan(user_id=ids[0], recipients=ids, target=target, gold=body.gold,
                          items=[i.model_dump() for i in body.items], reason=body.reason, ctx=ctx,
                          **await keyed(request, w.scope))
    return await respond(request, plan)
