"""`casino-club economy simulate`."""

from __future__ import annotations

import typer

from casino_club.config import Settings
from casino_club.economy.simulate import PROFILES, render, simulate

economy_app = typer.Typer(help="Economy tools.", no_args_is_help=True)


@economy_app.command("simulate")
def simulate_command(players: int = typer.Option(1000, min=1, max=100_000), days: int = typer.Option(30, min=1, max=365),
                     profile: str = typer.Option("median", help=f"one of {', '.join(PROFILES)}"),
                     seed: int = typer.Option(1, help="random seed (the same seed gives the same report)")) -> None:
    """Minted by source vs burned by sink, median/p90 balance per day, days without a stake — with the
    configured reward schedule (CASINO_* settings) and the seed missions."""
    if profile not in PROFILES:
        typer.echo(f"unknown profile {profile!r}; one of {', '.join(PROFILES)}", err=True)
        raise typer.Exit(2)
    typer.echo(render(simulate(Settings(), PROFILES[profile], players, days, seed)))
