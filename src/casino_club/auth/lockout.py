"""Login throttling: count first, atomically, then check the password (OWASP ASVS 5.0 §6.3).

Two counters per attempt, both taken before any password or TOTP code is checked (Redis INCR + EXPIRE in
one script, or the memory KV's synchronous equivalent), so a parallel burst cannot outrun them:
- per (account, client IP): past `login_max_failures` attempts in the window → 429. Keyed by address so
  that someone elsewhere cannot lock the owner out; a successful login clears it.
- per account, from every address: once `login_account_slow_after` attempts have failed in the window, each
  further attempt waits (doubling from `login_account_delay_s` to `login_account_max_delay_s`) before it is
  checked, which slows a guesser spread over many addresses and never refuses the owner. Failures, not
  attempts, so an owner (or a script) logging in often is never slowed; this soft counter may lag a
  parallel burst by the attempts in flight, which the hard per-address counter above already bounds.
Attempts on admin accounts are written to the audit log (failures, and the first refusal of a window).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from casino_club.admin.models import AuditLog
from casino_club.auth import service
from casino_club.auth.names import canonical
from casino_club.kit.errors import DomainError, rate_limited
from casino_club.kit.runtime import Runtime
from casino_club.ops.metrics import LOGIN_FAILURES


@dataclass(frozen=True)
class Attempt:
    """One admitted login attempt and the counters it was charged to."""

    pair_key: str
    account_key: str
    user_id: int | None
    is_admin: bool
    login: str
    ip: str
    request_id: str | None
    count: int


def delay_for(rt: Runtime, account_failures: int) -> float:
    """Seconds an attempt waits, given how many attempts on the account have failed in the window."""
    s = rt.settings
    extra = account_failures - s.login_account_slow_after
    if extra < 0:
        return 0.0
    return float(min(s.login_account_delay_s * 2 ** min(extra, 30), s.login_account_max_delay_s))


async def admit(rt: Runtime, login: str, ip: str, request_id: str | None) -> Attempt:
    """Charge the attempt to its counters; 429 past the (account, IP) limit, a delay past the account's."""
    # Counted per account, not per typed string: site_id and nickname name the same account, so
    # alternating them must not double the attempts. Unknown names are counted by their canonical form.
    async with rt.sessionmaker() as session:
        user = await service.find_login_user(session, login)
    account = f"user:{user.id}" if user else f"name:{canonical(login)}"
    attempt = Attempt(pair_key=f"login:{account}:ip:{ip}", account_key=f"login:{account}",
                      user_id=user.id if user else None, is_admin=bool(user and user.role == "admin"),
                      login=login, ip=ip, request_id=request_id, count=0)
    window = rt.settings.login_failure_window_s
    count, retry_after = await rt.kv.hit(attempt.pair_key, window)
    attempt = replace(attempt, count=count)
    if count > rt.settings.login_max_failures:
        if count == rt.settings.login_max_failures + 1:
            await _audit(rt, attempt, "login_locked", "RATE_LIMITED")
        raise rate_limited(retry_after)
    account_failures, _ = await rt.kv.count(attempt.account_key)
    delay = delay_for(rt, account_failures)
    if delay:
        await asyncio.sleep(delay)
    return attempt


async def failed(rt: Runtime, attempt: Attempt, exc: DomainError) -> None:
    """A wrong password or TOTP code: metrics, and an audit row when the account is an admin's."""
    LOGIN_FAILURES.inc()
    await rt.kv.hit(attempt.account_key, rt.settings.login_failure_window_s)
    await _audit(rt, attempt, "login_failed", exc.code)


async def succeeded(rt: Runtime, attempt: Attempt) -> None:
    """The owner got in from this address: its (account, IP) counter starts over (the account's does not)."""
    await rt.kv.reset(attempt.pair_key)


async def _audit(rt: Runtime, attempt: Attempt, action: str, reason: str) -> None:
    if not attempt.is_admin:
        return
    # Its own transaction: the login's was rolled back with the failure.
    async with rt.transaction() as session:
        session.add(AuditLog(actor_id=None, action=action, target_type="user", target_id=str(attempt.user_id),
                             before=None, after={"login": attempt.login[:50], "reason": reason,
                                                 "attempt": attempt.count},
                             ip=attempt.ip[:64], request_id=attempt.request_id, created_at=rt.clock.now()))
