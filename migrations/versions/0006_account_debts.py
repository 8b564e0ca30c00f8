"""account debts: gold a refund claw-back could not take is owed, and later credits pay it first

`accounts.owed` is what the player owes now; `account_debts` records each debt as it arose (the refund that
left it), so `ledger verify` can prove owed = debts - repayment transfers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 11:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import casino_club.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("owed", sa.BigInteger(), nullable=False, server_default="0"))
        batch.create_check_constraint(op.f("ck_accounts_owed_non_negative"), "owed >= 0")
    op.create_table(
        "account_debts",
        sa.Column("id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(128), nullable=True),
        sa.Column("created_at", casino_club.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_account_debts_amount_positive")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_account_debts_account_id_accounts"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_debts")),
    )
    op.create_index("ix_account_debts_account", "account_debts", ["account_id", "id"])
    # Debts recorded before this table existed: refunds whose shortfall was never collected.
    op.execute(sa.text(
        "INSERT INTO account_debts (account_id, amount, reason, reference, created_at) "
        "SELECT a.id, t.gold_owed, 'purchase_refund', t.receipt_code, t.updated_at FROM shop_transactions t "
        "JOIN accounts a ON a.user_id = t.user_id WHERE t.status = 'refunded' AND t.gold_owed > 0"))
    op.execute(sa.text(
        "UPDATE accounts SET owed = (SELECT COALESCE(SUM(d.amount), 0) FROM account_debts d "
        "WHERE d.account_id = accounts.id) WHERE kind = 'player'"))


def downgrade() -> None:
    op.drop_index("ix_account_debts_account", table_name="account_debts")
    op.drop_table("account_debts")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint(op.f("ck_accounts_owed_non_negative"), type_="check")
        batch.drop_column("owed")
