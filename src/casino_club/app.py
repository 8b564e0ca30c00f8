"""create_app(settings): the FastAPI application with its lifespan (runtime, background jobs)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from casino_club.config import Settings
from casino_club.economy.schedule_cache import load_at_startup as load_schedule
from casino_club.fairness.service import commit_seed_pair
from casino_club.games.service_gacha import ensure_gacha_items
from casino_club.jobs import all_jobs
from casino_club.kit.clock import Clock
from casino_club.kit.http_errors import database_unavailable, install_error_handlers
from casino_club.kit.kv import KV_DOWN
from casino_club.kit.lang import LangContextMiddleware
from casino_club.kit.runtime import Runtime
from casino_club.missions.service import startup_seed as missions_startup_seed
from casino_club.ops.docs import install_docs
from casino_club.ops.middleware import RequestContextMiddleware
from casino_club.ops.proxy import ForwardedHeadersMiddleware
from casino_club.ops.security import SecurityHeadersMiddleware
from casino_club.routes import all_routers
from casino_club.settlement.writer import SettlementWriter
from casino_club.wallet.service import ensure_system_accounts
from casino_club.web.router import install_not_found_page

log = structlog.get_logger("casino_club.app")

# Net new container objects between young-generation collections (CPython's default is 700). Requests in
# flight hold thousands of objects, so at 700 the collector ran ~100 times a second under load and every
# ~0.9 s a full collection walked everything created since start for 6–9 ms (finding nothing: almost all
# garbage here is freed by reference counting), which stalled a whole group commit of 32 spins. At 10,000
# cycles are still collected (twice in an 8 s slot bench run) and a spin's p99 falls by the length of that pause.
GC_YOUNG_THRESHOLD = 10_000


def create_app(settings: Settings | None = None, clock: Clock | None = None, run_jobs: bool = True) -> FastAPI:
    """Build the app; nothing touches the network until the lifespan starts."""
    settings = settings or Settings()
    settings.check_production_safety()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = Runtime.build(settings, clock)
        app.state.rt = rt
        app.state.settlement = SettlementWriter(rt, commit_seed_pair)
        await rt.run(ensure_system_accounts)
        await rt.run(ensure_gacha_items)  # gacha pulls grant these; their inventory rows refer to them
        for hook in app.state.startup_hooks:
            await hook(rt)
        tasks = [asyncio.create_task(_supervise(name, job, rt), name=name)
                 for name, job in all_jobs(app.state.settlement)] if run_jobs else []
        # Startup objects (modules, the app, compiled statements) live as long as the process: take them out
        # of the cyclic collector's view so its full passes stay short under load (lower tail latency).
        gc.collect()
        gc.freeze()
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            for hook in app.state.shutdown_hooks:
                await hook(rt)
            await rt.close()

    # openapi_url=None: install_docs serves the schema after the API routes. FastAPI's native OpenTelemetry is
    # off: metrics are Prometheus (/metrics), and its per-request "is a provider configured?" check was ~3 %
    # of a /health request.
    app = FastAPI(title="Casino-Club F2P", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None, telemetry={"tracing": False, "metrics": False, "logs": False},
                  description="Free-to-play social casino: ledger-backed gold, provably fair games, live sync.")
    app.state.settings = settings
    app.state.startup_hooks = []
    app.state.startup_hooks.append(missions_startup_seed)  # seed missions exist on a fresh database
    app.state.startup_hooks.append(load_schedule)  # the reward schedule in force, before the first request
    app.state.shutdown_hooks = []
    install_error_handlers(app)
    install_not_found_page(app)
    for router in all_routers(settings):
        app.include_router(router)
    install_docs(app)
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True,
                       allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                       allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Idempotency-Key",
                                      "Accept-Language", "X-Request-ID"],
                       expose_headers=["Idempotent-Replayed", "Retry-After", "X-Request-ID"])
    app.add_middleware(LangContextMiddleware)  # bilingual content picks the request's language
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes,
                       body_read_timeout_s=settings.body_read_timeout_s)
    app.add_middleware(SecurityHeadersMiddleware)  # even a 413 from the body limit carries them
    # Outermost: client address, scheme and host are the player's before anything reads them.
    app.add_middleware(ForwardedHeadersMiddleware, trusted=settings.forwarded_allow_ips)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` (used by `casino-club serve --workers N`)."""
    from casino_club.ops.logging import configure_logging

    configure_logging()
    return create_app(Settings())


async def _supervise(name: str, job, rt: Runtime) -> None:  # type: ignore[no-untyped-def]
    # A job that crashes is restarted instead of silently stopping background work. During an outage
    # (database or Redis unreachable) it backs off up to 30 s and logs one line per attempt, not a traceback.
    delay = 1.0
    while True:
        try:
            await job(rt)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - logged and restarted; a background loop must not die quietly
            if database_unavailable(exc) or isinstance(exc, KV_DOWN):
                log.warning("job_waiting_for_dependency", job=name, error=type(exc).__name__, retry_in_s=delay)
            else:
                log.exception("job_crashed", job=name)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
