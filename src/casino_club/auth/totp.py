"""TOTP second factor: a code is accepted once (RFC 6238 §5.2), within one step of the server's clock."""

from __future__ import annotations

import hmac

import pyotp
import segno
from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from casino_club.auth import errors
from casino_club.auth.models import User
from casino_club.db import core_table, rows_matched
from casino_club.kit.runtime import session_now


def qr_data_uri(otpauth_uri: str) -> str:
    """The otpauth URI as a QR code (SVG data URI) for an authenticator app's camera."""
    return segno.make(otpauth_uri, error="m").svg_data_uri(scale=5, border=2)


DRIFT_STEPS = 1  # accept the previous and the next 30-second step too (clock drift, slow typing)


async def consume_code(session: AsyncSession, user: User, code: str) -> None:
    """Accept `code` for a step newer than the last accepted one and remember that step; 401 otherwise.

    The step is claimed with one conditional UPDATE, so two requests racing with the same code (a replay
    of an observed code) cannot both succeed.
    """
    totp = pyotp.TOTP(user.totp_secret or "")
    now_step = totp.timecode(session_now(session))
    given = code.strip().encode()
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if not hmac.compare_digest(totp.generate_otp(step).encode(), given):
            continue
        t = core_table(User)
        claimed = await session.execute(update(t).where(
            t.c.id == user.id, or_(t.c.totp_last_step.is_(None), t.c.totp_last_step < step)).values(totp_last_step=step))
        if rows_matched(claimed) != 1:
            break  # this step (or a newer one) was already used: a replayed code
        set_committed_value(user, "totp_last_step", step)
        return
    raise errors.OtpInvalid()
