"""Request and response bodies of the shop API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from casino_club.kit.lang import localize

Rank = Literal["STANDARD", "PREMIUM", "VIP"]
Kind = Literal["gold_pack", "item"]
Status = Literal["pending", "success", "failed", "voided", "refunded"]
RANK_ORDER = {"STANDARD": 0, "PREMIUM": 1, "VIP": 2}
MAX_PRICE = 1_000_000_000
MAX_ID = 2**62
CODE_PATTERN = r"^[A-Za-z0-9_-]{3,32}$"


class LimitedInfo(BaseModel):
    """Limited-package facts shown with a product."""

    package_id: int
    stock_remaining: int
    per_user_limit: int | None
    user_remaining: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    on_sale: bool


class ProductOut(BaseModel):
    """A catalog product with its effective (discounted) unit price."""

    id: int
    sku: str
    kind: Kind
    name_ko: str
    name_en: str
    description: str | None  # in the request's language (Korean fallback)
    description_ko: str | None = None
    description_en: str | None = None
    currency: Literal["cents", "gold"]
    price: int
    effective_price: int
    discount_percent: int
    discount_ends_at: datetime | None
    gold_amount: int
    item_id: str | None
    item_quantity: int
    min_rank: Rank
    purchasable: bool
    limited: LimitedInfo | None = None

    @model_validator(mode="after")
    def _localize(self) -> ProductOut:
        return localize(self, "description")


class AdminProductOut(ProductOut):
    """A product as admins see it (inactive and deleted ones included)."""

    active: bool
    sort_order: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class CatalogOut(BaseModel):
    """The catalog, split by kind."""

    gold_packs: list[ProductOut]
    items: list[ProductOut]


class BuyIn(BaseModel):
    """A purchase request."""

    model_config = ConfigDict(extra="forbid")
    product_id: int = Field(ge=1, le=MAX_ID, strict=True)
    quantity: int = Field(1, ge=1, le=99, strict=True)
    promo_code: str | None = Field(None, max_length=32)


class TransactionOut(BaseModel):
    """A purchase as the player sees it."""

    receipt_code: str
    status: Status
    product_id: int
    kind: Kind
    currency: Literal["cents", "gold"]
    quantity: int
    unit_price: int
    subtotal: int
    discount: int
    total: int
    gold_amount: int
    item_id: str | None
    item_quantity: int
    promo_code: str | None
    failure_reason: str | None
    gold_clawed_back: int
    gold_owed: int
    created_at: datetime
    settled_at: datetime | None
    expires_at: datetime | None


class PurchaseOut(TransactionOut):
    """The result of a buy: the transaction plus the balance afterwards."""

    gold: int


class AdminTransactionOut(TransactionOut):
    """A purchase as admins see it."""

    id: int
    user_id: int
    gateway: str | None
    hold_state: str | None
    settled_by: str | None


class TransactionPage(BaseModel):
    """A page of purchases, newest first."""

    items: list[TransactionOut]
    next_cursor: str | None


class AdminTransactionPage(BaseModel):
    """A page of purchases for admins, newest first."""

    items: list[AdminTransactionOut]
    next_cursor: str | None
    total_owed: int


class PendingCountOut(BaseModel):
    """How many of the player's purchases await settlement (the shop badge)."""

    pending: int


class ProductIn(BaseModel):
    """Create a product."""

    model_config = ConfigDict(extra="forbid")
    sku: str = Field(pattern=r"^[a-z0-9_.-]{2,64}$")
    kind: Kind
    name_ko: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    description: str | None = Field(None, max_length=500)  # Korean
    description_en: str | None = Field(None, max_length=500)
    price: int = Field(ge=0, le=MAX_PRICE, strict=True)
    gold_amount: int = Field(0, ge=0, le=MAX_PRICE, strict=True)
    item_id: str | None = Field(None, max_length=64)
    item_quantity: int = Field(1, ge=1, le=1000, strict=True)
    discount_percent: int = Field(0, ge=0, le=100, strict=True)
    discount_ends_at: AwareDatetime | None = None
    min_rank: Rank = "STANDARD"
    active: bool = True
    sort_order: int = Field(0, ge=-10_000, le=10_000)

    @model_validator(mode="after")
    def _shape(self) -> ProductIn:
        if self.kind == "gold_pack" and self.gold_amount <= 0:
            raise ValueError("a gold pack needs gold_amount > 0")
        if self.kind == "item" and not self.item_id:
            raise ValueError("an item product needs item_id")
        return self


