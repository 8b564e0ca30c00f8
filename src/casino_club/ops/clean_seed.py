"""Reset the seed accounts (admin, user001-004) to a clean demo state without breaking the ledger.

Child rows are found from the foreign keys in Base.metadata, so tables added by new features are
covered without editing this file: every table whose rows belong to a user (a foreign key to users
that is not SET NULL) and every table hanging below those. Deletes run children first, one table per
transaction; the balance is then reset through the settlement writer against System.ADMIN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, select, update
from sqlalchemy.sql.elements import ColumnElement

import casino_club.models  # noqa: F401  - registers every model so the metadata is complete
from casino_club.auth.models import User
from casino_club.db import Base
from casino_club.fairness.service import commit_seed_pair
from casino_club.kit.idempotency import user_scope
from casino_club.kit.idempotency_models import IdempotencyRecord
from casino_club.kit.runtime import Runtime
from casino_club.seed import SEED_ACCOUNTS
from casino_club.settlement.plan import Answer, Plan
from casino_club.settlement.unit import Unit
from casino_club.settlement.writer import SettlementWriter
from casino_club.wallet.models import Account, Transfer
from casino_club.wallet.service import System

RESET_GOLD = 1000
# Kept: the ledger account (gold is reset through transfers instead) and logins (sessions stay valid).
KEEP_TABLES = frozenset({"users", "accounts", "transfers", "auth_sessions", "refresh_tokens"})


@dataclass
class CleanSeedReport:
    """What clean-seed did."""

    users: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    gold_moves: dict[str, int] = field(default_factory=dict)
    voided: int = 0  # pending purchases voided (their held stock released) before the deletes


def owned_tables(user_ids: list[int]) -> list[tuple[Table, ColumnElement[bool]]]:
    """(table, condition) for every table holding rows of these users, children before parents."""
    users = Base.metadata.tables["users"]
    conditions: dict[str, ColumnElement[bool]] = {}
    for table in Base.metadata.sorted_tables:  # parents first, so a parent's condition exists already
        if table.name in KEEP_TABLES:
            continue
        parts: list[ColumnElement[bool]] = []
        for fk in table.foreign_keys:
            if (fk.ondelete or "").upper() == "SET NULL":
                continue  # a reference, not ownership (created_by, actor_id…)
            parent = fk.column.table
            if parent is users:
                parts.append(fk.parent.in_(user_ids))
            elif parent.name in conditions and parent is not table:
                parts.append(fk.parent.in_(select(fk.column).where(conditions[parent.name])))
        if parts:
            cond = parts[0]
            for extra in parts[1:]:
                cond = cond | extra
            conditions[table.name] = cond
    ordered = [t for t in reversed(Base.metadata.sorted_tables) if t.name in conditions]
    return [(t, conditions[t.name]) for t in ordered]


@dataclass(kw_only=True)
class GoldResetPlan(Plan):
    """Set a player's balance to `target` through the ledger (against System.ADMIN) and tell his tabs."""

    target: int

    def apply(self, unit: Unit) -> Answer:
        balance = unit.player(self.user_id).wallet.balance
        if balance > self.target:
            unit.debit(self.user_id, balance - self.target, System.ADMIN, "clean_seed")
        elif balance < self.target:
            unit.credit(self.user_id, self.target - balance, System.ADMIN, "clean_seed")
        unit.emit(self.user_id, "profile_update", unit.profile(self.user_id))
        return Answer(200, {"moved": self.target - balance})


async def _void_pending_purchases(rt: Runtime, writer: SettlementWriter, user_ids: list[int]) -> int:
    # A pending purchase holds limited-package stock; void it the shop's way so the units go back to stock
    # before its row is deleted (deleting it directly would leak the held units forever).
    from casino_club.shop.models import ShopTransaction
    from casino_club.shop.plans import PurchaseStepPlan

    t = ShopTransaction
    async with rt.sessionmaker() as session:
        pending = (await session.execute(select(t.id, t.user_id, t.package_id, t.promo_id).where(
            t.user_id.in_(user_ids), t.status == "pending"))).all()
    voided = 0
    for tx_id, user_id, package_id, promo_id in pending:
        answer = await writer.settle(PurchaseStepPlan(
            user_id=user_id, tx_id=tx_id, package_id=package_id, promo_id=promo_id, action="voided", by="clean_seed",
            reason="CLEAN_SEED", answer="webhook"))
        voided += bool(answer.body["applied"])
    return voided


async def clean_seed(rt: Runtime) -> CleanSeedReport:
    """Delete the seed accounts' child rows (one table per transaction), then reset gold, XP and rank."""
    report = CleanSeedReport()
    async with rt.sessionmaker() as session:
        rows = (await session.execute(select(User.site_id_lower, User.id)
                                      .where(User.site_id_lower.in_(SEED_ACCOUNTS)))).all()
    report.users = {site_id: uid for site_id, uid in rows}
    ids = list(report.users.values())
    if not ids:
        return report
    writer = SettlementWriter(rt, commit_seed_pair)
    report.voided = await _void_pending_purchases(rt, writer, ids)
    for table, condition in owned_tables(ids):
        async with rt.transaction() as session:
            result = cast(CursorResult[Any], await session.execute(delete(table).where(condition)))
            report.deleted[table.name] = result.rowcount or 0
    async with rt.transaction() as session:
        result = cast(CursorResult[Any], await session.execute(delete(IdempotencyRecord).where(
            IdempotencyRecord.scope.in_([user_scope(uid) for uid in ids]))))
        report.deleted[IdempotencyRecord.__tablename__] = result.rowcount or 0
    async with rt.transaction() as session:
        # The deleted rows' ids come back on SQLite (a new id is the largest + 1), and the transfers that stay
        # carry dedupe keys built from them ("round:7:payout"): free those keys, or a new round 7 could not pay.
        accounts = select(Account.id).where(Account.user_id.in_(ids))
        await session.execute(update(Transfer).where(
            Transfer.dedupe_key.is_not(None),
            Transfer.debit_account_id.in_(accounts) | Transfer.credit_account_id.in_(accounts)).values(dedupe_key=None))
    for site_id, uid in report.users.items():
        async with rt.transaction() as session:
            defaults = {c.name: c.default.arg for c in User.__table__.columns
                        if c.name in ("xp", "vip_points", "rank") and c.default is not None}
            await session.execute(update(User).where(User.id == uid).values(**defaults))
        answer = await writer.settle(GoldResetPlan(user_id=uid, target=RESET_GOLD))
        report.gold_moves[site_id] = answer.body["moved"]
        await rt.kv.reset(f"login:{site_id}")
    await writer.close()
    return report
