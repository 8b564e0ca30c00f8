"""Reset the seed accounts (admin, user001-004) to a clean demo state without breaking the ledger.

Child rows are found from the foreign keys in Base.metadata, so tables added by new features are
covered without editing this file: every table whose rows belong to a user (a foreign key to users
that is not SET NULL) and every table hanging below those. Deletes run children first, one table per
transaction; the balance is then reset through the ledger against System.ADMIN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, select, update
from sqlalchemy.sql.elements import ColumnElement

import casino_club.models  # noqa: F401  - registers every model so the metadata is complete
from casino_club.auth.models import User
from casino_club.auth.profile import load_profile
from casino_club.db import Base
from casino_club.kit.idempotency import user_scope
from casino_club.kit.idempotency_models import IdempotencyRecord
from casino_club.kit.runtime import Runtime
from casino_club.outbox.service import emit
from casino_club.seed import SEED_ACCOUNTS
from casino_club.wallet.models import Account
from casino_club.wallet.service import System, credit_player, debit_player

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


async def _void_pending_purchases(rt: Runtime, user_ids: list[int]) -> int:
    # A pending purchase holds limited-package stock; void it the shop's way so the units go back to stock
    # before its row is deleted (deleting it directly would leak the held units forever).
    from casino_club.shop.models import ShopTransaction
    from casino_club.shop.settle import fail

    voided = 0
    async with rt.sessionmaker() as session:
        pending = list((await session.execute(select(ShopTransaction.id).where(
            ShopTransaction.user_id.in_(user_ids), ShopTransaction.status == "pending"))).scalars())
    for tx_id in pending:
        async with rt.transaction() as session:
            tx = await session.get(ShopTransaction, tx_id)
            if tx is not None and await fail(session, tx, "voided", by="clean_seed", reason="CLEAN_SEED"):
                voided += 1
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
    report.voided = await _void_pending_purchases(rt, ids)
    for table, condition in owned_tables(ids):
        async with rt.transaction() as session:
            result = cast(CursorResult[Any], await session.execute(delete(table).where(condition)))
            report.deleted[table.name] = result.rowcount or 0
    async with rt.transaction() as session:
        result = cast(CursorResult[Any], await session.execute(delete(IdempotencyRecord).where(
            IdempotencyRecord.scope.in_([user_scope(uid) for uid in ids]))))
        report.deleted[IdempotencyRecord.__tablename__] = result.rowcount or 0
    for site_id, uid in report.users.items():
        async with rt.transaction() as session:
            # Lock the account row so a concurrent game cannot slip between reading and moving.
            balance = (await session.execute(select(Account.balance).where(Account.user_id == uid)
                                             .with_for_update())).scalar_one()
            if balance > RESET_GOLD:
                await debit_player(session, uid, balance - RESET_GOLD, sink=System.ADMIN, reason="clean_seed")
            elif balance < RESET_GOLD:
                await credit_player(session, uid, RESET_GOLD - balance, source=System.ADMIN, reason="clean_seed")
            report.gold_moves[site_id] = RESET_GOLD - balance
            defaults = {c.name: c.default.arg for c in User.__table__.columns
                        if c.name in ("xp", "vip_points", "rank") and c.default is not None}
            await session.execute(update(User).where(User.id == uid).values(**defaults))
            await emit(session, uid, "profile_update", (await load_profile(session, uid)).model_dump(mode="json"))
        await rt.kv.reset(f"login:{site_id}")
    return report
