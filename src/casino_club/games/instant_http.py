"""The HTTP side of a slot / RPS round: validate, queue for the group commit, answer (or fall back)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from casino_club.auth.deps import TokenCaller, authenticate
from casino_club.games.batch import RoundBatcher
from casino_club.games.batch_jobs import SLOW, Answer, Outcome, RoundJob
from casino_club.games.instant import checked_choice
from casino_club.games.service_common import check_bet_limits, play_instant
from casino_club.kit.errors import DomainError
from casino_club.kit.idempotency import REPLAYED, Writer, fingerprint, request_key, user_scope
from casino_club.kit.jsonfast import FastJSONResponse
from casino_club.kit.runtime import Runtime


async def play_round(request: Request, rt: Runtime, caller: TokenCaller, game: str, bet: int,
                     choice: str | None = None) -> Response:
    """Settle one instant round, batched with concurrent ones when enabled; same answers either way."""
    key = request_key(request)
    normalised = checked_choice(game, choice)
    stake = check_bet_limits(rt.settings, bet)
    scope = user_scope(caller.user_id)
    outcome: Outcome = SLOW
    if rt.settings.round_batching:
        job = RoundJob(caller.user_id, caller.claims.session_id, game, stake, normalised, scope, key,
                       await fingerprint(request) if key is not None else None)
        outcome = await RoundBatcher.of(rt).submit(job)
    if isinstance(outcome, DomainError):
        raise outcome
    if isinstance(outcome, Answer):
        return FastJSONResponse(outcome.body, status_code=outcome.status,
                                headers={REPLAYED: "true"} if outcome.replayed else None)
    principal = await authenticate(rt, caller.token)  # 401/403 for ended sessions and banned players
    return await Writer(rt, request, scope).run(
        lambda s: play_instant(s, principal.user_id, game, stake, normalised))
