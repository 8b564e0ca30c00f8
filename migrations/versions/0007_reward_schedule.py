"""reward schedule: the admin's override of the streak, welcome-gold and free-gold-cap settings

One row (id 1, created here) holds every field of the schedule as JSON; NULL means the CASINO_* settings apply.
The row always exists so that a change locks it and concurrent changes take turns.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 14:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import casino_club.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reward_schedule",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=True),
        sa.Column("updated_at", casino_club.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_reward_schedule_single_row")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_reward_schedule_updated_by_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_schedule")),
    )
    op.execute(sa.text("INSERT INTO reward_schedule (id) VALUES (1)"))


def downgrade() -> None:
    op.drop_table("reward_schedule")
