"""Payment webhook: verify the HMAC over the raw body, the timestamp and the nonce, de-duplicate the
event, then apply it (settle, fail or refund) — all in one database transaction.

Nonces and event ids live in the database, so a replay is refused by whichever instance receives it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.config import Env, Settings
from casino_club.db import rows_matched
from casino_club.kit.errors import ValidationFailed, error
from casino_club.kit.runtime import session_now
from casino_club.shop import errors, settle
from casino_club.shop.models import WebhookEvent, WebhookNonce
from casino_club.shop.schemas import WebhookIn, WebhookOut

SIGNATURE_PREFIX = "sha256="
WebhookHeadersMissing = error(400, "WEBHOOK_HEADERS_MISSING", "X-Signature, X-Timestamp and X-Nonce are required.",
                              "X-Signature, X-Timestamp, X-Nonce 헤더가 필요합니다.")
WebhookNotConfigured = error(503, "WEBHOOK_NOT_CONFIGURED", "The payment webhook secret is not configured.",
                             "결제 웹훅 비밀 키가 설정되지 않았습니다.")


def sign(secret: str, raw_body: bytes) -> str:
    """The X-Signature value for a body: `sha256=` + hex HMAC-SHA256(secret, raw body)."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_headers(settings: Settings, raw_body: bytes, signature: str | None, timestamp: str | None,
                   nonce: str | None, now: datetime) -> None:
    """401 on a bad signature, 400 on a missing or stale timestamp (checked before any database work)."""
    if settings.env == Env.PRODUCTION and settings.payment_webhook_secret.startswith("dev-insecure"):
        raise WebhookNotConfigured()
    if not signature or not timestamp or not nonce or len(nonce) > 128:
        raise WebhookHeadersMissing()
    if not hmac.compare_digest(signature.strip().lower(), sign(settings.payment_webhook_secret, raw_body)):
        raise errors.InvalidSignature()
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise errors.StaleWebhook({"timestamp": timestamp[:32]}) from exc
    if abs(now.timestamp() - sent) > settings.payment_webhook_tolerance_s:
        raise errors.StaleWebhook({"timestamp": sent})


def parse_body(raw_body: bytes) -> WebhookIn:
    """The verified body as a WebhookIn; malformed JSON or fields are a 422."""
    try:
        return WebhookIn.model_validate(json.loads(raw_body))
    except ValidationError as exc:
        raise ValidationFailed({"fields": [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                                           for e in exc.errors()]}) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed({"fields": [{"loc": ["body"], "msg": "invalid JSON", "type": "json"}]}) from exc


async def _use_nonce(session: AsyncSession, nonce: str, ttl_s: int) -> None:
    now = session_now(session)
    try:
        async with session.begin_nested():
            session.add(WebhookNonce(nonce=nonce, expires_at=now + timedelta(seconds=ttl_s)))
    except IntegrityError as exc:
        raise errors.NonceReplayed({"nonce": nonce}) from exc


async def _first_delivery(session: AsyncSession, event_id: str, body: WebhookIn) -> bool:
    if (await session.execute(select(WebhookEvent.event_id).where(WebhookEvent.event_id == event_id))).first():
        return False
    try:
        async with session.begin_nested():
            session.add(WebhookEvent(event_id=event_id, receipt_code=body.receipt_code, status=body.status,
                                     result="received", received_at=session_now(session)))
    except IntegrityError:
        return False  # delivered twice at the same moment; the other delivery applies it
    return True


async def handle(session: AsyncSession, body: WebhookIn, event_id: str | None, nonce: str,
                 tolerance_s: int) -> WebhookOut:
    """Record the nonce, de-duplicate by event id and apply the status to the purchase."""
    # A nonce must outlive the window in which its timestamp is still accepted.
    await _use_nonce(session, nonce, 2 * tolerance_s + 60)
    event_id = event_id or body.event_id
    if event_id is not None and not await _first_delivery(session, event_id, body):
        return WebhookOut(duplicate=True, receipt_code=body.receipt_code)
    tx = await settle.by_receipt(session, body.receipt_code)
    if body.status == "success":
        applied = await settle.succeed(session, tx, by="webhook")
    elif body.status == "failed":
        applied = await settle.fail(session, tx, "failed", by="webhook", reason="PAYMENT_DECLINED")
    else:
        applied = await settle.refund(session, tx, by="webhook")
    if event_id is not None:
        row = await session.get(WebhookEvent, event_id)
        if row is not None:
            row.result = "applied" if applied else "ignored"
    return WebhookOut(applied=applied, receipt_code=tx.receipt_code, status=tx.status)  # type: ignore[arg-type]


async def prune_nonces(session: AsyncSession, now: datetime | None = None) -> int:
    """Delete nonces whose timestamps can no longer be accepted anyway."""
    now = now or datetime.now(UTC)
    gone = await session.execute(delete(WebhookNonce).where(WebhookNonce.expires_at < now)
                                 .execution_options(synchronize_session=False))
    return rows_matched(gone) or 0
