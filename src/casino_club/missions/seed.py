"""`casino-club seed` data for engagement: the four seed missions and a demo welcome event."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.kit.runtime import session_now
from casino_club.missions.models import Event
from casino_club.missions.service import ensure_seed_missions
from casino_club.rewards.schemas import RewardSpec

WELCOME_EVENT = "welcome_10_games"


async def engagement_seeder(session: AsyncSession) -> None:
    """Seed missions plus one 30-day event (idempotent: keyed by codes)."""
    await ensure_seed_missions(session)
    if (await session.execute(select(Event.id).where(Event.code == WELCOME_EVENT))).first():
        return
    now = session_now(session)
    try:
        async with session.begin_nested():
            session.add(Event(code=WELCOME_EVENT, title="웰컴 이벤트: 10판 플레이",
                              description="30일 안에 10판을 플레이하고 골드 2,000과 200 XP를 받으세요.",
                              title_en="Welcome event: play 10 games",
                              description_en="Play 10 games within 30 days for 2,000 gold and 200 XP.",
                              starts_at=now, ends_at=now + timedelta(days=30), priority=10,
                              requirements={"games_played": 10}, rewards=RewardSpec(gold=2000, xp=200).model_dump(),
                              created_at=now, updated_at=now))
    except IntegrityError:
        pass  # seeded concurrently
