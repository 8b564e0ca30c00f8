"""committed next server seed + client_seed_by_player; every user gets a pair; crash rounds keep their floats

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 02:00:00
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SERVER_PICKED = re.compile(r"[0-9a-f]{16}")  # what new_client_seed() made before this revision


def _seed() -> tuple[str, str]:
    seed = secrets.token_hex(32)
    return seed, hashlib.sha256(seed.encode("utf-8")).hexdigest()


def _words(server_seed: str, client_seed: str, nonce: int) -> tuple[int, int]:
    # The round's first two stream floats as 32-bit words (fairness.engine.outcome_floats, round 0).
    digest = hmac.digest(server_seed.encode("utf-8"), f"{client_seed}:{nonce}:0".encode(), "sha256")
    return int.from_bytes(digest[0:4], "big"), int.from_bytes(digest[4:8], "big")


def _crash_words(bind: sa.Connection) -> None:
    with op.batch_alter_table("crash_rounds") as batch_op:
        batch_op.add_column(sa.Column("crash_word", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("round_word", sa.BigInteger(), nullable=True))
    # Rounds still open settle by the new rules, so they need their floats (settled ones keep NULL).
    rows = bind.execute(sa.text(
        "SELECT c.round_id, p.server_seed, r.client_seed, r.nonce FROM crash_rounds c "
        "JOIN game_rounds r ON r.id = c.round_id JOIN fairness_seed_pairs p ON p.id = c.seed_pair_id "
        "WHERE c.status = 'open'")).all()
    for round_id, server_seed, client_seed, nonce in rows:
        crash_word, round_word = _words(server_seed, client_seed, nonce)
        bind.execute(sa.text("UPDATE crash_rounds SET crash_word = :c, round_word = :r WHERE round_id = :id"),
                     {"c": crash_word, "r": round_word, "id": round_id})


def upgrade() -> None:
    with op.batch_alter_table("fairness_seed_pairs") as batch_op:
        batch_op.add_column(sa.Column("client_seed_by_player", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column("next_server_seed", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("next_server_seed_hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    _crash_words(bind)
    pairs = sa.table("fairness_seed_pairs", sa.column("id", sa.BigInteger), sa.column("user_id", sa.BigInteger),
                     sa.column("active_user_id", sa.BigInteger), sa.column("server_seed", sa.String),
                     sa.column("server_seed_hash", sa.String), sa.column("client_seed", sa.String),
                     sa.column("client_seed_by_player", sa.Boolean), sa.column("next_nonce", sa.BigInteger),
                     sa.column("next_server_seed", sa.String), sa.column("next_server_seed_hash", sa.String),
                     sa.column("created_at", sa.DateTime(timezone=True)))
    # Active pairs commit their next seed now; a client seed that is not a server placeholder was the player's.
    for pair_id, client_seed in bind.execute(sa.select(pairs.c.id, pairs.c.client_seed)
                                             .where(pairs.c.active_user_id.is_not(None))).all():
        nxt, nxt_hash = _seed()
        bind.execute(pairs.update().where(pairs.c.id == pair_id).values(
            next_server_seed=nxt, next_server_seed_hash=nxt_hash,
            client_seed_by_player=not _SERVER_PICKED.fullmatch(client_seed)))
    # Users without an active pair get one now, so even their first round has a committed server seed.
    users = sa.table("users", sa.column("id", sa.BigInteger))
    missing = bind.execute(sa.select(users.c.id).where(~sa.exists().where(
        pairs.c.active_user_id == users.c.id))).scalars().all()
    now = datetime.now(UTC)
    for user_id in missing:
        (seed, seed_hash), (nxt, nxt_hash) = _seed(), _seed()
        bind.execute(pairs.insert().values(user_id=user_id, active_user_id=user_id, server_seed=seed,
                                           server_seed_hash=seed_hash, client_seed=secrets.token_hex(8),
                                           client_seed_by_player=False, next_nonce=0, next_server_seed=nxt,
                                           next_server_seed_hash=nxt_hash, created_at=now))


def downgrade() -> None:
    with op.batch_alter_table("crash_rounds") as batch_op:
        batch_op.drop_column("round_word")
        batch_op.drop_column("crash_word")
    with op.batch_alter_table("fairness_seed_pairs") as batch_op:
        batch_op.drop_column("next_server_seed_hash")
        batch_op.drop_column("next_server_seed")
        batch_op.drop_column("client_seed_by_player")
