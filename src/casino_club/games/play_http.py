"""The HTTP side of slot, RPS and gacha: validate, replay a stored answer, or hand a plan to the settlement writer."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from casino_club.auth.deps import TokenCaller
from casino_club.games.crash_plans import CrashBetPlan, CrashEndPlan
from casino_club.games.errors import input_error
from casino_club.games.instant import checked_choice
from casino_club.games.plans import GachaPlan, InstantPlan
from casino_club.games.rules import InvalidGameInput, crash, gacha
from casino_club.games.service_common import check_bet_limits
from casino_club.kit.idempotency import user_scope
from casino_club.kit.runtime import Runtime
from casino_club.settlement.http import keyed, respond


async def _keyed(request: Request, caller: TokenCaller) -> dict[str, object]:
    return {"user_id": caller.user_id, "session_id": caller.claims.session_id,
            **await keyed(request, user_scope(caller.user_id))}


async def play_round(request: Request, rt: Runtime, caller: TokenCaller, game: str, bet: int,
                     choice: str | None = None) -> Response:
    """Settle one slot / RPS round (grouped with concurrent ones; a lone request is a group of one)."""
    normalised = checked_choice(game, choice)
    stake = check_bet_limits(rt.settings, bet)
    plan = InstantPlan(**await _keyed(request, caller), game=game, stake=stake, choice=normalised,  # type: ignore[arg-type]
                       daily_limits=rt.settings.daily_bet_limits or None)
    return await respond(request, plan)


async def pull(request: Request, caller: TokenCaller, count: int) -> Response:
    """Settle one gacha pull of 1 or 10 (422 INVALID_PULL_COUNT otherwise)."""
    try:
        checked = gacha.validate_count(count)
    except InvalidGameInput as exc:
        raise input_error(exc) from exc
    return await respond(request, GachaPlan(**await _keyed(request, caller), count=checked))  # type: ignore[arg-type]


async def crash_bet(request: Request, rt: Runtime, caller: TokenCaller, bet: int,
                    auto_cashout: float | str | int | None) -> Response:
    """Start a crash round (422 INVALID_AUTO_CASHOUT / BET_OUT_OF_RANGE before anything is queued)."""
    try:
        target = crash.parse_auto_cashout(auto_cashout)
    except InvalidGameInput as exc:
        raise input_error(exc) from exc
    stake = check_bet_limits(rt.settings, bet)
    return await respond(request, CrashBetPlan(**await _keyed(request, caller), stake=stake,  # type: ignore[arg-type]
                                               target_x100=target, daily_limits=rt.settings.daily_bet_limits or None))


async def crash_cashout(request: Request, caller: TokenCaller, round_id: int) -> Response:
    """Cash out now; after the crash the loss commits and 409 ROUND_CRASHED is the stored answer."""
    plan = CrashEndPlan(**await _keyed(request, caller), round_id=round_id, mode="cashout",  # type: ignore[arg-type]
                        request_id=getattr(request.state, "request_id", None))
    return await respond(request, plan)
