"""outbox_events: ix_outbox_unpublished holds only unpublished rows (id WHERE published_at IS NULL)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNPUBLISHED = sa.text("published_at IS NULL")


def upgrade() -> None:
    op.drop_index("ix_outbox_unpublished", table_name="outbox_events")
    op.create_index("ix_outbox_unpublished", "outbox_events", ["id"], postgresql_where=_UNPUBLISHED,
                    sqlite_where=_UNPUBLISHED)


def downgrade() -> None:
    op.drop_index("ix_outbox_unpublished", table_name="outbox_events")
    op.create_index("ix_outbox_unpublished", "outbox_events", ["published_at", "id"])
