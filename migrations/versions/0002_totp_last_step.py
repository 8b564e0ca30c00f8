"""users.totp_last_step: the newest accepted TOTP time step, so a code is accepted once

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 23:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("totp_last_step")
