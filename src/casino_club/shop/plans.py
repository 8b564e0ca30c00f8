"""Shop purchases as settlement plans: a buy, and every later step of a purchase (gateway reply, webhook, poll,
admin decision, expiry, refund) as one state-machine plan. Gold, stock, promo uses and events move together.

Shared rows (limited packages, promo codes) are locked in the group's read after the players; the purchase
row itself only changes under its player's lock, which the group already holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from casino_club.admin.audit import AuditContext
from casino_club.admin.gold import AUDIT
from casino_club.kit.errors import DomainError
from casino_club.kit.ids import receipt_code
from casino_club.kit.jsonfast import dumps, json_time
from casino_club.ops.metrics import PURCHASES
from casino_club.settlement.plan import Answer, Plan, error_answer
from casino_club.settlement.rules.ledger import claw_back
from casino_club.settlement.store import NOW, Read, Store, Write, parse_time
from casino_club.settlement.unit import GroupRetry, Unit
from casino_club.shop import errors
from casino_club.shop.models import GOLD_PACK, ITEM
from casino_club.shop.rules import (
    ADMIN_VIEW,
    TX_VIEW,
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
from casino_club.wallet.service import System

TX_COLUMNS = ("id", "receipt_code", "user_id", "product_id", "kind", "currency", "quantity", "unit_price", "subtotal",
              "discount", "total", "gold_amount", "item_id", "item_quantity", "promo_id", "promo_code", "status",
              "failure_reason", "gateway", "package_id", "hold_state", "hold_expires_at", "expires_at",
              "gold_clawed_back", "gold_owed", "settled_by", "created_at", "updated_at", "settled_at")
_TIMES = {"hold_expires_at", "expires_at", "created_at", "updated_at", "settled_at", "discount_ends_at", "starts_at",
          "ends_at"}


def _time(value: Any) -> datetime | None:
    return None if value is None else parse_time(value)


def _products_sql(store: Store) -> str:
    return store.rows_as_json(
        "id, kind, price, gold_amount, item_id, item_quantity, discount_percent, discount_ends_at, min_rank, active, "
        "deleted_at IS NOT NULL", f"FROM shop_products WHERE id {store.among(10, 'bigint')}")


def _packages_where(store: Store) -> str:
    return f"(product_id {store.among(10, 'bigint')} OR id {store.among(10, 'bigint')})"


def _packages_sql(store: Store) -> str:
    return store.locked_rows_as_json(
        "id, product_id, stock, sold, per_user_limit, starts_at, ends_at, enabled",
        f"FROM shop_limited_packages WHERE {_packages_where(store)} ORDER BY id")


def _allowances_sql(store: Store) -> str:
    return store.rows_as_json(
        "package_id, user_id, used", f"FROM shop_limited_allowances WHERE user_id {store.among(5, 'bigint')} AND "
        f"package_id IN (SELECT id FROM shop_limited_packages WHERE {_packages_where(store)})")


def _promos_sql(store: Store) -> str:
    return store.locked_rows_as_json(
        "id, code, kind, value, product_id, max_uses, uses, starts_at, ends_at, active, deleted_at IS NOT NULL",
        f"FROM shop_promo_codes WHERE id {store.among(10, 'bigint')} ORDER BY id")


def _redemptions_sql(store: Store) -> str:
    return store.rows_as_json("promo_id, user_id, receipt_code", f"FROM shop_promo_redemptions WHERE user_id "
                                                                 f"{store.among(5, 'bigint')} AND promo_id "
                                                                 f"{store.among(10, 'bigint')}")


def _txs_sql(store: Store) -> str:
    return store.locked_rows_as_json(", ".join(TX_COLUMNS), f"FROM shop_transactions WHERE id "
                                                            f"{store.among(10, 'bigint')} ORDER BY id")


def _product(r: list[Any]) -> ProductRow:
    return ProductRow(int(r[0]), r[1], int(r[2]), int(r[3]), r[4], int(r[5]), int(r[6]), _time(r[7]), r[8],
                      bool(r[9]), bool(r[10]))


def _package(r: list[Any]) -> PackageRow:
    return PackageRow(int(r[0]), int(r[1]), int(r[2]), int(r[3]), None if r[4] is None else int(r[4]), _time(r[5]),
                      _time(r[6]), bool(r[7]))


def _promo(r: list[Any]) -> PromoRow:
    return PromoRow(int(r[0]), r[1], r[2], int(r[3]), None if r[4] is None else int(r[4]),
                    None if r[5] is None else int(r[5]), int(r[6]), _time(r[7]), _time(r[8]), bool(r[9]), bool(r[10]))


def _tx(r: list[Any]) -> dict[str, Any]:
    return {c: (_time(v) if c in _TIMES else v) for c, v in zip(TX_COLUMNS, r, strict=True)}


PRODUCTS = Read("shop_products", _products_sql, lambda rows: {int(r[0]): _product(r) for r in rows})
PACKAGES = Read("shop_packages", _packages_sql, lambda rows: {int(r[0]): _package(r) for r in rows})
ALLOWANCES = Read("shop_allowances", _allowances_sql,
                  lambda rows: {(int(r[0]), int(r[1])): int(r[2]) for r in rows})
PROMOS = Read("shop_promos", _promos_sql, lambda rows: {int(r[0]): _promo(r) for r in rows})
REDEMPTIONS = Read("shop_redemptions", _redemptions_sql,
                   lambda rows: {(int(r[0]), int(r[1])): r[2] for r in rows})
TXS = Read("shop_txs", _txs_sql, lambda rows: {int(r[0]): _tx(r) for r in rows})

_NEW_COLUMNS = (("receipt_code", "text"), ("user_id", "bigint"), ("product_id", "bigint"), ("kind", "text"),
                ("currency", "text"), ("quantity", "int"), ("unit_price", "bigint"), ("subtotal", "bigint"),
                ("discount", "bigint"), ("total", "bigint"), ("gold_amount", "bigint"), ("item_id", "text"),
                ("item_quantity", "int"), ("promo_id", "bigint"), ("promo_code", "text"), ("status", "text"),
                ("failure_reason", "text"), ("gateway", "text"), ("package_id", "bigint"), ("hold_state", "text"),
                ("hold_expires_at", "timestamptz"), ("expires_at", "timestamptz"), ("gold_clawed_back", "bigint"),
                ("gold_owed", "bigint"), ("settled_by", "text"), ("settled_at", "timestamptz"))
TX_NEW = Write("shop_tx_new", "shop_transactions", _NEW_COLUMNS, (("created_at", NOW), ("updated_at", NOW)))
_SET_COLUMNS = (("id", "bigint"), ("status", "text"), ("failure_reason", "text"), ("settled_by", "text"),
                ("settled_at", "timestamptz"), ("hold_state", "text"), ("gold_clawed_back", "bigint"),
                ("gold_owed", "bigint"))
TX_SET = Write("shop_tx_set", "shop_transactions", _SET_COLUMNS, (("updated_at", NOW),), keys=1)
PACKAGE_SET = Write("shop_package_set", "shop_limited_packages", (("id", "bigint"), ("stock", "int"), ("sold", "int")),
                    (("updated_at", NOW),), keys=1)
ALLOWANCE_SET = Write("shop_allowance_set", "shop_limited_allowances", (
    ("package_id", "bigint"), ("user_id", "bigint"), ("used", "int")), conflict=("package_id", "user_id"),
    merge=(("used", "set"),))
PROMO_SET = Write("shop_promo_set", "shop_promo_codes", (("id", "bigint"), ("uses", "int")), (("updated_at", NOW),),
                  keys=1)
# Deletes first in the write order is not guaranteed on PostgreSQL (one statement): a plan never re-redeems a
# code whose redemption the same group released (it retries alone instead).
REDEEM_DEL = Write("shop_redeem_del", "shop_promo_redemptions", (
    ("promo_id", "bigint"), ("user_id", "bigint"), ("receipt_code", "text")), delete=True)
REDEEM_NEW = Write("shop_redeem_new", "shop_promo_redemptions", (
    ("promo_id", "bigint"), ("user_id", "bigint"), ("receipt_code", "text")), (("created_at", NOW),))
WEBHOOK_EVENT = Write("shop_webhook_event", "shop_webhook_events", (
    ("event_id", "text"), ("receipt_code", "text"), ("status", "text"), ("result", "text")),
    (("received_at", NOW),))

STOCK_READS = (PACKAGES, ALLOWANCES, PROMOS, REDEMPTIONS)
STOCK_WRITES = (TX_NEW, TX_SET, PACKAGE_SET, ALLOWANCE_SET, PROMO_SET, REDEEM_DEL, REDEEM_NEW)


def _stock(unit: Unit) -> Stock:
    """The group's one view of packages, allowances, promos and redemptions (shared by every shop plan)."""
    found = unit.extra.get("shop_stock")
    if found is None:
        found = unit.extra["shop_stock"] = Stock(unit.extra["shop_packages"], unit.extra["shop_allowances"],
                                                 unit.extra["shop_promos"], unit.extra["shop_redemptions"])
    return found


