"""Admin endpoints of the foundation: gold adjustments, audit log, ledger check, invite codes."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from casino_club.admin import economy, gold, invites, users
from casino_club.admin.audit import AuditContext, AuditPage, search_audit
from casino_club.auth.deps import BEARER_SECURITY, Principal, TokenCaller, admin_token_writer, require_admin, writer
from casino_club.kit.idempotency import REPLAYED, Writer, fingerprint, request_key, stored_replay, user_scope
from casino_club.kit.ids import MAX_DB_ID
from casino_club.kit.jsonfast import FastJSONResponse
from casino_club.kit.ratelimit import enforce
from casino_club.kit.runtime import Runtime, get_runtime
from casino_club.settlement.writer import SettlementWriter
from casino_club.wallet.verify import verify_ledger

router = APIRouter(prefix="/api/admin", tags=["admin"])


class LedgerVerifyOut(BaseModel):
    """Result of the ledger check."""

    ok: bool
    accounts: int
    transfers: int
    player_gold: int
    owed: int  # gold players owe after refunds their balances could not cover
    system_balances: dict[str, int]
    problems: list[str]


async def _gold(direction: str, user_id: int, body: gold.GoldChangeIn, request: Request, admin: TokenCaller,
                rt: Runtime) -> Response:
    scope = user_scope(admin.user_id)
    key = request_key(request)
    fp = await fingerprint(request) if key is not None else None
    if key is not None and fp is not None:
        replay = await stored_replay(rt, scope, key, fp)  # a replay is answered without counting it again
        if replay is not None:
            return replay
    await enforce(rt.kv, f"admin_gold:{admin.user_id}", rt.settings.admin_gold_rate_limit, 60)
    plan = gold.GoldAdjustPlan(user_id=user_id, session_id=admin.claims.session_id, caller_id=admin.user_id,
                               scope=scope, key=key, fingerprint=fp, direction=direction,
                               amount=body.amount, reason=body.reason, ctx=AuditContext.of(request, admin.user_id))
    writer: SettlementWriter = request.app.state.settlement
    answer = await writer.settle(plan)
    return FastJSONResponse(answer.body, status_code=answer.status,
                            headers={REPLAYED: "true"} if answer.replayed else None)


@router.post("/users/{user_id}/gold/grant", response_model=gold.GoldReceipt, openapi_extra=BEARER_SECURITY)
async def grant_gold(body: gold.GoldChangeIn, request: Request, user_id: int = Path(ge=1, le=MAX_DB_ID),
                     admin: TokenCaller = Depends(admin_token_writer),
                     rt: Runtime = Depends(get_runtime)) -> Response:
    """Grant gold to a player; replaying the idempotency key returns the same receipt."""
    return await _gold("grant", user_id, body, request, admin, rt)


@router.post("/users/{user_id}/gold/deduct", response_model=gold.GoldReceipt, openapi_extra=BEARER_SECURITY)
async def deduct_gold(body: gold.GoldChangeIn, request: Request, user_id: int = Path(ge=1, le=MAX_DB_ID),
                      admin: TokenCaller = Depends(admin_token_writer),
                      rt: Runtime = Depends(get_runtime)) -> Response:
    """Deduct gold from a player; more than the balance is 409 INSUFFICIENT_GOLD and changes nothing."""
    return await _gold("deduct", user_id, body, request, admin, rt)


@router.get("/audit", response_model=AuditPage)
async def audit_log(actor_id: int | None = Query(None, ge=1, le=MAX_DB_ID), action: str | None = Query(None, max_length=64),
                    target_type: str | None = Query(None, max_length=32),
                    target_id: str | None = Query(None, max_length=64), since: datetime | None = None,
                    until: datetime | None = None, cursor: str | None = Query(None, max_length=200),
                    limit: int = Query(50, ge=1, le=200), admin: Principal = Depends(require_admin),
                    rt: Runtime = Depends(get_runtime)) -> AuditPage:
    """Search the audit log, newest first."""
    async with rt.sessionmaker() as session:
        return await search_audit(session, actor_id=actor_id, action=action, target_type=target_type,
                                  target_id=target_id, since=since, until=until, cursor=cursor, limit=limit)


@router.get("/ledger/verify", response_model=LedgerVerifyOut)
async def ledger_verify(admin: Principal = Depends(require_admin), rt: Runtime = Depends(get_runtime)) -> LedgerVerifyOut:
    """Run the same ledger check as `casino-club ledger verify`."""
    async with rt.sessionmaker() as session:
        report = await verify_ledger(session)
    return LedgerVerifyOut(ok=report.ok, accounts=report.accounts, transfers=report.transfers,
                           player_gold=report.player_gold, owed=report.owed,
                           system_balances=report.system_balances, problems=report.problems)


@router.get("/invite-codes", response_model=list[invites.InviteOut])
async def list_invite_codes(admin: Principal = Depends(require_admin),
                            rt: Runtime = Depends(get_runtime)) -> list[invites.InviteOut]:
    """All invite codes."""
    async with rt.sessionmaker() as session:
        return await invites.list_invites(session)


@router.post("/invite-codes", response_model=invites.InviteOut, status_code=201)
async def create_invite_code(body: invites.InviteIn, request: Request, admin: Principal = Depends(require_admin),
                             w: Writer = Depends(writer)) -> Response:
    """Create an invite code with optional expiry and use cap."""
    ctx = AuditContext.of(request, admin.user_id)
    return await w.run(lambda s: invites.create_invite(s, ctx, body), status_code=201)


@router.get("/users", response_model=users.AdminUserPage)
async def list_users(q: str | None = Query(None, max_length=50), role: users.Role | None = None,
                     rank: users.Rank | None = None, banned: bool | None = None,
                     cursor: str | None = Query(None, max_length=200), limit: int = Query(50, ge=1, le=200),
                     admin: Principal = Depends(require_admin), rt: Runtime = Depends(get_runtime)) -> users.AdminUserPage:
    """Search users by site_id, nickname or id."""
    async with rt.sessionmaker() as session:
        return await users.search_users(session, q, role, rank, banned, cursor, limit)


@router.get("/users/{user_id}", response_model=users.AdminUserDetail)
async def get_user(user_id: int = Path(ge=1, le=MAX_DB_ID), admin: Principal = Depends(require_admin),
                   rt: Runtime = Depends(get_runtime)) -> users.AdminUserDetail:
    """One user's detail."""
    async with rt.sessionmaker() as session:
        return await users.user_detail(session, user_id)


