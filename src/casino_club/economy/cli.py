"""`casino-club economy simulate`."""

from __future__ import annotations

from typing import Any

import typer

from casino_club.config import Settings
from casino_club.economy.schedule import RewardSchedule, ScheduleInvalid
from casino_club.economy.simulate import PROFILES, render, simulate

economy_app = typer.Typer(help="Economy tools.", no_args_is_help=True)

_OVERRIDE = "try a schedule before applying it (default: the CASINO_* setting)"


@economy_app.command("simulate")
def simulate_command(players: int = typer.Option(1000, min=1, max=100_000), days: int = typer.Option(30, min=1, max=365),
                     profile: str = typer.Option("median", help=f"one of {', '.join(PROFILES)}"),
                     seed: int = typer.Option(1, help="random seed (the same seed gives the same report)"),
                     streak_base_gold: int | None = typer.Option(None, help=_OVERRIDE),
                     streak_step_gold: int | None = typer.Option(None, help=_OVERRIDE),
                     streak_max_gold: int | None = typer.Option(None, help=_OVERRIDE),
                     streak_base_xp: int | None = typer.Option(None, help=_OVERRIDE),
                     streak_step_xp: int | None = typer.Option(None, help=_OVERRIDE),
                     streak_max_xp: int | None = typer.Option(None, help=_OVERRIDE),
                     welcome_gold: int | None = typer.Option(None, help=_OVERRIDE),
                     free_gold_daily_cap: int | None = typer.Option(None, help=f"{_OVERRIDE}; -1: no cap")) -> None:
    """Minted by source vs burned by sink, median/p90 balance per day, days without a stake — with the
    configured reward schedule (CASINO_* settings; not the admin override), changed by the options given."""
    if profile not in PROFILES:
        typer.echo(f"unknown profile {profile!r}; one of {', '.join(PROFILES)}", err=True)
        raise typer.Exit(2)
    changes: dict[str, Any] = {k: v for k, v in {
        "streak_base_gold": streak_base_gold, "streak_step_gold": streak_step_gold, "streak_max_gold": streak_max_gold,
        "streak_base_xp": streak_base_xp, "streak_step_xp": streak_step_xp, "streak_max_xp": streak_max_xp,
        "welcome_gold": welcome_gold, "free_gold_daily_cap": free_gold_daily_cap}.items() if v is not None}
    if changes.get("free_gold_daily_cap") == -1:
        changes["free_gold_daily_cap"] = None
    try:
        schedule = RewardSchedule.from_settings(Settings()).with_changes(**changes)
    except ScheduleInvalid as exc:
        typer.echo(f"invalid schedule: {exc.details['fields']}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(render(simulate(schedule, PROFILES[profile], players, days, seed)))
