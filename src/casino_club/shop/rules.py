"""Shop money rules as pure functions: prices, promo discounts, limited stock and the purchase state machine.

They work on plain rows (the settlement's locked reads, or ORM objects with the same attribute names) and
change only the rows they are given; the plans turn those changes into writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from casino_club.shop import errors
from casino_club.shop.schemas import RANK_ORDER


class Priced(Protocol):
    """What pricing needs of a product."""

    price: int
    discount_percent: int
    discount_ends_at: datetime | None


class Windowed(Protocol):
    """A row with an optional sale window."""

    starts_at: datetime | None
    ends_at: datetime | None


def discount_active(product: Priced, now: datetime) -> bool:
    """A discount counts while it has no end time or its end time is in the future."""
    return product.discount_percent > 0 and (product.discount_ends_at is None or product.discount_ends_at > now)


def unit_price(product: Priced, now: datetime) -> int:
    """The price of one unit after any live discount (the discount is rounded down)."""
    if not discount_active(product, now):
        return product.price
    return product.price - product.price * product.discount_percent // 100


def rank_allows(rank: str, min_rank: str) -> bool:
    """STANDARD < PREMIUM < VIP."""
    return RANK_ORDER.get(rank, 0) >= RANK_ORDER.get(min_rank, 0)


def window_open(row: Windowed, now: datetime) -> bool:
    """Whether now falls inside the row's window."""
    return (row.starts_at is None or row.starts_at <= now) and (row.ends_at is None or now < row.ends_at)


@dataclass
class ProductRow:
    """A product as a purchase sees it."""

    id: int
    kind: str
    price: int
    gold_amount: int
    item_id: str | None
    item_quantity: int
    discount_percent: int
    discount_ends_at: datetime | None
    min_rank: str
    active: bool
    deleted: bool


@dataclass
class PackageRow:
    """A limited package, locked for the group: `stock` is what is still sellable."""

    id: int
    product_id: int
    stock: int
    sold: int
    per_user_limit: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    enabled: bool
    dirty: bool = False


@dataclass
class PromoRow:
    """A promo code, locked for the group."""

    id: int
    code: str
    kind: str
    value: int
    product_id: int | None
    max_uses: int | None
    uses: int
    starts_at: datetime | None
    ends_at: datetime | None
    active: bool
    deleted: bool
    dirty: bool = False


@dataclass
class Stock:
    """The group's view of packages, allowances, promos and redemptions (what the plans change in memory)."""

    packages: dict[int, PackageRow]
    allowances: dict[tuple[int, int], int]  # (package, user) -> units bought or held
    promos: dict[int, PromoRow]
    redemptions: dict[tuple[int, int], str]  # (promo, user) -> receipt code
    allowances_dirty: set[tuple[int, int]] = field(default_factory=set)
    redeemed: list[tuple[int, int, str]] = field(default_factory=list)
    released: list[tuple[int, int, str]] = field(default_factory=list)


def buyable(product: ProductRow | None, product_id: int, rank: str) -> ProductRow:
    """The product a player may buy: exists, on sale, rank high enough."""
    if product is None or product.deleted:
        raise errors.ProductNotFound({"product_id": product_id})
    if not product.active:
        raise errors.ProductUnavailable({"product_id": product_id})
    if not rank_allows(rank, product.min_rank):
        raise errors.RankRequired({"required": product.min_rank, "rank": rank})
    return product


def promo_discount(kind: str, value: int, subtotal: int) -> int:
    """Discount on a subtotal: percent rounded down, or a fixed amount capped at the subtotal."""
    if kind == "percent":
        return subtotal * value // 100
    return min(value, subtotal)


def check_promo(promo: PromoRow | None, product_id: int, user_id: int, stock: Stock, now: datetime) -> PromoRow:
    """A promo code this player may use on this product now; 422 PROMO_INVALID / 409 PROMO_EXHAUSTED otherwise."""
    if promo is None or promo.deleted or not promo.active:
        raise errors.PromoInvalid({"reason": "unknown"})
    if promo.product_id is not None and promo.product_id != product_id:
        raise errors.PromoInvalid({"reason": "other_product"})
    if not window_open(promo, now):
        raise errors.PromoInvalid({"reason": "outside_window"})
    if (promo.id, user_id) in stock.redemptions:
        raise errors.PromoInvalid({"reason": "already_used"})
    if promo.max_uses is not None and promo.uses >= promo.max_uses:
        raise errors.PromoExhausted({"max_uses": promo.max_uses})
    return promo


def check_reserve(package: PackageRow, used: int, quantity: int, now: datetime) -> None:
    """Whether `quantity` units may be taken now: window, the player's limit, then stock (409s otherwise)."""
    if not package.enabled or not window_open(package, now):
        raise errors.WindowClosed({"package_id": package.id, "starts_at": package.starts_at,
                                   "ends_at": package.ends_at})
    if package.per_user_limit is not None and used + quantity > package.per_user_limit:
        raise errors.UserLimit({"per_user_limit": package.per_user_limit})
    if package.stock < quantity:
        raise errors.OutOfStock({"package_id": package.id})


def take_units(stock: Stock, package: PackageRow, user_id: int, quantity: int) -> None:
    """Take units off stock and count them against the player (checked first with check_reserve)."""
    key = (package.id, user_id)
    stock.allowances[key] = stock.allowances.get(key, 0) + quantity
    stock.allowances_dirty.add(key)
    package.stock -= quantity
    package.dirty = True


def give_back_units(stock: Stock, package: PackageRow, user_id: int, quantity: int) -> None:
    """Units back to stock and to the player's allowance (a failed, voided or refunded purchase)."""
    key = (package.id, user_id)
    stock.allowances[key] = max(0, stock.allowances.get(key, 0) - quantity)
    stock.allowances_dirty.add(key)
    package.stock += quantity
    package.dirty = True


def use_promo(stock: Stock, promo: PromoRow, user_id: int, receipt: str) -> None:
    """Count one use of the code by this player for this purchase."""
    promo.uses += 1
    promo.dirty = True
    stock.redemptions[(promo.id, user_id)] = receipt
    stock.redeemed.append((promo.id, user_id, receipt))


def release_promo(stock: Stock, promo: PromoRow | None, user_id: int, receipt: str) -> bool:
    """Give a purchase's promo use back (the player may use the code again); False if it held none."""
    if promo is None or stock.redemptions.get((promo.id, user_id)) != receipt:
        return False
    del stock.redemptions[(promo.id, user_id)]
    stock.released.append((promo.id, user_id, receipt))
    promo.uses = max(0, promo.uses - 1)
    promo.dirty = True
    return True


def tx_json(tx: dict[str, Any]) -> dict[str, Any]:
    """The player's view of a purchase (TransactionOut's JSON) from its row as a dict of JSON-ready values."""
    return {k: tx[k] for k in TX_VIEW}


TX_VIEW = ("receipt_code", "status", "product_id", "kind", "currency", "quantity", "unit_price", "subtotal",
           "discount", "total", "gold_amount", "item_id", "item_quantity", "promo_code", "failure_reason",
           "gold_clawed_back", "gold_owed", "created_at", "settled_at", "expires_at")
ADMIN_VIEW = (*TX_VIEW, "id", "user_id", "gateway", "hold_state", "settled_by")
