"""clean-seed voids a seed player's pending purchase first, so held limited stock goes back on sale."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from casino_club.config import DEFAULT_SEED_PASSWORD
from casino_club.kit.runtime import Runtime
from casino_club.ops.clean_seed import clean_seed
from casino_club.seed import run_seed
from casino_club.shop.models import LimitedPackage, ShopTransaction
from tests.support.api import Player, login
from tests.support.shop import buy, limited, product


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"payment_mode": "pending"}


async def test_pending_purchase_is_voided_and_stock_released(rt: Runtime, client: httpx.AsyncClient,
                                                             admin: Player) -> None:
    await run_seed(rt)
    pack = await product(admin)
    package = await limited(admin, pack["id"], stock=5)
    tokens = (await login(client, "user003", DEFAULT_SEED_PASSWORD)).json()
    player = Player(client, "user003", DEFAULT_SEED_PASSWORD, tokens["access_token"], tokens["refresh_token"],
                    tokens["user"]["id"])
    bought = await buy(player, pack["id"])
    assert bought.status_code in (200, 201, 202), bought.text
    assert bought.json()["status"] == "pending"
    async with rt.sessionmaker() as session:
        assert (await session.get(LimitedPackage, package["id"])).stock == 4  # type: ignore[union-attr]

    report = await clean_seed(rt)

    assert report.voided == 1
    async with rt.sessionmaker() as session:
        assert (await session.get(LimitedPackage, package["id"])).stock == 5  # type: ignore[union-attr]
        left = (await session.execute(select(func.count()).select_from(ShopTransaction)
                                      .where(ShopTransaction.user_id == player.user_id))).scalar_one()
    assert left == 0
    assert await player.gold() == 1000
