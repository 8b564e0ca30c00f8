"""Player missions (list, claim) and the seed missions of PRODUCT.md §6."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.kit.errors import error
from casino_club.kit.runtime import Runtime, session_clock, session_now
from casino_club.missions.models import MissionProgress, MissionTemplate
from casino_club.missions.progress import period_end
from casino_club.missions.schemas import MissionList, MissionOut
from casino_club.rewards.schemas import RewardSpec
from casino_club.settlement.rules.progress import period_start

AlreadyClaimed = error(409, "ALREADY_CLAIMED", "This reward was already claimed.", "이미 받은 보상입니다.")
MissionIncomplete = error(409, "MISSION_INCOMPLETE", "This mission is not complete yet.", "아직 완료하지 않은 미션입니다.")


@dataclass(frozen=True)
class SeedMission:
    """A mission template created by the seeders."""

    code: str
    title: str
    description: str
    title_en: str
    description_en: str
    period: str
    metric: str
    target: int
    gold: int
    xp: int
    sort: int


SEED_MISSIONS = (
    SeedMission("daily_play_1", "게임 1판 플레이", "오늘 게임을 1판 플레이하세요.", "Play 1 game",
                "Play 1 game today.", "daily", "games_played", 1, 50, 10, 10),
    SeedMission("daily_slot_5", "슬롯 5회 스핀", "오늘 슬롯을 5번 돌리세요.", "Spin the slot 5 times",
                "Spin the slot 5 times today.", "daily", "slot_spins", 5, 50, 50, 20),
    SeedMission("daily_wager_1000", "골드 1,000 베팅", "오늘 골드를 모두 1,000 베팅하세요.", "Wager 1,000 gold",
                "Wager 1,000 gold in total today.", "daily", "gold_wagered", 1000, 100, 50, 25),
    SeedMission("daily_win_3", "3번 승리", "오늘 3판을 이기세요.", "Win 3 rounds", "Win 3 rounds today.", "daily",
                "wins", 3, 50, 100, 30),
    SeedMission("weekly_games_20", "주간 20판 플레이", "이번 주에 20판을 플레이하세요.", "Play 20 games this week",
                "Play 20 games this week.", "weekly", "games_played", 20, 200, 0, 40),
    SeedMission("weekly_wager_20000", "주간 골드 20,000 베팅", "이번 주에 골드를 모두 20,000 베팅하세요.",
                "Wager 20,000 gold this week", "Wager 20,000 gold in total this week.", "weekly", "gold_wagered",
                20000, 400, 0, 45),
)


async def ensure_seed_missions(session: AsyncSession) -> None:
    """Create the seed mission templates that do not exist yet (never overwrites admin edits; idempotent)."""
    existing = set((await session.execute(select(MissionTemplate.code).where(
        MissionTemplate.code.in_([m.code for m in SEED_MISSIONS])))).scalars())
    now = session_now(session)
    for m in SEED_MISSIONS:
        if m.code in existing:
            continue
        try:
            async with session.begin_nested():
                session.add(MissionTemplate(code=m.code, title=m.title, description=m.description,
                                            title_en=m.title_en, description_en=m.description_en, period=m.period,
                                            metric=m.metric, target=m.target, sort=m.sort, created_at=now,
                                            updated_at=now, rewards=RewardSpec(gold=m.gold, xp=m.xp).model_dump()))
        except IntegrityError:
            pass  # another instance seeded it first


async def startup_seed(rt: Runtime) -> None:
    """App start-up hook: a fresh database has the seed missions without running `casino-club seed`."""
    await rt.run(ensure_seed_missions)


async def list_missions(session: AsyncSession, user_id: int) -> MissionList:
    """Active missions with the caller's progress in each one's current local period."""
    clock = session_clock(session)
    today = clock.today()
    templates = (await session.execute(select(MissionTemplate).where(MissionTemplate.deleted_at.is_(None))
                                       .order_by(MissionTemplate.sort, MissionTemplate.id))).scalars().all()
    starts = {period_start(p, today) for p in ("daily", "weekly")}
    rows = {(r.template_id, r.period_start): r for r in (await session.execute(select(MissionProgress).where(
        MissionProgress.user_id == user_id, MissionProgress.period_start.in_(starts)))).scalars()}
    items = []
    for t in templates:
        start = period_start(t.period, today)
        row = rows.get((t.id, start))
        value = row.value if row else 0
        items.append(MissionOut(id=t.id, code=t.code, title=t.title, description=t.description, title_en=t.title_en,
                                description_en=t.description_en, period=t.period,
                                metric=t.metric, target=t.target, progress=value, completed=value >= t.target,
                                claimed=bool(row and row.claimed_at), rewards=RewardSpec(**t.rewards),
                                period_start=start, resets_at=clock.local_midnight_utc(period_end(t.period, start))))
    return MissionList(items=items)
