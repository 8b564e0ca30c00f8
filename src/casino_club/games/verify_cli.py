"""Recompute any round from (game, server seed, client seed, nonce, inputs) alone, without the database."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from casino_club.fairness.engine import hash_seed, outcome_floats
from casino_club.games.rules import InvalidGameInput, crash, gacha, rps, slot

GAMES = ("slot", "rps", "gacha", "crash")
DEFAULT_BET = 100


def _int_param(params: dict[str, Any], key: str, default: int) -> int:
    value = params.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidGameInput("INVALID_PARAMS", f"{key} must be an integer")
    return value


def _auto_cashout_x100(params: dict[str, Any]) -> int | None:
    # API clients may send either the multiplier (2.5) or hundredths (250); both mean the same target.
    if params.get("auto_cashout_x100") is not None:
        return crash.validate_auto_cashout_x100(_int_param(params, "auto_cashout_x100", 0))
    return crash.parse_auto_cashout(params.get("auto_cashout"))


def _crash_payout(bet: int, rnd: crash.CrashOutcome, floats: list[float], params: dict[str, Any]) -> int | None:
    # A manual cash-out's payout depends on when it happened: recomputable given its multiplier.
    if rnd.auto_cashout_x100 is not None:
        return crash.payout(bet, rnd, floats[-1])
    m = params.get("cashout_multiplier")
    if m is None:
        return None
    if isinstance(m, bool) or not isinstance(m, int | float) or not 1.0 <= m < 1e6:
        raise InvalidGameInput("INVALID_PARAMS", "cashout_multiplier must be a number >= 1")
    return crash.settle_manual(bet, float(m), crash.exact_point(floats[0]), floats[-1])


def recompute(
    game: str, server_seed: str, client_seed: str, nonce: int, params: dict[str, Any]
) -> dict[str, Any]:
    """Recompute a round's floats, outcome and payout from its inputs (shared by CLI and verify endpoint)."""
    if game not in GAMES:
        raise InvalidGameInput("UNKNOWN_GAME", f"game must be one of {', '.join(GAMES)}")
    if not server_seed:
        raise InvalidGameInput("INVALID_PARAMS", "server_seed is required")
    if isinstance(nonce, bool) or not isinstance(nonce, int) or nonce < 0:
        raise InvalidGameInput("INVALID_PARAMS", "nonce must be a non-negative integer")
    bet = _int_param(params, "bet", DEFAULT_BET)
    result: dict[str, Any] = {
        "game": game,
        "server_seed": server_seed,
        "server_seed_hash": hash_seed(server_seed),
        "client_seed": client_seed,
        "nonce": nonce,
    }
    expected_hash = params.get("server_seed_hash")
    if expected_hash is not None:
        # Lets a player check the revealed seed against the commitment shown before the round.
        result["hash_matches"] = str(expected_hash).lower() == result["server_seed_hash"]

    if game == "slot":
        floats = outcome_floats(server_seed, client_seed, nonce, slot.floats_needed())
        spin = slot.spin(floats)
        result |= {
            "params": {"bet": bet},
            "outcome": slot.outcome_dict(spin),
            "payout": slot.payout(bet, spin, floats[-1]),
        }
    elif game == "rps":
        choice = rps.validate_choice(params.get("choice"))
        floats = outcome_floats(server_seed, client_seed, nonce, rps.floats_needed())
        rnd = rps.play(floats, choice)
        result |= {
            "params": {"bet": bet, "choice": choice},
            "outcome": rps.outcome_dict(rnd),
            "payout": rps.payout(bet, rnd, floats[-1]),
        }
    elif game == "gacha":
        count = gacha.validate_count(_int_param(params, "count", 1))
        pity = _int_param(params, "pity", _int_param(params, "pulls_since_legendary", 0))
        if pity < 0:
            raise InvalidGameInput("INVALID_PARAMS", "pity must be >= 0")
        floats = outcome_floats(server_seed, client_seed, nonce, gacha.floats_needed(count))
        pulled = gacha.pull(floats, count, pity)
        result |= {
            "params": {"count": count, "pulls_since_legendary": pity},
            "outcome": gacha.outcome_dict(pulled),
            "cost": gacha.cost(count),
        }
    else:
        target = _auto_cashout_x100(params)
        floats = outcome_floats(server_seed, client_seed, nonce, crash.floats_needed())
        rnd_c = crash.play(floats, target)
        result |= {
            "params": {"bet": bet, "auto_cashout_x100": target},
            "outcome": crash.outcome_dict(rnd_c),
            "payout": _crash_payout(bet, rnd_c, floats, params),
        }
    result["floats"] = floats
    return result


def verify(
    game: Annotated[str, typer.Argument(help="slot, rps, gacha or crash")],
    server_seed: Annotated[str, typer.Argument(help="revealed server seed")],
    client_seed: Annotated[str, typer.Argument(help="client seed used for the round")],
    nonce: Annotated[int, typer.Argument(help="round nonce")],
    bet: Annotated[int, typer.Option(help="stake in gold (slot, rps, crash)")] = DEFAULT_BET,
    choice: Annotated[str | None, typer.Option(help="rps: rock, paper or scissors")] = None,
    count: Annotated[int, typer.Option(help="gacha: 1 or 10 pulls")] = 1,
    pity: Annotated[int, typer.Option(help="gacha: pulls since the last legendary")] = 0,
    auto_cashout: Annotated[float | None, typer.Option(help="crash: auto cash-out multiplier")] = None,
    cashout_multiplier: Annotated[float | None, typer.Option(help="crash: manual cash-out multiplier")] = None,
) -> None:
    """Recompute a past round from its inputs alone and print it as JSON."""
    params: dict[str, Any] = {"bet": bet, "choice": choice, "count": count, "pity": pity}
    if auto_cashout is not None:
        params["auto_cashout"] = auto_cashout
    if cashout_multiplier is not None:
        params["cashout_multiplier"] = cashout_multiplier
    try:
        result = recompute(game, server_seed, client_seed, nonce, params)
    except (InvalidGameInput, ValueError) as exc:
        typer.echo(json.dumps({"error": str(exc)}, ensure_ascii=False), err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
