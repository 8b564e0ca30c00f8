"""Shop tables: products, limited packages, promo codes, purchase transactions and webhook guards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casino_club.db import Base, BigId, UTCDateTime

GOLD_PACK = "gold_pack"
ITEM = "item"


class Product(Base):
    """A catalog entry: a gold pack priced in cents or an item priced in gold."""

    __tablename__ = "shop_products"
    __table_args__ = (
        CheckConstraint("kind IN ('gold_pack', 'item')", name="kind_valid"),
        CheckConstraint("price >= 0", name="price_non_negative"),
        CheckConstraint("discount_percent >= 0 AND discount_percent <= 100", name="discount_range"),
        CheckConstraint("kind <> 'gold_pack' OR gold_amount > 0", name="pack_has_gold"),
        CheckConstraint("kind <> 'item' OR item_id IS NOT NULL", name="item_has_item"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))  # Korean
    description_en: Mapped[str | None] = mapped_column(String(500))
    # Cents for gold packs (real money), gold for items.
    price: Mapped[int] = mapped_column(BigInteger)
    gold_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    item_id: Mapped[str | None] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"))
    item_quantity: Mapped[int] = mapped_column(Integer, default=1)
    discount_percent: Mapped[int] = mapped_column(Integer, default=0)
    discount_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    min_rank: Mapped[str] = mapped_column(String(16), default="STANDARD")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LimitedPackage(Base):
    """Stock, sale window and per-player limit attached to one product; `stock` is what is still sellable."""

    __tablename__ = "shop_limited_packages"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_non_negative"),
        CheckConstraint("per_user_limit IS NULL OR per_user_limit > 0", name="limit_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("shop_products.id", ondelete="RESTRICT"), unique=True)
    stock: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    per_user_limit: Mapped[int | None] = mapped_column(Integer)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LimitedAllowance(Base):
    """Units of a limited package a player has bought or holds; bumped by a conditional UPDATE."""

    __tablename__ = "shop_limited_allowances"
    __table_args__ = (UniqueConstraint("package_id", "user_id"), CheckConstraint("used >= 0", name="used_non_negative"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("shop_limited_packages.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    used: Mapped[int] = mapped_column(Integer, default=0)


class PromoCode(Base):
    """A discount code: percent or fixed, global or for one product, capped uses, once per player."""

    __tablename__ = "shop_promo_codes"
    __table_args__ = (
        CheckConstraint("kind IN ('percent', 'fixed')", name="kind_valid"),
        CheckConstraint("value > 0", name="value_positive"),
        CheckConstraint("kind <> 'percent' OR value <= 100", name="percent_range"),
        CheckConstraint("max_uses IS NULL OR uses <= max_uses", name="uses_capped"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # stored upper-case
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[int] = mapped_column(BigInteger)  # percent, or an amount in the product's currency
    product_id: Mapped[int | None] = mapped_column(ForeignKey("shop_products.id", ondelete="RESTRICT"))
    max_uses: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PromoRedemption(Base):
    """One player's use of a promo code (unique: once per player)."""

    __tablename__ = "shop_promo_redemptions"
    __table_args__ = (UniqueConstraint("promo_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    promo_id: Mapped[int] = mapped_column(ForeignKey("shop_promo_codes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    receipt_code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ShopTransaction(Base):
    """One purchase: pending → success | failed | voided; success → refunded."""

    __tablename__ = "shop_transactions"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'success', 'failed', 'voided', 'refunded')", name="status_valid"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("total >= 0 AND gold_owed >= 0 AND gold_clawed_back >= 0", name="amounts_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    receipt_code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    product_id: Mapped[int] = mapped_column(ForeignKey("shop_products.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(8))  # 'cents' | 'gold'
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    subtotal: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger)
    gold_amount: Mapped[int] = mapped_column(BigInteger, default=0)  # gold credited on success (packs)
    item_id: Mapped[str | None] = mapped_column(String(64))
    item_quantity: Mapped[int] = mapped_column(Integer, default=0)
    promo_id: Mapped[int | None] = mapped_column(ForeignKey("shop_promo_codes.id", ondelete="SET NULL"))
    promo_code: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    failure_reason: Mapped[str | None] = mapped_column(String(40))
    gateway: Mapped[str | None] = mapped_column(String(16))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("shop_limited_packages.id", ondelete="SET NULL"))
    hold_state: Mapped[str | None] = mapped_column(String(10))  # held | consumed | released | returned (refunded)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # pending purchases are voided then
    gold_clawed_back: Mapped[int] = mapped_column(BigInteger, default=0)
    gold_owed: Mapped[int] = mapped_column(BigInteger, default=0)  # refund the balance could not cover
    settled_by: Mapped[str | None] = mapped_column(String(16))  # gateway | webhook | poll | admin | expiry
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


Index("ix_shop_transactions_user", ShopTransaction.user_id, ShopTransaction.id)
Index("ix_shop_transactions_user_status", ShopTransaction.user_id, ShopTransaction.status)
Index("ix_shop_transactions_pending", ShopTransaction.status, ShopTransaction.expires_at)
Index("ix_shop_transactions_holds", ShopTransaction.hold_state, ShopTransaction.hold_expires_at)


class WebhookNonce(Base):
    """A payment-webhook nonce seen recently; the primary key makes a replay fail on every instance."""

    __tablename__ = "shop_webhook_nonces"

    nonce: Mapped[str] = mapped_column(String(128), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class WebhookEvent(Base):
    """A processed payment-webhook event id (de-duplication)."""

    __tablename__ = "shop_webhook_events"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    receipt_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
