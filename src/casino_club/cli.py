"""`casino-club` command line: serve, migrate, seed, ledger verify, openapi and feature commands."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import typer

from casino_club.config import Settings, UnsafeSettings
from casino_club.economy.cli import economy_app
from casino_club.games.rtp_cli import rtp as rtp_command
from casino_club.games.verify_cli import verify as fairness_verify_command
from casino_club.ops.cli_ops import register as register_ops_commands

app = typer.Typer(help="Casino-Club F2P operator CLI.", no_args_is_help=True)
ledger_app = typer.Typer(help="Ledger tools.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
register_ops_commands(app)  # clean-seed, smoke
fairness_app = typer.Typer(help="Provably fair tools.", no_args_is_help=True)
app.add_typer(fairness_app, name="fairness")
app.add_typer(economy_app, name="economy")
# Both commands are pure computations (no database): the other modules own their logic.
fairness_app.command("verify")(fairness_verify_command)
app.command("rtp")(rtp_command)


def _settings() -> Settings:
    try:
        settings = Settings()
        settings.check_production_safety()
        return settings
    except UnsafeSettings as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def migrate() -> None:
    """Apply database migrations up to head."""
    from casino_club.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    typer.echo(f"migrated {settings.database_url.split('@')[-1]}")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          seed: bool = typer.Option(False, help="Create the demo accounts and catalog before serving.")) -> None:
    """Migrate the configured database, then serve the app with uvicorn."""
    import uvicorn

    from casino_club.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    if seed:
        _run_seed(settings)
    if settings.is_sqlite and workers > 1:
        typer.echo("note: several workers on SQLite share one file; use PostgreSQL + Redis to scale out", err=True)
    if workers > 1 and settings.redis_url is None:
        # Without Redis the workers cannot tell each other about revoked sessions: no session cache.
        os.environ["CASINO_SESSION_CACHE_TTL_S"] = "0"
    uvicorn.run("casino_club.app:create_app_from_env", factory=True, host=host, port=port, workers=workers,
                # Forwarded headers are applied by the app (ops/proxy.py, CASINO_FORWARDED_ALLOW_IPS), host included.
                log_config=None, proxy_headers=False,
                # Past this many connections + tasks a worker answers 503 instead of piling up (trickling
                # clients); a stalled request body is cut off by the app itself (CASINO_BODY_READ_TIMEOUT_S).
                limit_concurrency=settings.serve_limit_concurrency,
                # The standard asyncio loop, not uvloop: saturated at 64 connections, uvloop served some of them
                # ~15x late (/health p99 190 ms at p50 13 ms; asyncio 17 ms at the same rate; bench/README.md).
                loop=settings.serve_loop,
                # Realtime sockets: sans-I/O websockets and no permessage-deflate (a zlib context per socket
                # costs more than small JSON frames save; see bench/README.md "Realtime").
                ws="websockets-sansio", ws_per_message_deflate=False)


def _run_seed(settings: Settings) -> list[str]:
    from casino_club.kit.runtime import Runtime
    from casino_club.seed import SEED_ACCOUNTS, SeedRefused, run_seed
    from casino_club.wallet.service import ensure_system_accounts

    async def go() -> list[str]:
        rt = Runtime.build(settings)
        try:
            await rt.run(ensure_system_accounts)
            return await run_seed(rt)
        finally:
            await rt.close()

    try:
        created = asyncio.run(go())
    except SeedRefused as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"seed accounts: {', '.join(SEED_ACCOUNTS)} (created now: {', '.join(created) or 'none'})")
    if settings.env != "production":
        typer.echo(f"demo password: {settings.effective_seed_password}  (admin login: admin)")
    return created


@app.command()
def seed() -> None:
    """Create the demo admin, players and catalog (idempotent)."""
    from casino_club.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    _run_seed(settings)


@ledger_app.command("verify")
def ledger_verify() -> None:
    """Check every ledger invariant; exit 1 on any drift."""
    from casino_club.kit.runtime import Runtime
    from casino_club.wallet.verify import LedgerReport, verify_ledger

    settings = _settings()

    async def go() -> LedgerReport:
        rt = Runtime.build(settings)
        try:
            async with rt.sessionmaker() as session:
                return await verify_ledger(session)
        finally:
            await rt.close()

    report = asyncio.run(go())
    typer.echo(json.dumps({"ok": report.ok, "accounts": report.accounts, "transfers": report.transfers,
                           "player_gold": report.player_gold, "owed": report.owed,
                           "system_balances": report.system_balances,
                           "problems": report.problems}, indent=2))
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def openapi(output: Path = typer.Option(Path("openapi.json"), "--output", "-o", help="Where to write the schema ('-' for stdout).")) -> None:
    """Export the OpenAPI schema."""
    from casino_club.openapi_export import render_openapi

    text = render_openapi()
    if str(output) == "-":
        sys.stdout.write(text)
    else:
        output.write_text(text)
        typer.echo(f"wrote {output}")


def main() -> None:
    """Entry point."""
    app()