def _flush(unit: Unit) -> None:
    """Rows of every shop change of the group, one per key (once, whichever shop plan class finishes first)."""
    if unit.extra.get("shop_flushed"):
        return
    unit.extra["shop_flushed"] = True
    stock = _stock(unit)
    for p in stock.packages.values():
        if p.dirty:
            unit.rows.add("shop_package_set", (p.id, p.stock, p.sold))
    for key in sorted(stock.allowances_dirty):
        unit.rows.add("shop_allowance_set", (*key, stock.allowances[key]))
    for promo in stock.promos.values():
        if promo.dirty:
            unit.rows.add("shop_promo_set", (promo.id, promo.uses))
    for row in stock.released:
        unit.rows.add("shop_redeem_del", row)
    for row in stock.redeemed:
        unit.rows.add("shop_redeem_new", row)
    for tx in unit.extra.get("shop_changed", {}).values():
        unit.rows.add("shop_tx_set", tuple(tx[c] for c, _ in _SET_COLUMNS))


def view(tx: dict[str, Any], admin: bool = False) -> dict[str, Any]:
    """The JSON view of a purchase: the player's (TransactionOut) or the admins' (AdminTransactionOut)."""
    return {c: (json_time(tx[c]) if c in _TIMES and tx[c] is not None else tx[c])
            for c in (ADMIN_VIEW if admin else TX_VIEW)}