class ProductUpdate(BaseModel):
    """Change some fields of a product (omitted fields stay as they are)."""

    model_config = ConfigDict(extra="forbid")
    name_ko: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=500)
    description_en: str | None = Field(None, max_length=500)
    price: int | None = Field(None, ge=0, le=MAX_PRICE, strict=True)
    gold_amount: int | None = Field(None, ge=1, le=MAX_PRICE, strict=True)
    item_quantity: int | None = Field(None, ge=1, le=1000, strict=True)
    discount_percent: int | None = Field(None, ge=0, le=100, strict=True)
    discount_ends_at: AwareDatetime | None = None
    min_rank: Rank | None = None
    active: bool | None = None
    sort_order: int | None = Field(None, ge=-10_000, le=10_000)


class LimitedIn(BaseModel):
    """Create a limited package on a product."""

    model_config = ConfigDict(extra="forbid")
    product_id: int = Field(ge=1, le=MAX_ID, strict=True)
    stock: int = Field(ge=0, le=10_000_000, strict=True)
    per_user_limit: int | None = Field(None, ge=1, le=10_000, strict=True)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _window(self) -> LimitedIn:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class LimitedUpdate(BaseModel):
    """Change a limited package (stock sets the remaining sellable units)."""

    model_config = ConfigDict(extra="forbid")
    stock: int | None = Field(None, ge=0, le=10_000_000, strict=True)
    per_user_limit: int | None = Field(None, ge=1, le=10_000, strict=True)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    enabled: bool | None = None


class LimitedOut(BaseModel):
    """A limited package with its product."""

    id: int
    product: ProductOut
    stock_remaining: int
    sold: int
    per_user_limit: int | None
    user_remaining: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    enabled: bool
    on_sale: bool


class PromoIn(BaseModel):
    """Create a promo code."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=CODE_PATTERN)
    kind: Literal["percent", "fixed"]
    value: int = Field(ge=1, le=MAX_PRICE, strict=True)
    product_id: int | None = Field(None, ge=1, le=MAX_ID, strict=True)
    max_uses: int | None = Field(None, ge=1, le=10_000_000, strict=True)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    active: bool = True

    @field_validator("code")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()

    @model_validator(mode="after")
    def _check(self) -> PromoIn:
        if self.kind == "percent" and self.value > 100:
            raise ValueError("a percent discount is at most 100")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class PromoUpdate(BaseModel):
    """Change a promo code."""

    model_config = ConfigDict(extra="forbid")
    max_uses: int | None = Field(None, ge=1, le=10_000_000, strict=True)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    active: bool | None = None


class PromoOut(BaseModel):
    """A promo code as admins see it."""

    model_config = ConfigDict(from_attributes=True)
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
    created_at: datetime
    deleted_at: datetime | None


class WebhookIn(BaseModel):
    """Body of a payment-gateway webhook (after its signature is checked)."""

    event_id: str | None = Field(None, min_length=1, max_length=128)
    receipt_code: str = Field(min_length=1, max_length=32)
    status: Literal["success", "failed", "refunded"]


class WebhookOut(BaseModel):
    """What the webhook did."""

    ok: bool = True
    duplicate: bool = False
    applied: bool = False
    receipt_code: str | None = None
    status: Status | None = None


class ForceSettleIn(BaseModel):
    """An admin's decision on a pending purchase."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["success", "failed"]
    reason: str = Field(min_length=2, max_length=120)
