"""Campaigns (create, cancel, deliver exactly once per recipient), the scheduled-send job and the inbox."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.admin.audit import AuditContext, audit
from casino_club.auth.models import User
from casino_club.db import rows_matched
from casino_club.kit.errors import NotFound, error
from casino_club.kit.pagination import newest_first
from casino_club.kit.runtime import Runtime, session_now, session_settings
from casino_club.notifications.models import Campaign, Notification
from casino_club.notifications.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPage,
    NotificationOut,
    NotificationPage,
    ReadAllOut,
)
from casino_club.outbox.service import emit

log = structlog.get_logger("casino_club.notifications")

CampaignNotScheduled = error(409, "CAMPAIGN_NOT_SCHEDULED", "Only a scheduled campaign can be cancelled.",
                             "예약된 캠페인만 취소할 수 있습니다.")
NoRecipients = error(422, "NO_RECIPIENTS", "No player matches this target.", "대상 플레이어가 없습니다.")
TooManyRecipients = error(422, "SEGMENT_TOO_LARGE", "The target has {count} players; the limit is {limit}.",
                          "대상 플레이어가 {count}명으로 한도 {limit}명을 넘습니다.")


def campaign_out(c: Campaign) -> CampaignOut:
    """API shape of a campaign."""
    return CampaignOut(id=c.id, title=c.title, body=c.body, title_en=c.title_en, body_en=c.body_en,
                       target=c.target, rank=c.target_rank,
                       user_ids=c.target_user_ids, status=c.status, scheduled_at=c.scheduled_at,
                       created_at=c.created_at, sent_at=c.sent_at, cancelled_at=c.cancelled_at, recipients=c.recipients)


def notification_out(n: Notification) -> NotificationOut:
    """API shape of an inbox row."""
    return NotificationOut(id=n.id, kind=n.kind, title=n.title, body=n.body, title_en=n.title_en, body_en=n.body_en,
                           data=n.data or {}, read=n.read_at is not None,
                           read_at=n.read_at, created_at=n.created_at, campaign_id=n.campaign_id)


def _recipient_query(target: str, rank: str | None, user_ids: list[int] | None) -> Any:
    q = select(User.id).where(User.banned.is_(False))
    if target == "users":
        return q.where(User.id.in_(user_ids or []))
    q = q.where(User.role == "user")
    return q.where(User.rank == rank) if target == "rank" else q


async def create_campaign(session: AsyncSession, ctx: AuditContext, body: CampaignIn) -> CampaignOut:
    """Create a campaign; without send_at (or with a past one) it is delivered in this transaction."""
    now = session_now(session)
    q = _recipient_query(body.target, body.rank, body.user_ids)
    count = (await session.execute(select(func.count()).select_from(q.subquery()))).scalar_one()
    limit = session_settings(session).notification_segment_max
    if count > limit:
        raise TooManyRecipients({"count": count, "limit": limit})
    if count == 0 and body.target == "users":
        raise NoRecipients({"user_ids": body.user_ids})
    c = Campaign(title=body.title, body=body.body, title_en=body.title_en, body_en=body.body_en,
                 target=body.target, target_rank=body.rank,
                 target_user_ids=body.user_ids, status="scheduled", scheduled_at=max(body.send_at or now, now),
                 created_by=ctx.actor_id, created_at=now, recipients=0)
    session.add(c)
    await session.flush()
    if c.scheduled_at <= now:
        await deliver(session, c.id)
        await session.refresh(c)
    out = campaign_out(c)
    await audit(session, ctx, "notification.create", "campaign", c.id, None, out.model_dump(mode="json"))
    return out


async def deliver(session: AsyncSession, campaign_id: int) -> int:
    """Claim a scheduled campaign (scheduled→sending, one winner) and deliver it; returns messages written."""
    now = session_now(session)
    won = await session.execute(update(Campaign).where(Campaign.id == campaign_id, Campaign.status == "scheduled")
                                .values(status="sending").execution_options(synchronize_session=False))
    if rows_matched(won) != 1:
        return 0
    c = (await session.execute(select(Campaign).where(Campaign.id == campaign_id)
                               .execution_options(populate_existing=True))).scalar_one()
    ids = list((await session.execute(_recipient_query(c.target, c.target_rank, c.target_user_ids)
                                      .order_by(User.id))).scalars())
    done = set((await session.execute(select(Notification.user_id).where(
        Notification.campaign_id == c.id))).scalars())
    written = 0
    for uid in ids:
        if uid in done:
            continue
        n = Notification(user_id=uid, campaign_id=c.id, kind="campaign", title=c.title, body=c.body,
                         title_en=c.title_en, body_en=c.body_en, data={}, created_at=now)
        session.add(n)
        await session.flush()
        await emit(session, uid, "notification", notification_out(n).model_dump(mode="json"))
        written += 1
    c.status, c.sent_at, c.recipients = "sent", now, len(ids)
    await session.flush()
    return written


async def notify(session: AsyncSession, user_id: int, title: str, body: str, data: dict[str, Any] | None = None,
                 kind: str = "system") -> NotificationOut:
    """A one-off system message to one player (inbox row + realtime `notification`)."""
    n = Notification(user_id=user_id, campaign_id=None, kind=kind, title=title[:120], body=body[:2000], data=data or {},
                     created_at=session_now(session))
    session.add(n)
    await session.flush()
    out = notification_out(n)
    await emit(session, user_id, "notification", out.model_dump(mode="json"))
    return out


async def run_due(rt: Runtime, batch: int = 20) -> int:
    """Deliver every due scheduled campaign, each in its own transaction; safe on several instances."""
    now = rt.clock.now()
    async with rt.sessionmaker() as session:
        due = list((await session.execute(select(Campaign.id).where(
            Campaign.status == "scheduled", Campaign.scheduled_at <= now)
            .order_by(Campaign.scheduled_at, Campaign.id).limit(batch))).scalars())
    sent = 0
    for campaign_id in due:
        async with rt.transaction() as session:
            # SKIP LOCKED (PostgreSQL) lets another instance move on; the conditional UPDATE decides the winner.
            locked = (await session.execute(select(Campaign.id).where(
                Campaign.id == campaign_id, Campaign.status == "scheduled").with_for_update(skip_locked=True)
            )).scalar_one_or_none()
            if locked is None:
                continue
            if await deliver(session, campaign_id):
                sent += 1
    return sent


async def notifications_job(rt: Runtime) -> None:
    """Background loop: deliver scheduled campaigns when due (state in the database survives restarts)."""
    while True:
        count = await run_due(rt)
        if count:
            log.info("campaigns_delivered", count=count)
        await asyncio.sleep(rt.settings.notification_poll_s)


async def cancel_campaign(session: AsyncSession, ctx: AuditContext, campaign_id: int) -> CampaignOut:
    """Cancel a campaign that has not started sending; 409 CAMPAIGN_NOT_SCHEDULED otherwise."""
    c = await session.get(Campaign, campaign_id)
    if c is None:
        raise NotFound({"campaign_id": campaign_id})
    now = session_now(session)
    won = await session.execute(update(Campaign).where(Campaign.id == campaign_id, Campaign.status == "scheduled")
                                .values(status="cancelled", cancelled_at=now).execution_options(synchronize_session=False))
    if rows_matched(won) != 1:
        raise CampaignNotScheduled({"campaign_id": campaign_id, "status": c.status})
    await session.refresh(c)
    out = campaign_out(c)
    await audit(session, ctx, "notification.cancel", "campaign", c.id, {"status": "scheduled"}, {"status": "cancelled"})
    return out


async def list_campaigns(session: AsyncSession, status: str | None, cursor: str | None, limit: int) -> CampaignPage:
    """Campaigns, newest first."""
    q = select(Campaign)
    if status:
        q = q.where(Campaign.status == status)
    rows, after = await newest_first(session, q, Campaign.id, cursor, limit)
    return CampaignPage(items=[campaign_out(c) for (c,) in rows], next_cursor=after)


async def get_campaign(session: AsyncSession, campaign_id: int) -> CampaignOut:
    """One campaign."""
    c = await session.get(Campaign, campaign_id)
    if c is None:
        raise NotFound({"campaign_id": campaign_id})
    return campaign_out(c)


async def unread_count(session: AsyncSession, user_id: int) -> int:
    """Unread inbox messages."""
    return (await session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))).scalar_one()


async def inbox(session: AsyncSession, user_id: int, cursor: str | None, limit: int, unread_only: bool) -> NotificationPage:
    """The player's inbox, newest first."""
    q = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    rows, after = await newest_first(session, q, Notification.id, cursor, limit)
    return NotificationPage(items=[notification_out(n) for (n,) in rows], next_cursor=after,
                            unread=await unread_count(session, user_id))


async def mark_read(session: AsyncSession, user_id: int, notification_id: int) -> NotificationOut:
    """Mark one of the caller's messages read (idempotent); 404 for someone else's."""
    n = (await session.execute(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id))).scalar_one_or_none()
    if n is None:
        raise NotFound({"notification_id": notification_id})
    if n.read_at is None:
        n.read_at = session_now(session)
        await session.flush()
    return notification_out(n)


async def read_all(session: AsyncSession, user_id: int) -> ReadAllOut:
    """Mark every unread message read."""
    result = await session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).values(read_at=session_now(session))
        .execution_options(synchronize_session=False))
    return ReadAllOut(marked=rows_matched(result) or 0, unread=0)