def _count(unit: Unit, outcome: str, reason: str = "") -> None:
    unit.after_commit.append(lambda: PURCHASES.labels(outcome, reason).inc())


def _notify(unit: Unit, tx: dict[str, Any], profile: bool = True) -> None:
    unit.emit(tx["user_id"], "purchase_update", view(tx))
    if profile:
        unit.emit(tx["user_id"], "profile_update", unit.profile(tx["user_id"]))


def _record_success(unit: Unit, tx: dict[str, Any]) -> None:
    spent = tx["total"] if tx["currency"] == "gold" else 0
    unit.record_action(tx["user_id"], "purchase", {
        "product_id": tx["product_id"], "kind": tx["kind"], "quantity": tx["quantity"], "total": tx["total"],
        "currency": tx["currency"], "gold": tx["gold_amount"], "item_id": tx["item_id"],
        "item_quantity": tx["item_quantity"]}, reference=tx["receipt_code"])
    unit.progress(tx["user_id"], {"purchases": 1, "gold_spent": spent})
    _count(unit, "success")
    _notify(unit, tx)


@dataclass(kw_only=True)
class BuyPlan(Plan):
    """Buy a product: an item is paid in gold at once; a gold pack opens a pending purchase for the gateway."""

    product_id: int
    quantity: int
    promo_id: int | None = None  # the code as the caller's read found it (None: no such code)
    promo_code: str | None = None
    gateway: str = "sandbox"
    pending_s: int = 900
    hold_s: int = 600

    metrics: ClassVar[tuple[str, ...]] = ("purchases", "gold_spent")
    reads: ClassVar[tuple[Read, ...]] = (PRODUCTS, *STOCK_READS)
    writes: ClassVar[tuple[Write, ...]] = STOCK_WRITES

    def ref_ids(self) -> tuple[int, ...]:
        return (self.product_id,) if self.promo_id is None else (self.product_id, self.promo_id)

    @classmethod
    def finish(cls, unit: Unit) -> None:
        _flush(unit)

    def apply(self, unit: Unit) -> Answer:
        uid, now, stock = self.user_id, unit.now, _stock(unit)
        product = buyable(unit.extra["shop_products"].get(self.product_id), self.product_id,
                          unit.player(uid).base_profile["rank"])
        package = next((p for p in stock.packages.values() if p.product_id == product.id), None)
        if package is not None:
            check_reserve(package, stock.allowances.get((package.id, uid), 0), self.quantity, now)
        subtotal = unit_price(product, now) * self.quantity
        promo, discount = None, 0
        if self.promo_code is not None:
            promo = check_promo(stock.promos.get(self.promo_id) if self.promo_id else None, product.id, uid, stock,
                                now)
            if any(r[:2] == (promo.id, uid) for r in stock.released):
                raise GroupRetry(errors.PromoInvalid({"reason": "already_used"}))  # see REDEEM_DEL
            discount = promo_discount(promo.kind, promo.value, subtotal)
        receipt, is_item = receipt_code("SP"), product.kind == ITEM
        total = subtotal - discount
        if is_item and total > 0:  # the first change: short of gold, nothing has moved
            unit.debit(uid, total, System.SHOP, "shop_purchase", receipt, f"purchase:{receipt}:debit")
        if package is not None:
            take_units(stock, package, uid, self.quantity)
        if promo is not None:
            use_promo(stock, promo, uid, receipt)
        tx: dict[str, Any] = {
            "receipt_code": receipt, "user_id": uid, "product_id": product.id, "kind": product.kind,
            "currency": "gold" if is_item else "cents", "quantity": self.quantity,
            "unit_price": unit_price(product, now), "subtotal": subtotal, "discount": discount, "total": total,
            "gold_amount": 0 if is_item else product.gold_amount * self.quantity,
            "item_id": product.item_id if is_item else None,
            "item_quantity": product.item_quantity * self.quantity if is_item else 0,
            "promo_id": promo.id if promo else None, "promo_code": promo.code if promo else None,
            "status": "success" if is_item else "pending", "failure_reason": None,
            "gateway": None if is_item else self.gateway, "package_id": package.id if package else None,
            "hold_state": None if package is None else ("consumed" if is_item else "held"),
            "hold_expires_at": now + timedelta(seconds=self.hold_s) if package is not None and not is_item else None,
            "expires_at": None if is_item else now + timedelta(seconds=self.pending_s),
            "gold_clawed_back": 0, "gold_owed": 0, "settled_by": "instant" if is_item else None,
            "settled_at": now if is_item else None, "created_at": now}
        unit.add("shop_tx_new", tuple(tx[c] for c, _ in _NEW_COLUMNS))
        if not is_item:
            self.key_mode = "hold"  # the request's answer comes with the gateway's reply (purchase.buy)
        if is_item:
            if package is not None:
                package.sold += self.quantity
            assert product.item_id is not None
            unit.add_items(uid, product.item_id, tx["item_quantity"])
            _record_success(unit, tx)
        return Answer(200, view(tx) | {"gold": unit.player(uid).wallet.balance})


