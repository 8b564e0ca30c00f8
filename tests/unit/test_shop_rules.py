"""The shop's pure rules: prices, promo codes, limited stock and the per-player limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_club.shop import errors
from casino_club.shop.rules import (
    PackageRow,
    ProductRow,
    PromoRow,
    Stock,
    buyable,
    check_promo,
    check_reserve,
    give_back_units,
    promo_discount,
    release_promo,
    take_units,
    unit_price,
    use_promo,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _product(**kw: object) -> ProductRow:
    base = {"id": 1, "kind": "item", "price": 1000, "gold_amount": 0, "item_id": "x", "item_quantity": 1,
            "discount_percent": 0, "discount_ends_at": None, "min_rank": "STANDARD", "active": True,
            "deleted": False}
    return ProductRow(**(base | kw))  # type: ignore[arg-type]


def _promo(**kw: object) -> PromoRow:
    base = {"id": 5, "code": "SAVE", "kind": "percent", "value": 10, "product_id": None, "max_uses": None,
            "uses": 0, "starts_at": None, "ends_at": None, "active": True, "deleted": False}
    return PromoRow(**(base | kw))  # type: ignore[arg-type]


def _stock(package: PackageRow | None = None, promo: PromoRow | None = None) -> Stock:
    return Stock({package.id: package} if package else {}, {}, {promo.id: promo} if promo else {}, {})


@given(price=st.integers(0, 10**9), percent=st.integers(0, 100))
def test_a_live_discount_rounds_the_unit_price_down_and_an_ended_one_counts_for_nothing(price: int,
                                                                                      percent: int) -> None:
    live = _product(price=price, discount_percent=percent, discount_ends_at=NOW + timedelta(hours=1))
    assert unit_price(live, NOW) == price - price * percent // 100
    ended = _product(price=price, discount_percent=percent, discount_ends_at=NOW)
    assert unit_price(ended, NOW) == price


@given(kind=st.sampled_from(["percent", "fixed"]), value=st.integers(1, 100), subtotal=st.integers(0, 10**9))
def test_a_promo_discount_never_exceeds_the_subtotal(kind: str, value: int, subtotal: int) -> None:
    discount = promo_discount(kind, value, subtotal)
    assert 0 <= discount <= subtotal
    assert discount == (subtotal * value // 100 if kind == "percent" else min(value, subtotal))


def test_buyable_refuses_missing_inactive_and_rank_gated_products() -> None:
    with pytest.raises(errors.ProductNotFound):
        buyable(None, 1, "VIP")
    with pytest.raises(errors.ProductNotFound):
        buyable(_product(deleted=True), 1, "VIP")
    with pytest.raises(errors.ProductUnavailable):
        buyable(_product(active=False), 1, "VIP")
    with pytest.raises(errors.RankRequired):
        buyable(_product(min_rank="VIP"), 1, "PREMIUM")
    assert buyable(_product(min_rank="PREMIUM"), 1, "VIP").id == 1


def test_a_promo_is_once_per_player_capped_windowed_and_given_back_on_failure() -> None:
    promo = _promo(max_uses=2, product_id=1)
    stock = _stock(promo=promo)
    with pytest.raises(errors.PromoInvalid):
        check_promo(promo, 2, 10, stock, NOW)  # another product
    with pytest.raises(errors.PromoInvalid):
        check_promo(_promo(starts_at=NOW + timedelta(seconds=1)), 1, 10, stock, NOW)
    use_promo(stock, check_promo(promo, 1, 10, stock, NOW), 10, "SP-A")
    with pytest.raises(errors.PromoInvalid):
        check_promo(promo, 1, 10, stock, NOW)  # the same player again
    use_promo(stock, check_promo(promo, 1, 11, stock, NOW), 11, "SP-B")
    with pytest.raises(errors.PromoExhausted):
        check_promo(promo, 1, 12, stock, NOW)
    assert not release_promo(stock, promo, 10, "SP-OTHER")  # not this purchase's use
    assert release_promo(stock, promo, 10, "SP-A") and promo.uses == 1
    assert check_promo(promo, 1, 10, stock, NOW) is promo  # usable again


@given(stock_n=st.integers(0, 20), limit=st.one_of(st.none(), st.integers(1, 10)),
       buys=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 5)), max_size=30))
def test_limited_stock_is_never_oversold_nor_a_player_over_his_limit(stock_n: int, limit: int | None,
                                                                   buys: list[tuple[int, int]]) -> None:
    package = PackageRow(1, 1, stock_n, 0, limit, None, None, True)
    stock = _stock(package)
    sold: dict[int, int] = {}
    for user, quantity in buys:
        try:
            check_reserve(package, stock.allowances.get((1, user), 0), quantity, NOW)
        except (errors.OutOfStock, errors.UserLimit):
            continue
        take_units(stock, package, user, quantity)
        sold[user] = sold.get(user, 0) + quantity
    assert package.stock == stock_n - sum(sold.values()) >= 0
    assert all(limit is None or n <= limit for n in sold.values())
    for user, n in sold.items():
        give_back_units(stock, package, user, n)
    assert package.stock == stock_n and all(v == 0 for v in stock.allowances.values())


def test_a_closed_window_or_disabled_package_sells_nothing() -> None:
    later = PackageRow(1, 1, 5, 0, None, NOW + timedelta(minutes=1), None, True)
    with pytest.raises(errors.WindowClosed):
        check_reserve(later, 0, 1, NOW)
    with pytest.raises(errors.WindowClosed):
        check_reserve(PackageRow(1, 1, 5, 0, None, None, None, False), 0, 1, NOW)
