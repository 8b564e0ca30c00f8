"""Reward reads and the checks of a distribution (the payments are rewards/grant.py and rewards/plans.py)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.auth.models import User
from casino_club.inventory.models import Item
from casino_club.kit.errors import error
from casino_club.kit.pagination import newest_first
from casino_club.rewards.models import RewardGrant
from casino_club.rewards.schemas import DistributeIn, ItemGrant, RewardOut, RewardPage

UnknownItem = error(422, "UNKNOWN_ITEM", "Item {item_id} does not exist.", "아이템 {item_id}이(가) 없습니다.")
SegmentTooLarge = error(422, "SEGMENT_TOO_LARGE", "The segment has {count} players; the limit is {limit}.",
                        "대상 플레이어가 {count}명으로 한도 {limit}명을 넘습니다.")
NoRecipients = error(422, "NO_RECIPIENTS", "No player matches this target.", "대상 플레이어가 없습니다.")


async def check_items(session: AsyncSession, items: list[ItemGrant]) -> None:
    """422 UNKNOWN_ITEM unless every item exists in the catalog."""
    for grant in items:
        if await session.get(Item, grant.item_id) is None:
            raise UnknownItem({"item_id": grant.item_id})


def reward_out(row: RewardGrant) -> RewardOut:
    """API shape of a reward row."""
    return RewardOut(id=row.id, source=row.source, title=row.title, title_en=row.title_en, reference=row.reference,
                     gold=row.gold,
                     xp=row.xp, items=[ItemGrant(**i) for i in row.items or []], created_at=row.created_at)


async def reward_history(session: AsyncSession, user_id: int, cursor: str | None, limit: int) -> RewardPage:
    """The player's rewards, newest first (keyset on (user_id, id))."""
    q = select(RewardGrant).where(RewardGrant.user_id == user_id)
    rows, after = await newest_first(session, q, RewardGrant.id, cursor, limit)
    return RewardPage(items=[reward_out(r) for (r,) in rows], next_cursor=after)


async def recipients(session: AsyncSession, body: DistributeIn, cap: int) -> list[int]:
    """The players a distribution pays: the listed ones (all must exist) or a rank's (capped)."""
    if body.user_ids is not None:
        if len(body.user_ids) > cap:
            raise SegmentTooLarge({"count": len(body.user_ids), "limit": cap})
        found = set((await session.execute(select(User.id).where(User.id.in_(body.user_ids)))).scalars())
        missing = [i for i in body.user_ids if i not in found]
        if missing:
            raise NoRecipients({"missing_user_ids": missing[:20]})
        return body.user_ids
    q = select(User.id).where(User.rank == body.rank, User.role == "user", User.banned.is_(False))
    count = (await session.execute(select(func.count()).select_from(q.subquery()))).scalar_one()
    if count > cap:
        raise SegmentTooLarge({"count": count, "limit": cap})
    ids = list((await session.execute(q.order_by(User.id))).scalars())
    if not ids:
        raise NoRecipients()
    return ids
