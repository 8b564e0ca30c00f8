"""Operator commands added to the `casino-club` CLI: clean-seed and smoke."""

from __future__ import annotations

import asyncio
import json
import os

import typer

from casino_club.config import DEFAULT_SEED_PASSWORD, Env, Settings


def clean_seed_command() -> None:
    """Reset the seed accounts (admin, user001-004) to 1,000 gold, level 1 and empty history.

    Destructive: refuses unless CONFIRM=YES; with CASINO_ENV=production also needs ALLOW_PROD=1.
    """
    from casino_club.kit.runtime import Runtime
    from casino_club.migrate import upgrade
    from casino_club.ops.clean_seed import CleanSeedReport, clean_seed
    from casino_club.wallet.service import ensure_system_accounts

    settings = Settings()
    if os.environ.get("CONFIRM") != "YES":
        typer.echo("refusing: clean-seed deletes the seed accounts' games, items and history and resets their "
                   "gold; run again with CONFIRM=YES to proceed", err=True)
        raise typer.Exit(2)
    if settings.env == Env.PRODUCTION and os.environ.get("ALLOW_PROD") != "1":
        typer.echo("refusing: CASINO_ENV=production; take a backup, then set ALLOW_PROD=1 as well as CONFIRM=YES",
                   err=True)
        raise typer.Exit(2)
    upgrade(settings.database_url)

    async def go() -> CleanSeedReport:
        rt = Runtime.build(settings)
        try:
            await rt.run(ensure_system_accounts)
            return await clean_seed(rt)
        finally:
            await rt.close()

    report = asyncio.run(go())
    if not report.users:
        typer.echo("no seed accounts found; nothing to reset (run `casino-club seed` first)")
        return
    typer.echo(json.dumps({"users": report.users, "pending_purchases_voided": report.voided,
                           "deleted_rows": report.deleted,
                           "gold_moved_to_reach_1000": report.gold_moves}, indent=2))
    typer.echo(f"reset {len(report.users)} seed accounts; check with `casino-club ledger verify`")


def smoke_command(
    url: str = typer.Argument(..., help="Base URL of a running server, e.g. http://127.0.0.1:8000"),
    site_id: str = typer.Option("user001", help="Seed player to log in as."),
) -> None:
    """Login → RPS → catalog → buy the cheapest gold item against a running server; exit 1 on failure."""
    from casino_club.ops.smoke import SmokeFailed, run_smoke

    password = os.environ.get("CASINO_SEED_PASSWORD") or DEFAULT_SEED_PASSWORD
    try:
        run_smoke(url, site_id, password, typer.echo)
    except SmokeFailed as exc:
        typer.echo(f"FAIL {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo("smoke passed")


def register(app: typer.Typer) -> None:
    """Add the operator commands to the CLI."""
    app.command("clean-seed")(clean_seed_command)
    app.command("smoke")(smoke_command)
