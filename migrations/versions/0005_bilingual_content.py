"""bilingual content: English title/description/body columns beside the Korean ones

Events, mission templates, reward grants, notification campaigns and notifications get `*_en` text
(empty = fall back to Korean); products get `description_en`. Existing event and mission descriptions
were written in English, so they are copied into `description_en` too.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> English text columns (name, length)
_COLUMNS: dict[str, list[tuple[str, int]]] = {
    "engagement_events": [("title_en", 120), ("description_en", 2000)],
    "mission_templates": [("title_en", 120), ("description_en", 2000)],
    "reward_grants": [("title_en", 120)],
    "notification_campaigns": [("title_en", 120), ("body_en", 2000)],
    "notifications": [("title_en", 120), ("body_en", 2000)],
}


def upgrade() -> None:
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name, length in columns:
                batch.add_column(sa.Column(name, sa.String(length), nullable=False, server_default=""))
    with op.batch_alter_table("shop_products") as batch:
        batch.add_column(sa.Column("description_en", sa.String(500), nullable=True))
    for table in ("engagement_events", "mission_templates"):
        op.execute(sa.text(f"UPDATE {table} SET description_en = description"))  # noqa: S608 - fixed names


def downgrade() -> None:
    with op.batch_alter_table("shop_products") as batch:
        batch.drop_column("description_en")
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name, _length in columns:
                batch.drop_column(name)
