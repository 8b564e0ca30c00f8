"""The HTTP edge of the settlement writer: a request's idempotency fields in, a plan's answer out."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from casino_club.kit.http_errors import request_lang
from casino_club.kit.idempotency import REPLAYED, fingerprint, request_key
from casino_club.kit.jsonfast import FastJSONResponse
from casino_club.settlement.plan import Plan
from casino_club.settlement.writer import SettlementWriter


async def keyed(request: Request, scope: str) -> dict[str, Any]:
    """The plan fields of the request: scope, Idempotency-Key, the body's fingerprint and the language."""
    key = request_key(request)
    return {"scope": scope, "key": key, "fingerprint": await fingerprint(request) if key is not None else None,
            "lang": request_lang(request)}


async def respond(request: Request, plan: Plan) -> Response:
    """Settle the plan through the app's writer and answer with its (stored or replayed) response."""
    writer: SettlementWriter = request.app.state.settlement
    answer = await writer.settle(plan)
    return FastJSONResponse(answer.body, status_code=answer.status,
                            headers={REPLAYED: "true"} if answer.replayed else None)
