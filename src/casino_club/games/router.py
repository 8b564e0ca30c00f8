"""Game endpoints: slot, RPS, gacha, crash, stats and history (thin: parse, authorize, call one service)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from casino_club.auth.deps import (
    BEARER_SECURITY,
    Principal,
    TokenCaller,
    current_principal,
    read_principal,
    token_writer,
)
from casino_club.games import play_http, service_crash, service_gacha, service_stats
from casino_club.games.history_read import history_page
from casino_club.games.play_http import play_round, pull
from casino_club.games.rules import slot as slot_rules
from casino_club.games.schemas import (
    CrashBetIn,
    CrashCashoutIn,
    CrashPlayOut,
    CrashRoundOut,
    GachaPullIn,
    HistoryPage,
    PlayOut,
    RpsPlayIn,
    SlotSpinIn,
    StatsOut,
)
from casino_club.kit.jsonfast import FastJSONResponse
from casino_club.kit.runtime import Runtime, get_runtime

router = APIRouter(prefix="/api/games", tags=["games"])


@router.post("/slot/spin", response_model=PlayOut, openapi_extra=BEARER_SECURITY)
async def slot_spin(body: SlotSpinIn, request: Request, caller: TokenCaller = Depends(token_writer)) -> Response:
    """Spin the slot once (stake, fair outcome, payout, stats, XP and events commit together)."""
    return await play_round(request, request.app.state.rt, caller, "slot", body.bet)


@router.get("/slot/paytable")
async def slot_paytable() -> dict[str, Any]:
    """Published slot symbols, weights and paytable (the numbers a spin pays by)."""
    return slot_rules.paytable()


@router.post("/rps/play", response_model=PlayOut, openapi_extra=BEARER_SECURITY)
async def rps_play(body: RpsPlayIn, request: Request, caller: TokenCaller = Depends(token_writer)) -> Response:
    """Play rock-paper-scissors against a fair house move (win 2x, draw refunds)."""
    return await play_round(request, request.app.state.rt, caller, "rps", body.bet, body.choice)


@router.post("/gacha/pull", response_model=PlayOut, openapi_extra=BEARER_SECURITY)
async def gacha_pull(body: GachaPullIn, request: Request, caller: TokenCaller = Depends(token_writer)) -> Response:
    """Pull 1 (500 gold) or 10 (4,500 gold) items into the inventory."""
    return await pull(request, caller, body.count)


@router.get("/gacha/config")
async def gacha_config() -> dict[str, Any]:
    """Published costs, odds, pity rules and item pool (the numbers the pull uses)."""
    return service_gacha.config()


@router.post("/crash/bet", response_model=CrashPlayOut, openapi_extra=BEARER_SECURITY)
async def crash_bet(body: CrashBetIn, request: Request, caller: TokenCaller = Depends(token_writer)) -> Response:
    """Start a crash round; the crash point stays secret until the round ends."""
    return await play_http.crash_bet(request, request.app.state.rt, caller, body.bet, body.auto_cashout)


@router.post("/crash/cashout", response_model=CrashPlayOut, openapi_extra=BEARER_SECURITY)
async def crash_cashout(body: CrashCashoutIn, request: Request, caller: TokenCaller = Depends(token_writer)) -> Response:
    """Cash out at the server's current multiplier; after the crash → 409 ROUND_CRASHED (round lost)."""
    return await play_http.crash_cashout(request, caller, body.round_id)


@router.get("/crash/rounds/{round_id}", response_model=CrashRoundOut)
async def crash_round(request: Request, round_id: int = Path(ge=1, le=2**62),
                      principal: Principal = Depends(current_principal),
                      rt: Runtime = Depends(get_runtime)) -> CrashRoundOut:
    """One of the caller's crash rounds; the crash point appears only once it has ended."""
    return await service_crash.get_round(rt, request.app.state.settlement, principal.user_id, round_id)


@router.get("/stats/me", response_model=StatsOut)
async def stats_me(principal: Principal = Depends(current_principal), rt: Runtime = Depends(get_runtime)) -> StatsOut:
    """Totals and per-game breakdown, maintained incrementally."""
    async with rt.sessionmaker() as session:
        return await service_stats.my_stats(session, principal.user_id)


@router.get("/history", response_model=HistoryPage, openapi_extra=BEARER_SECURITY)
async def history(request: Request, cursor: str | None = Query(None, max_length=200),
                  limit: int = Query(20, ge=1, le=100),
                  game: str | None = Query(None, max_length=16),
                  principal: Principal = Depends(read_principal)) -> Response:
    """The caller's rounds, newest first, with fairness data (server seed once revealed)."""
    return FastJSONResponse(await history_page(request.app.state.rt, principal.user_id, cursor, limit, game))
