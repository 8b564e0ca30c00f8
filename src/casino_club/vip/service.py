"""VIP points (+N once per local day), rank upgrades from settings thresholds and the benefits per rank."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.actions.service import record_action
from casino_club.auth.models import User
from casino_club.auth.profile import load_profile
from casino_club.config import Settings
from casino_club.kit.errors import NotFound
from casino_club.kit.runtime import session_clock, session_now, session_settings
from casino_club.outbox.service import emit
from casino_club.vip.models import VipClaim
from casino_club.vip.schemas import VipClaimOut, VipStatus

RANKS = ("STANDARD", "PREMIUM", "VIP")


def rank_for_points(settings: Settings, points: int) -> str:
    """Highest rank whose threshold the points reach."""
    rank = RANKS[0]
    for name in RANKS[1:]:
        threshold = settings.vip_rank_thresholds.get(name)
        if threshold is not None and points >= threshold:
            rank = name
    return rank


def _order(rank: str) -> int:
    return RANKS.index(rank) if rank in RANKS else 0


async def add_vip_points(session: AsyncSession, user_id: int, points: int) -> tuple[int, str, bool]:
    """Add points atomically; upgrade (never downgrade) the rank; emits profile_update. → (points, rank, changed)."""
    row = (await session.execute(update(User).where(User.id == user_id).values(vip_points=User.vip_points + points)
                                 .returning(User.vip_points, User.rank))).one_or_none()
    if row is None:
        raise NotFound({"user_id": user_id})
    total, rank = row
    target = rank_for_points(session_settings(session), total)
    changed = _order(target) > _order(rank)
    if changed:
        await session.execute(update(User).where(User.id == user_id).values(rank=target, updated_at=session_now(session)))
        await record_action(session, user_id, "rank_up", {"from": rank, "to": target, "vip_points": total})
        rank = target
    profile = await load_profile(session, user_id)
    await emit(session, user_id, "profile_update", profile.model_dump(mode="json"))
    return total, rank, changed


async def claim(session: AsyncSession, user_id: int) -> VipClaimOut:
    """+daily points once per local day; a repeat the same day answers idempotent=true without a credit."""
    settings, today = session_settings(session), session_clock(session).today()
    points = settings.vip_daily_points
    if await _claimed(session, user_id, today):
        return await _repeat(session, user_id, today)
    try:
        async with session.begin_nested():
            session.add(VipClaim(user_id=user_id, day=today, points=points, points_after=0,
                                 created_at=session_now(session)))
    except IntegrityError:  # a concurrent claim won today's row
        return await _repeat(session, user_id, today)
    total, rank, changed = await add_vip_points(session, user_id, points)
    await session.execute(update(VipClaim).where(VipClaim.user_id == user_id, VipClaim.day == today)
                          .values(points_after=total))
    await record_action(session, user_id, "vip_claim", {"points": points, "vip_points": total, "rank": rank})
    return VipClaimOut(idempotent=False, points_added=points, vip_points=total, rank=rank, rank_changed=changed,
                       today=today)


async def _claimed(session: AsyncSession, user_id: int, day: date) -> bool:
    return (await session.execute(select(VipClaim.id).where(
        VipClaim.user_id == user_id, VipClaim.day == day))).scalar_one_or_none() is not None


async def _repeat(session: AsyncSession, user_id: int, today: date) -> VipClaimOut:
    user = (await session.execute(select(User).where(User.id == user_id)
                                  .execution_options(populate_existing=True))).scalar_one()
    return VipClaimOut(idempotent=True, points_added=0, vip_points=user.vip_points, rank=user.rank,
                       rank_changed=False, today=today)


async def status(session: AsyncSession, user_id: int) -> VipStatus:
    """Points, rank, the next threshold and the rank's benefits."""
    settings, today = session_settings(session), session_clock(session).today()
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound({"user_id": user_id})
    next_rank, to_next = None, None
    for name in RANKS[_order(user.rank) + 1:]:
        threshold = settings.vip_rank_thresholds.get(name)
        if threshold is not None:
            next_rank, to_next = name, max(0, threshold - user.vip_points)
            break
    return VipStatus(rank=user.rank, vip_points=user.vip_points, next_rank=next_rank, points_to_next=to_next,
                     thresholds=dict(settings.vip_rank_thresholds), benefits=settings.vip_benefits.get(user.rank, []),
                     daily_points=settings.vip_daily_points, claimed_today=await _claimed(session, user_id, today),
                     today=today)