@router.post("/users/{user_id}/ban", response_model=users.AdminUserDetail)
async def ban_user(body: users.BanIn, request: Request, user_id: int = Path(ge=1, le=MAX_DB_ID),
                   admin: Principal = Depends(require_admin), w: Writer = Depends(writer)) -> Response:
    """Ban a user and end their sessions."""
    ctx = AuditContext.of(request, admin.user_id)
    return await w.run(lambda s: users.set_banned(s, ctx, user_id, True, body.reason))


@router.post("/users/{user_id}/unban", response_model=users.AdminUserDetail)
async def unban_user(request: Request, user_id: int = Path(ge=1, le=MAX_DB_ID), admin: Principal = Depends(require_admin),
                     w: Writer = Depends(writer)) -> Response:
    """Lift a ban."""
    ctx = AuditContext.of(request, admin.user_id)
    return await w.run(lambda s: users.set_banned(s, ctx, user_id, False, None))


@router.post("/users/{user_id}/rank", response_model=users.AdminUserDetail)
async def change_rank(body: users.RankIn, request: Request, user_id: int = Path(ge=1, le=MAX_DB_ID),
                      admin: Principal = Depends(require_admin), w: Writer = Depends(writer)) -> Response:
    """Set a user's rank."""
    ctx = AuditContext.of(request, admin.user_id)
    return await w.run(lambda s: users.set_rank(s, ctx, user_id, body.rank))


@router.post("/users/{user_id}/role", response_model=users.AdminUserDetail)
async def change_role(body: users.RoleIn, request: Request, user_id: int = Path(ge=1, le=MAX_DB_ID),
                      admin: Principal = Depends(require_admin), w: Writer = Depends(writer)) -> Response:
    """Set a user's role."""
    ctx = AuditContext.of(request, admin.user_id)
    return await w.run(lambda s: users.set_role(s, ctx, user_id, body.role))


@router.post("/users/{user_id}/end-sessions", response_model=users.AdminUserDetail)
async def end_user_sessions(request: Request, user_id: int = Path(ge=1, le=MAX_DB_ID), admin: Principal = Depends(require_admin),
                            w: Writer = Depends(writer)) -> Response:
    """End every session of a user."""
    ctx = AuditContext.of(request, admin.user_id)
    return await w.run(lambda s: users.end_sessions(s, ctx, user_id))


@router.get("/economy", response_model=economy.EconomyOut)
async def economy_dashboard(days: int = Query(14, ge=1, le=90), admin: Principal = Depends(require_admin),
                            rt: Runtime = Depends(get_runtime)) -> economy.EconomyOut:
    """Gold in/out by reason per local day, active players, purchases by status."""
    async with rt.sessionmaker() as session:
        return await economy.economy(session, days)