@dataclass(kw_only=True)
class PurchaseStepPlan(Plan):
    """One step of an existing purchase (pre-read by receipt: its id, package and promo are immutable).

    `action`: success | failed | voided (pending only), refund (a successful gold pack), release_hold (a pending
    purchase's expired stock hold), pending (the gateway has not decided yet: the player is told) or view
    (nothing to do). `answer`: the
    purchase as the player sees it, with the balance (`purchase`), as admins see it (`admin`, audited, 409
    INVALID_TRANSITION if nothing applied) or the webhook's reply (`webhook`).
    """

    tx_id: int
    package_id: int | None = None
    promo_id: int | None = None
    action: str
    by: str
    reason: str | None = None
    answer: str = "purchase"
    declined_as_error: bool = False  # the gateway's own decline: 402 PAYMENT_DECLINED, the purchase kept
    event_id: str | None = None  # the webhook's event id (recorded with its result)
    audit: AuditContext | None = None
    audit_reason: str | None = None
    request_id: str | None = None

    metrics: ClassVar[tuple[str, ...]] = ("purchases", "gold_spent")
    reads: ClassVar[tuple[Read, ...]] = (TXS, *STOCK_READS)
    writes: ClassVar[tuple[Write, ...]] = (*STOCK_WRITES, WEBHOOK_EVENT, AUDIT)

    def ref_ids(self) -> tuple[int, ...]:
        return tuple(i for i in (self.tx_id, self.package_id, self.promo_id) if i is not None)

    def new_ids(self) -> dict[str, int]:
        return {"audit_logs": 1} if self.audit is not None else {}

    @classmethod
    def finish(cls, unit: Unit) -> None:
        _flush(unit)

    def apply(self, unit: Unit) -> Answer:
        tx = unit.extra["shop_txs"].get(self.tx_id)
        if tx is None or tx["user_id"] != self.user_id:
            raise errors.ReceiptNotFound({"tx_id": self.tx_id})
        before = tx["status"]
        if self.answer == "admin" and before != "pending":
            raise errors.InvalidTransition({"status": before, "receipt_code": tx["receipt_code"]})
        applied = self._step(unit, tx)
        if applied:
            unit.extra.setdefault("shop_changed", {})[self.tx_id] = tx
            tx["updated_at"] = unit.now
        if self.event_id is not None:
            unit.add("shop_webhook_event", (self.event_id, tx["receipt_code"], self.action,
                                            "applied" if applied else "ignored"))
        if self.answer == "webhook":
            return Answer(200, {"ok": True, "duplicate": False, "applied": applied,
                                "receipt_code": tx["receipt_code"], "status": tx["status"]})
        if self.answer == "admin":
            assert self.audit is not None
            audit_id = unit.new_id("audit_logs")
            unit.add("audit", (audit_id, self.audit.actor_id, "shop.transaction.force_settle", "shop_transaction",
                               tx["receipt_code"], dumps({"status": before}),
                               dumps({"status": tx["status"], "requested": self.action, "reason": self.audit_reason,
                                      "failure_reason": tx["failure_reason"]}), self.audit.ip,
                               self.audit.request_id))
            return Answer(200, view(tx, admin=True))
        if self.declined_as_error and applied and tx["status"] == "failed":
            return error_answer(errors.PaymentDeclined({"receipt_code": tx["receipt_code"], "status": "failed"}),
                                self.lang, self.request_id)
        return Answer(200, view(tx) | {"gold": unit.player(self.user_id).wallet.balance})

    def _step(self, unit: Unit, tx: dict[str, Any]) -> bool:
        if self.action == "view":
            return False
        if self.action == "pending":
            if tx["status"] == "pending":
                _count(unit, "pending")
                _notify(unit, tx, profile=False)
            return False
        if self.action == "refund":
            return tx["status"] == "success" and tx["kind"] == GOLD_PACK and self._refund(unit, tx)
        if tx["status"] != "pending":
            return False
        if self.action == "release_hold":
            return self._release_hold(unit, tx)
        tx["settled_at"], tx["settled_by"] = unit.now, self.by
        if self.action == "success":
            self._succeed(unit, tx)
        else:
            self._fail(unit, tx)
        return True

    def _package(self, unit: Unit, tx: dict[str, Any]) -> PackageRow | None:
        return None if tx["package_id"] is None else _stock(unit).packages.get(tx["package_id"])

    def _promo(self, unit: Unit, tx: dict[str, Any]) -> PromoRow | None:
        return None if tx["promo_id"] is None else _stock(unit).promos.get(tx["promo_id"])

    def _release_hold(self, unit: Unit, tx: dict[str, Any]) -> bool:
        package = self._package(unit, tx)
        if tx["hold_state"] != "held" or tx["hold_expires_at"] is None or tx["hold_expires_at"] > unit.now:
            return False
        tx["hold_state"] = "released"
        if package is not None:
            give_back_units(_stock(unit), package, tx["user_id"], tx["quantity"])
        return True

    def _succeed(self, unit: Unit, tx: dict[str, Any]) -> None:
        stock, package, uid = _stock(unit), self._package(unit, tx), tx["user_id"]
        tx["status"] = "success"
        if package is not None and tx["hold_state"] == "released":
            # The hold ran out; take the units again if they are still there, or never oversell: the charge
            # is reversed (failed) and the promo use given back.
            try:
                check_reserve(package, stock.allowances.get((package.id, uid), 0), tx["quantity"], unit.now)
            except (errors.OutOfStock, errors.UserLimit, errors.WindowClosed) as exc:
                lost = exc.code if not isinstance(exc, errors.WindowClosed) else errors.OutOfStock.code
                tx["status"], tx["failure_reason"] = "failed", lost
                release_promo(stock, self._promo(unit, tx), uid, tx["receipt_code"])
                unit.record_action(uid, "purchase_failed", {"reason": lost}, reference=tx["receipt_code"])
                _count(unit, "failed", lost)
                _notify(unit, tx, profile=False)
                return
            take_units(stock, package, uid, tx["quantity"])
        if package is not None and tx["hold_state"] is not None:
            tx["hold_state"] = "consumed"
            package.sold += tx["quantity"]
            package.dirty = True
        unit.credit(uid, tx["gold_amount"], System.SHOP, "purchase", tx["receipt_code"],
                    f"purchase:{tx['receipt_code']}:credit")
        _record_success(unit, tx)

    def _fail(self, unit: Unit, tx: dict[str, Any]) -> None:
        to = "voided" if self.action == "voided" else "failed"
        reason = self.reason or ("EXPIRED" if to == "voided" else "PAYMENT_DECLINED")
        tx["status"], tx["failure_reason"] = to, reason
        stock, package, uid = _stock(unit), self._package(unit, tx), tx["user_id"]
        if tx["hold_state"] == "held":
            tx["hold_state"] = "released"
            if package is not None:
                give_back_units(stock, package, uid, tx["quantity"])
        release_promo(stock, self._promo(unit, tx), uid, tx["receipt_code"])
        unit.record_action(uid, f"purchase_{to}", {"reason": reason}, reference=tx["receipt_code"])
        _count(unit, to, reason)
        _notify(unit, tx, profile=False)

    def _refund(self, unit: Unit, tx: dict[str, Any]) -> bool:
        uid, receipt = tx["user_id"], tx["receipt_code"]
        take, owed = claw_back(unit.player(uid).wallet, tx["gold_amount"])
        if take > 0:
            unit.debit(uid, take, System.SHOP, "purchase_refund", receipt, f"purchase:{receipt}:refund")
        if owed > 0:
            unit.owe(uid, owed, "purchase_refund", receipt)
        tx["status"], tx["gold_clawed_back"], tx["gold_owed"], tx["settled_by"] = "refunded", take, owed, self.by
        package = self._package(unit, tx)
        if tx["hold_state"] == "consumed":  # a limited unit is sellable again, in this same transaction
            tx["hold_state"] = "returned"
            if package is not None:
                give_back_units(_stock(unit), package, uid, tx["quantity"])
                package.sold = max(0, package.sold - tx["quantity"])
        unit.record_action(uid, "purchase_refunded", {"clawed_back": take, "owed": owed}, reference=receipt)
        _count(unit, "refunded")
        _notify(unit, tx)
        return True


def step_failed(exc: DomainError) -> None:
    """Count a refused buy by its reason code (a decline is counted by its step)."""
    if not isinstance(exc, errors.PaymentDeclined):
        PURCHASES.labels("rejected", exc.code).inc()
