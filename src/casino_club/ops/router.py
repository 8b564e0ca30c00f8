"""Liveness, readiness (database + Redis) and Prometheus metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

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
    timeout = rt.settings.ready_timeout_s

    async def database() -> None:
        async with rt.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    probes = {"database": database}
    if rt.redis is not None:
        redis = rt.redis

        async def ping() -> None:
            await redis.ping()

        probes["redis"] = ping
    results = await asyncio.gather(*(_check(p, timeout) for p in probes.values()))
    checks: dict[str, dict[str, object]] = dict(zip(probes, results, strict=True))
    checks.setdefault("redis", {"ok": True, "mode": "in-process"})
    ok = all(bool(c["ok"]) for c in checks.values())
    return JSONResponse({"status": "ready" if ok else "unavailable", "checks": checks},
                        status_code=200 if ok else 503)


async def _check(probe: Callable[[], Awaitable[None]], limit_s: float) -> dict[str, object]:
    # A dependency that hangs (black-holed host, stuck server) must fail the probe quickly, not hang it.
    start = time.perf_counter()
    try:
        async with asyncio.timeout(limit_s):
            await probe()
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure as "down", naming its type
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - start) * 1000, 2)}


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """Prometheus text exposition."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
