"""Fairness endpoints: the player's seed pair, client seed, rotation (reveal) and stateless verification."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.auth.deps import Principal, current_principal, writer
from casino_club.fairness import service
from casino_club.fairness.models import SeedPair
from casino_club.games.errors import input_error
from casino_club.games.rules import InvalidGameInput
from casino_club.games.schemas import ClientSeedIn, FairnessOut, RevealedPair, RotateIn, RotateOut, VerifyIn
from casino_club.games.service_crash import open_round_on
from casino_club.games.verify_cli import recompute
from casino_club.kit.idempotency import Writer
from casino_club.kit.runtime import Runtime, get_runtime

router = APIRouter(prefix="/api/fairness", tags=["fairness"])


def revealed_out(pair: SeedPair) -> RevealedPair:
    """A rotated pair with its server seed."""
    return RevealedPair(seed_pair_id=pair.id, server_seed=pair.server_seed, server_seed_hash=pair.server_seed_hash,
                        client_seed=pair.client_seed, rounds_played=pair.next_nonce, created_at=pair.created_at,
                        rotated_at=pair.rotated_at)


async def current_out(session: AsyncSession, user_id: int, pair: SeedPair | None = None) -> FairnessOut:
    """The active pair (hash only) plus the recently revealed ones."""
    pair = pair or await service.active_pair(session, user_id)
    revealed = await service.revealed_pairs(session, user_id)
    assert pair.next_server_seed_hash is not None  # an active pair always has its next seed committed
    return FairnessOut(seed_pair_id=pair.id, server_seed_hash=pair.server_seed_hash,
                       next_server_seed_hash=pair.next_server_seed_hash, client_seed=pair.client_seed,
                       client_seed_by_player=pair.client_seed_by_player, nonce=pair.next_nonce, created_at=pair.created_at,
                       revealed=[revealed_out(p) for p in revealed])


@router.get("", response_model=FairnessOut)
async def fairness(principal: Principal = Depends(current_principal), rt: Runtime = Depends(get_runtime)) -> FairnessOut:
    """Current seed pair: server seed hash (committed), client seed, next nonce; revealed pairs."""
    async with rt.sessionmaker() as session:
        pair = await service.find_active(session, principal.user_id)
        if pair is not None:
            return await current_out(session, principal.user_id, pair)
    out: FairnessOut = await rt.run(lambda s: current_out(s, principal.user_id))  # first visit: commit to a seed now
    return out


@router.put("/client-seed", response_model=FairnessOut)
async def set_client_seed(body: ClientSeedIn, principal: Principal = Depends(current_principal),
                          w: Writer = Depends(writer)) -> Response:
    """Choose the client seed used by later rounds."""
    async def go(s: AsyncSession) -> FairnessOut:
        pair = await service.set_client_seed(s, principal.user_id, body.client_seed)
        return await current_out(s, principal.user_id, pair)
    return await w.run(go)


@router.post("/rotate", response_model=RotateOut)
async def rotate(body: RotateIn | None = None, principal: Principal = Depends(current_principal),
                 w: Writer = Depends(writer)) -> Response:
    """Reveal the current server seed, activate the committed next one, commit a new next (409 if a crash round is open)."""
    async def go(s: AsyncSession) -> RotateOut:
        revealed, new = await service.rotate(s, principal.user_id, body.client_seed if body else None, open_round_on)
        return RotateOut(revealed=revealed_out(revealed), current=await current_out(s, principal.user_id, new))
    return await w.run(go)


@router.post("/verify")
async def verify(body: VerifyIn) -> dict[str, Any]:
    """Recompute a round's outcome from (game, server seed, client seed, nonce, params) alone."""
    for name, value in body.params.items():
        if (not isinstance(value, str | int | float | None) or (name == "choice" and not isinstance(value, str | None))
                or (isinstance(value, float) and not math.isfinite(value))):
            raise input_error(InvalidGameInput("INVALID_PARAMS", f"{name} has an invalid type or value"))
    try:
        return recompute(body.game, body.server_seed, body.client_seed, body.nonce, body.params)
    except (InvalidGameInput, ValueError) as exc:
        raise input_error(exc) from exc
