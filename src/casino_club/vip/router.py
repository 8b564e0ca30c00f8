"""`GET /api/vip/status`, `POST /api/vip/claim`."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from casino_club.auth.deps import Principal, current_principal, writer
from casino_club.kit.idempotency import Writer
from casino_club.kit.runtime import Runtime, get_runtime
from casino_club.vip import service
from casino_club.vip.schemas import VipClaimOut, VipStatus

router = APIRouter(prefix="/api/vip", tags=["vip"])


@router.get("/status", response_model=VipStatus)
async def vip_status(principal: Principal = Depends(current_principal),
                     rt: Runtime = Depends(get_runtime)) -> VipStatus:
    """VIP points, rank, next rank and benefits."""
    async with rt.sessionmaker() as session:
        return await service.status(session, principal.user_id)


@router.post("/claim", response_model=VipClaimOut)
async def vip_claim(principal: Principal = Depends(current_principal), w: Writer = Depends(writer)) -> Response:
    """+daily VIP points once per local day; a repeat answers 200 with idempotent=true."""
    return await w.run(lambda s: service.claim(s, principal.user_id))
