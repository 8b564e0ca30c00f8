"""Demo catalog: gold packs, a few items (incl. the streak shield and a VIP-only one), a limited package
and a promo code. Idempotent: rows are keyed by SKU / code and created only when missing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.inventory.service import CORE_ITEMS, STREAK_SHIELD, ItemDef, upsert_items
from casino_club.kit.runtime import session_now
from casino_club.shop.models import LimitedPackage, Product, PromoCode

SHOP_ITEMS = (
    ItemDef("lucky_clover", "행운의 네잎클로버", "Lucky Clover", "common", value=300, icon="🍀"),
    ItemDef("golden_dice", "황금 주사위", "Golden Dice", "rare", value=1200, icon="🎲"),
    ItemDef("vip_crown", "VIP 왕관", "VIP Crown", "legendary", value=20000, icon="👑"),
)


@dataclass(frozen=True)
class SeedProduct:
    """A demo product."""

    sku: str
    kind: str
    name_ko: str
    name_en: str
    price: int
    gold_amount: int = 0
    item_id: str | None = None
    min_rank: str = "STANDARD"
    discount_percent: int = 0
    sort_order: int = 0
    description: str | None = None  # Korean
    description_en: str | None = None


SEED_PRODUCTS = (
    SeedProduct("gold_1000", "gold_pack", "골드 1,000", "1,000 Gold", 99, gold_amount=1000, sort_order=10,
                description="골드 1,000개를 바로 받습니다.", description_en="Get 1,000 gold right away."),
    SeedProduct("gold_5500", "gold_pack", "골드 5,500", "5,500 Gold", 499, gold_amount=5500, sort_order=20,
                description="골드 5,500개 — 500 보너스 포함.", description_en="5,500 gold — includes a 500 bonus."),
    SeedProduct("gold_12000", "gold_pack", "골드 12,000", "12,000 Gold", 999, gold_amount=12000, sort_order=30,
                discount_percent=10,
                description="가장 큰 골드 팩, 지금 10% 할인.", description_en="The biggest gold pack, 10% off now."),
    SeedProduct("starter_pack", "gold_pack", "스타터 한정 패키지", "Starter Limited Pack", 199, gold_amount=5000,
                sort_order=5,
                description="한 번만 살 수 있는 시작 패키지: 골드 5,000.", description_en="A one-time starter pack: 5,000 gold."),
    SeedProduct("streak_shield", "item", "연속 출석 보호막", "Streak Shield", 1500, item_id=STREAK_SHIELD, sort_order=40,
                description="하루를 놓쳐도 연속 출석이 끊기지 않습니다.", description_en="Keeps your streak alive when you miss a day."),
    SeedProduct("lucky_clover", "item", "행운의 네잎클로버", "Lucky Clover", 300, item_id="lucky_clover", sort_order=50,
                description="행운을 부르는 수집 아이템.", description_en="A collectible that brings luck."),
    SeedProduct("golden_dice", "item", "황금 주사위", "Golden Dice", 1200, item_id="golden_dice", min_rank="PREMIUM",
                sort_order=60,
                description="프리미엄 회원 전용 수집 아이템.", description_en="A collectible for Premium members."),
    SeedProduct("vip_crown", "item", "VIP 왕관", "VIP Crown", 20000, item_id="vip_crown", min_rank="VIP",
                sort_order=70,
                description="VIP만 가질 수 있는 왕관.", description_en="A crown only VIPs can own."),
)
SEED_LIMITED_SKU = "starter_pack"
SEED_PROMO = "WELCOME10"


async def seed_shop(session: AsyncSession) -> None:
    """Create the demo catalog rows that are missing (existing rows, maybe edited by admins, stay)."""
    await upsert_items(session, (*CORE_ITEMS, *SHOP_ITEMS))
    now = session_now(session)
    existing = set((await session.execute(select(Product.sku))).scalars())
    for spec in SEED_PRODUCTS:
        if spec.sku not in existing:
            session.add(Product(**spec.__dict__, item_quantity=1, discount_ends_at=None,
                                active=True, created_at=now, updated_at=now))
    await session.flush()
    starter = (await session.execute(select(Product).where(Product.sku == SEED_LIMITED_SKU))).scalar_one()
    if (await session.execute(select(LimitedPackage.id).where(LimitedPackage.product_id == starter.id))).first() is None:
        session.add(LimitedPackage(product_id=starter.id, stock=100, sold=0, per_user_limit=1, enabled=True,
                                   created_at=now, updated_at=now))
    if (await session.execute(select(PromoCode.id).where(PromoCode.code == SEED_PROMO))).first() is None:
        session.add(PromoCode(code=SEED_PROMO, kind="percent", value=10, product_id=None, max_uses=1000, uses=0,
                              active=True, created_at=now, updated_at=now))
    await session.flush()
