"""Seed pairs in the database: get-or-create (with the committed next seed), client seed changes and rotation.

The settlement plans take each round's nonce from the player's active pair, locked in their group's read, and
derive its floats with engine.outcome_floats: the only source of game randomness.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.auth.models import User
from casino_club.fairness.engine import hash_seed, new_client_seed, new_server_seed
from casino_club.fairness.errors import CrashRoundOpen, InvalidClientSeed
from casino_club.fairness.models import SeedPair
from casino_club.kit.errors import NotFound
from casino_club.kit.runtime import Runtime, session_now

CLIENT_SEED_MAX = 64


def validate_client_seed(value: str) -> str:
    """1-64 printable characters without ':' (the HMAC message separator) or surrounding spaces."""
    seed = value.strip()
    if not (1 <= len(seed) <= CLIENT_SEED_MAX) or not seed.isprintable() or ":" in seed:
        raise InvalidClientSeed({"max_length": CLIENT_SEED_MAX})
    return seed


async def _insert_pair(session: AsyncSession, user_id: int, *, server_seed: str | None = None,
                       client_seed: str | None = None, by_player: bool = False) -> None:
    # `server_seed` is the committed next seed on rotation; a brand-new pair also commits its next one.
    seed = server_seed or new_server_seed()
    nxt = new_server_seed()
    try:
        async with session.begin_nested():
            session.add(SeedPair(user_id=user_id, active_user_id=user_id, server_seed=seed,
                                 server_seed_hash=hash_seed(seed), client_seed=client_seed or new_client_seed(),
                                 client_seed_by_player=by_player and client_seed is not None, next_nonce=0,
                                 next_server_seed=nxt, next_server_seed_hash=hash_seed(nxt),
                                 created_at=session_now(session)))
    except IntegrityError:
        pass  # a concurrent request created the player's active pair first; use that one


async def commit_first_pair(session: AsyncSession, user_id: int) -> None:
    """Commit a new player's server seed and next server seed at sign-up, before any client seed exists."""
    await active_pair(session, user_id)


async def find_active(session: AsyncSession, user_id: int) -> SeedPair | None:
    """The player's active seed pair, if one exists (read-only)."""
    return (await session.execute(select(SeedPair).where(SeedPair.active_user_id == user_id)
                                  .execution_options(populate_existing=True))).scalar_one_or_none()


async def active_pair(session: AsyncSession, user_id: int) -> SeedPair:
    """The player's active seed pair, created (with its committed next seed) if a player has none yet."""
    for _ in range(2):
        pair = await find_active(session, user_id)
        if pair is not None:
            return pair
        await _insert_pair(session, user_id)
    raise RuntimeError("could not create a seed pair")  # pragma: no cover - the insert or its rival won


async def commit_seed_pair(rt: Runtime, user_id: int) -> None:
    """Commit the player's first seed pair in its own transaction (the settlement writer asks for it)."""
    async with rt.transaction() as session:
        if await session.get(User, user_id) is None:
            raise NotFound({"user_id": user_id})
        await active_pair(session, user_id)


async def set_client_seed(session: AsyncSession, user_id: int, client_seed: str) -> SeedPair:
    """Change the client seed of the active pair; later rounds use it (the nonce keeps counting)."""
    seed = validate_client_seed(client_seed)
    await active_pair(session, user_id)
    await session.execute(update(SeedPair).where(SeedPair.active_user_id == user_id)
                          .values(client_seed=seed, client_seed_by_player=True)
                          .execution_options(synchronize_session=False))
    return await active_pair(session, user_id)


OpenRoundOn = Callable[[AsyncSession, int], Awaitable[int | None]]


async def rotate(session: AsyncSession, user_id: int, client_seed: str | None,
                 open_round_on: OpenRoundOn) -> tuple[SeedPair, SeedPair]:
    """Reveal the active pair's seed, activate its committed next seed and commit a new next: (revealed, new).

    `open_round_on(session, pair_id)` names a round still secret on the pair (the games know which), if any.
    """
    seed = validate_client_seed(client_seed) if client_seed is not None else None
    await active_pair(session, user_id)
    # The UPDATE takes the pair's row lock first, so a concurrent crash bet (or rotation) on it has
    # committed (or not started) before we go on; it leaves the committed next seed for RETURNING.
    retired_id, committed = (await session.execute(
        update(SeedPair).where(SeedPair.active_user_id == user_id)
        .values(active_user_id=None, rotated_at=session_now(session))
        .returning(SeedPair.id, SeedPair.next_server_seed)
        .execution_options(synchronize_session=False))).one()
    # The next seed is now the new pair's secret, and a retired row is public: forget it there.
    await session.execute(update(SeedPair).where(SeedPair.id == retired_id)
                          .values(next_server_seed=None, next_server_seed_hash=None)
                          .execution_options(synchronize_session=False))
    open_round = await open_round_on(session, retired_id)
    if open_round is not None:
        # Revealing the seed now would reveal that round's crash point before it ends.
        raise CrashRoundOpen({"round_id": open_round})
    retired = (await session.execute(select(SeedPair).where(SeedPair.id == retired_id)
                                      .execution_options(populate_existing=True))).scalar_one()
    await _insert_pair(session, user_id, server_seed=committed, client_seed=seed or retired.client_seed,
                       by_player=seed is not None or retired.client_seed_by_player)
    return retired, await active_pair(session, user_id)


async def revealed_pairs(session: AsyncSession, user_id: int, limit: int = 10) -> list[SeedPair]:
    """The player's most recently rotated pairs, newest first (their server seeds are public now)."""
    rows = await session.execute(select(SeedPair).where(SeedPair.user_id == user_id,
                                                        SeedPair.active_user_id.is_(None))
                                 .order_by(SeedPair.id.desc()).limit(limit))
    return list(rows.scalars())
