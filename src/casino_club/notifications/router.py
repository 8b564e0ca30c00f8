"""Player inbox `/api/notifications…` and admin campaigns `/api/admin/notifications…`."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from casino_club.admin.audit import AuditContext
from casino_club.auth.deps import Principal, current_principal, require_admin, writer
from casino_club.kit.idempotency import Writer
from casino_club.kit.runtime import Runtime, get_runtime
from casino_club.notifications import service
from casino_club.notifications.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPage,
    NotificationOut,
    NotificationPage,
    ReadAllOut,
    UnreadCount,
)

router = APIRouter(tags=["notifications"])


def _id() -> Any:
    # A fresh Path() per parameter: FastAPI binds a FieldInfo to the first parameter name it meets.
    return Path(ge=1, le=2**62)


@router.get("/api/notifications", response_model=NotificationPage)
async def my_notifications(cursor: str | None = Query(None, max_length=200), limit: int = Query(20, ge=1, le=100),
                           unread_only: bool = False, principal: Principal = Depends(current_principal),
                           rt: Runtime = Depends(get_runtime)) -> NotificationPage:
    """The caller's inbox, newest first."""
    async with rt.sessionmaker() as session:
        return await service.inbox(session, principal.user_id, cursor, limit, unread_only)


@router.get("/api/notifications/unread-count", response_model=UnreadCount)
async def my_unread(principal: Principal = Depends(current_principal), rt: Runtime = Depends(get_runtime)) -> UnreadCount:
    """How many inbox messages are unread."""
    async with rt.sessionmaker() as session:
        return UnreadCount(unread=await service.unread_count(session, principal.user_id))


@router.post("/api/notifications/read-all", response_model=ReadAllOut)
async def my_read_all(principal: Principal = Depends(current_principal), w: Writer = Depends(writer)) -> Response:
    """Mark every message read."""
    return await w.run(lambda s: service.read_all(s, principal.user_id))


@router.post("/api/notifications/{notification_id}/read", response_model=NotificationOut)
async def my_read(notification_id: int = _id(), principal: Principal = Depends(current_principal),
                  w: Writer = Depends(writer)) -> Response:
    """Mark one message read (idempotent)."""
    return await w.run(lambda s: service.mark_read(s, principal.user_id, notification_id))


@router.post("/api/admin/notifications", response_model=CampaignOut, status_code=201)
async def create_campaign(body: CampaignIn, request: Request, admin: Principal = Depends(require_admin),
                          w: Writer = Depends(writer)) -> Response:
    """Send a campaign now, or schedule it with send_at."""
    ctx = AuditContext.of(request, admin.user_id)
    return await w.run(lambda s: service.create_campaign(s, ctx, body), status_code=201)


@router.get("/api/admin/notifications", response_model=CampaignPage)
async def list_campaigns(status: Literal["scheduled", "sending", "sent", "cancelled"] | None = None,
                         cursor: str | None = Query(None, max_length=200), limit: int = Query(50, ge=1, le=200),
                         admin: Principal = Depends(require_admin), rt: Runtime = Depends(get_runtime)) -> CampaignPage:
    """Campaigns, newest first."""
    async with rt.sessionmaker() as session:
        return await service.list_campaigns(session, status, cursor, limit)


@router.get("/api/admin/notifications/{campaign_id}", response_model=CampaignOut)
async def get_campaign(campaign_id: int = _id(), admin: Principal = Depends(require_admin),
                       rt: Runtime = Depends(get_runtime)) -> CampaignOut:
    """One campaign and its delivery state."""
    async with rt.sessionmaker() as session:
        return await service.get_campaign(session, campaign_id)


@router.post("/api/admin/notifications/{campaign_id}/cancel", response_model=CampaignOut)
async def cancel_campaign(request: Request, campaign_id: int = _id(), admin: Principal = Depends(require_admin),
                          w: Writer = Depends(writer)) -> Response:
    """Cancel a scheduled campaign before it is sent."""
    ctx = AuditContext.of(request, admin.user_id)
    return await w.run(lambda s: service.cancel_campaign(s, ctx, campaign_id))
