"""Payment webhook: verify the HMAC over the raw body, the timestamp and the nonce, de-duplicate the
event (its id is the idempotency key of the settlement step), then apply it (settle, fail or refund).

Nonces and event ids live in the database, so a replay is refused by whichever instance receives it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response
from pydantic import ValidationError
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.config import Env, Settings
from casino_club.db import rows_matched
from casino_club.kit.errors import ValidationFailed, error
from casino_club.kit.jsonfast import FastJSONResponse
from casino_club.kit.runtime import Runtime, session_now
from casino_club.settlement.writer import SettlementWriter
from casino_club.shop import errors, purchase
from casino_club.shop.models import WebhookNonce
from casino_club.shop.schemas import WebhookIn

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


_ACTIONS = {"success": "success", "failed": "failed", "refunded": "refund"}


async def handle(request: Request, body: WebhookIn, event_id: str | None, nonce: str) -> Response:
    """Use up the nonce, then apply the status through the settlement writer, once per event id."""
    rt: Runtime = request.app.state.rt
    # A nonce must outlive the window in which its timestamp is still accepted. It is used up in its own
    # transaction first: a delivery that dies after it is retried by the gateway with a new nonce.
    async with rt.transaction() as session:
        await _use_nonce(session, nonce, 2 * rt.settings.payment_webhook_tolerance_s + 60)
    event_id = event_id or body.event_id
    ref = await purchase.tx_ref(rt, body.receipt_code)
    plan = ref.step(scope="webhook", key=event_id, fingerprint="webhook" if event_id else None,
                    action=_ACTIONS[body.status], by="webhook",
                    reason="PAYMENT_DECLINED" if body.status == "failed" else None, answer="webhook",
                    event_id=event_id)
    writer: SettlementWriter = request.app.state.settlement
    answer = await writer.settle(plan)
    if answer.replayed:
        return FastJSONResponse(answer.body | {"duplicate": True, "applied": False})
    return FastJSONResponse(answer.body, status_code=answer.status)


async def prune_nonces(session: AsyncSession, now: datetime | None = None) -> int:
    """Delete nonces whose timestamps can no longer be accepted anyway."""
    now = now or datetime.now(UTC)
    gone = await session.execute(delete(WebhookNonce).where(WebhookNonce.expires_at < now)
                                 .execution_options(synchronize_session=False))
    return rows_matched(gone) or 0
