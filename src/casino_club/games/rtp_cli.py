"""`casino-club rtp`: print each game's exact RTP and a seeded Monte-Carlo check."""

from __future__ import annotations

from typing import Annotated

import typer

from .rtp import render_report


def rtp(
    rounds: Annotated[int, typer.Option(min=2, help="Monte-Carlo rounds per game")] = 200_000,
    seed: Annotated[str, typer.Option(help="seed the Monte-Carlo server seed derives from")] = "casino-club",
) -> None:
    """Print exact RTP per game with a Monte-Carlo estimate and its 99% confidence interval."""
    typer.echo(render_report(rounds, seed))
