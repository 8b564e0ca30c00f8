"""grant_reward(): the one way engagement features pay players (ledger gold, XP, items, history, events)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.actions.service import record_action
from casino_club.admin.audit import AuditContext, audit
from casino_club.auth.models import User
from casino_club.auth.profile import load_profile
from casino_club.engagement.progress import add_xp
from casino_club.inventory.models import Item
from casino_club.inventory.service import grant_item
from casino_club.kit.errors import error
from casino_club.kit.ids import receipt_code
from casino_club.kit.pagination import newest_first
from casino_club.kit.runtime import session_now, session_settings
from casino_club.outbox.service import emit
from casino_club.rewards.models import RewardBatch, RewardGrant
from casino_club.rewards.schemas import DistributeIn, DistributeOut, ItemGrant, RewardOut, RewardPage, RewardSpec
from casino_club.wallet.service import System, credit_player

UnknownItem = error(422, "UNKNOWN_ITEM", "Item {item_id} does not exist.", "아이템 {item_id}이(가) 없습니다.")
SegmentTooLarge = error(422, "SEGMENT_TOO_LARGE", "The segment has {count} players; the limit is {limit}.",
                        "대상 플레이어가 {count}명으로 한도 {limit}명을 넘습니다.")
NoRecipients = error(422, "NO_RECIPIENTS", "No player matches this target.", "대상 플레이어가 없습니다.")


async def check_items(session: AsyncSession, items: list[ItemGrant]) -> None:
    """422 UNKNOWN_ITEM unless every item exists in the catalog."""
    for grant in items:
        if await session.get(Item, grant.item_id) is None:
            raise UnknownItem({"item_id": grant.item_id})


async def grant_reward(session: AsyncSession, user_id: int, spec: RewardSpec, *, source: str, title: str,
                       dedupe_key: str, reference: str | None = None, profile_event: bool = True,
                       title_en: str = "") -> RewardGrant:
    """Pay gold (from PROMOTIONS), XP and items once per dedupe_key; emits reward_granted (+ profile_update).

    The reward row's unique dedupe_key and the transfer's dedupe_key make a second grant with the same key
    fail the transaction (IntegrityError) instead of paying twice; callers guard with their own claim row.
    """
    row = RewardGrant(user_id=user_id, source=source, title=title[:120], title_en=title_en[:120], reference=reference,
                      gold=spec.gold,
                      xp=spec.xp, items=[i.model_dump() for i in spec.items], dedupe_key=dedupe_key,
                      created_at=session_now(session))
    session.add(row)
    await session.flush()
    if spec.gold > 0:
        await credit_player(session, user_id, spec.gold, source=System.PROMOTIONS, reason=f"{source}_reward",
                            reference=reference or f"reward:{row.id}", dedupe_key=dedupe_key, memo=title[:200])
    for item in spec.items:
        await grant_item(session, user_id, item.item_id, item.quantity)
    xp, level = await add_xp(session, user_id, spec.xp, source) if spec.xp else (None, None)
    await record_action(session, user_id, f"{source}_reward",
                        {"title": title, "gold": spec.gold, "xp": spec.xp, "items": row.items},
                        reference=reference)
    await emit(session, user_id, "reward_granted", {
        "reward_id": row.id, "source": source, "title": title, "title_ko": title, "title_en": title_en,
        "gold": spec.gold, "xp": spec.xp,
        "items": row.items, "reference": reference, "total_xp": xp, "level": level})
    if profile_event:
        profile = await load_profile(session, user_id)
        await emit(session, user_id, "profile_update", profile.model_dump(mode="json"))
    return row


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


async def _recipients(session: AsyncSession, body: DistributeIn, cap: int) -> list[int]:
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


async def distribute(session: AsyncSession, ctx: AuditContext, body: DistributeIn) -> DistributeOut:
    """Grant gold/items to every recipient in one transaction (the Writer key makes retries replay)."""
    await check_items(session, body.items)
    cap = session_settings(session).reward_segment_max
    ids = await _recipients(session, body, cap)
    code = receipt_code("RW")
    now = session_now(session)
    target = {"user_ids": body.user_ids} if body.user_ids is not None else {"rank": body.rank}
    batch = RewardBatch(code=code, admin_id=ctx.actor_id, target=target, gold=body.gold,
                        items=[i.model_dump() for i in body.items], reason=body.reason, recipients=len(ids),
                        created_at=now)
    session.add(batch)
    await session.flush()
    spec = RewardSpec(gold=body.gold, items=body.items)
    for uid in ids:
        await grant_reward(session, uid, spec, source="admin", title=body.reason, dedupe_key=f"reward:{code}:{uid}",
                           reference=code)
    out = DistributeOut(batch_code=code, recipients=len(ids), user_ids=ids, gold=body.gold, items=body.items,
                        reason=body.reason, created_at=now)
    await audit(session, ctx, "reward.distribute", "reward_batch", code, None,
                {**out.model_dump(mode="json"), "user_ids": ids[:100], "target": target})
    return out
