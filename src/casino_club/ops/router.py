"""Liveness, readiness (database + Redis) and Prometheus metrics."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from casino_club.kit.runtime import Runtime, get_runtime

router = APIRouter(tags=["ops"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(rt: Runtime = Depends(get_runtime)) -> JSONResponse:
    """Readiness: each dependency with its status and latency; 503 if any is down."""
    checks: dict[str, dict[str, object]] = {}
    start = time.perf_counter()
    try:
        async with rt.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "ms": round((time.perf_counter() - start) * 1000, 2)}
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure as "down"
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    if rt.redis is not None:
        start = time.perf_counter()
        try:
            await rt.redis.ping()
            checks["redis"] = {"ok": True, "ms": round((time.perf_counter() - start) * 1000, 2)}
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = {"ok": False, "error": type(exc).__name__}
    else:
        checks["redis"] = {"ok": True, "mode": "in-process"}
    ok = all(bool(c["ok"]) for c in checks.values())
    return JSONResponse({"status": "ready" if ok else "unavailable", "checks": checks},
                        status_code=200 if ok else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """Prometheus text exposition."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
