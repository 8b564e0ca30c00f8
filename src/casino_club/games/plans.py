"""Game rounds as settlement plans: slot, RPS and gacha (stake, fair outcome, payout, stats, XP, events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from casino_club.fairness.engine import outcome_floats
from casino_club.games.errors import DailyBetLimit
from casino_club.games.instant import InstantPlay, floats_needed, progress_metrics, resolve
from casino_club.games.rules import gacha
from casino_club.kit.errors import InsufficientGold
from casino_club.kit.jsonfast import dumps
from casino_club.ops.metrics import GAME_PAYOUT, GAME_ROUNDS, GAME_WAGER
from casino_club.settlement.plan import Answer, Plan
from casino_club.settlement.rules.levels import wager_xp
from casino_club.settlement.rules.stats import add_round
from casino_club.settlement.store import NOW, Read, Store, Write
from casino_club.settlement.unit import Player, Unit
from casino_club.wallet.service import System

BET_GAMES = ("slot", "rps", "crash")  # gacha pulls have a fixed price: they are purchases, not bets

ROUNDS = Write("rounds", "game_rounds", (
    ("id", "bigint"), ("user_id", "bigint"), ("game", "text"), ("stake", "bigint"), ("payout", "bigint"),
    ("result", "text"), ("params", "json"), ("outcome", "json"), ("seed_pair_id", "bigint"),
    ("server_seed_hash", "text"), ("client_seed", "text"), ("nonce", "bigint")),
    (("status", "'settled'"), ("created_at", NOW), ("settled_at", NOW)))
PITY = Write("gacha_pity", "gacha_pity", (
    ("user_id", "bigint"), ("pulls_since_legendary", "int"), ("total_pulls", "bigint")), (("updated_at", NOW),),
    conflict=("user_id",), merge=(("pulls_since_legendary", "set"), ("total_pulls", "add")))


def _bet_today_sql(store: Store) -> str:
    # A player's rounds get ids in creation order, so today's are those after the last one created before the
    # operator's midnight ($9): found by walking back along (user_id, id), never through his whole history.
    games = ", ".join(f"'{g}'" for g in BET_GAMES)
    return store.rows_as_json(
        "u.id, (SELECT COALESCE(SUM(g.stake), 0) FROM game_rounds g WHERE g.user_id = u.id AND g.id > "
        f"COALESCE((SELECT MAX(b.id) FROM game_rounds b WHERE b.user_id = u.id AND b.created_at < {store.param(9)}), 0) "
        f"AND g.game IN ({games}))", f"FROM users u WHERE u.id {store.among(5, 'bigint')}")


BET_TODAY = Read("bet_today", _bet_today_sql, lambda rows: {int(u): int(v) for u, v in rows})
PITY_READ = Read("gacha_pity", lambda s: s.rows_as_json(
    "user_id, pulls_since_legendary", f"FROM gacha_pity WHERE user_id {s.among(5, 'bigint')}"),
    lambda rows: {int(u): int(v) for u, v in rows})


def check_daily_cap(unit: Unit, user_id: int, stake: int, rank: str, limits: dict[str, int]) -> None:
    """409 DAILY_BET_LIMIT if this stake takes the player's bets today past his rank's cap (counted in the group)."""
    cap = limits.get(rank)
    totals: dict[int, int] = unit.extra["bet_today"]
    bet_today = totals.get(user_id, 0)
    if cap is not None and bet_today + stake > cap:
        raise DailyBetLimit({"rank": rank, "limit": cap, "bet_today": bet_today, "remaining": max(0, cap - bet_today)})
    totals[user_id] = bet_today + stake


def take_bet(unit: Unit, user_id: int, stake: int, limits: dict[str, int] | None,
             floats: int) -> tuple[Player, int, list[float]]:
    """A bet's checks (balance, daily cap) before any change, then its nonce and fair floats."""
    player = unit.player(user_id)
    if player.wallet.balance < stake:
        raise InsufficientGold({"required": stake})
    if limits:
        check_daily_cap(unit, user_id, stake, player.base_profile["rank"], limits)
    nonce = unit.take_nonce(user_id)
    return player, nonce, outcome_floats(player.server_seed, player.client_seed, nonce, floats)


def bet_reads(limits: dict[str, int] | None) -> tuple[Read, ...]:
    """A bet's extra reads: today's bets, when daily caps are configured."""
    return (BET_TODAY,) if limits else ()


@dataclass(kw_only=True)
class RoundPlan(Plan):
    """What every settled game round does after its outcome is known."""

    writes: ClassVar[tuple[Write, ...]] = (ROUNDS,)

    def new_ids(self) -> dict[str, int]:
        return {"game_rounds": 1}

    def settle_round(self, unit: Unit, play: InstantPlay, nonce: int, reason: str) -> Answer:
        """Round row, stake debit, payout, stats, XP, progress, action, game/profile events; the PlayOut."""
        player = unit.player(self.user_id)
        round_id = unit.new_id("game_rounds")
        ref = f"round:{round_id}"
        unit.debit(self.user_id, play.stake, System.HOUSE, reason, ref)
        after_debit = player.wallet.balance
        if play.payout > 0:
            unit.credit(self.user_id, play.payout, System.HOUSE, f"{play.game}_payout", ref, f"{ref}:payout")
        unit.add("rounds", (round_id, self.user_id, play.game, play.stake, play.payout, play.result, dumps(play.params),
                            dumps(play.outcome), player.seed_pair_id, player.server_seed_hash, player.client_seed,
                            nonce))
        add_round(unit.stats(self.user_id, play.game), play.stake, play.payout, play.result, play.multiplier_x100)
        unit.record_action(self.user_id, "game", {"game": play.game, "round_id": round_id, "stake": play.stake,
                                                  "payout": play.payout, "result": play.result}, ref)
        unit.gain_xp(self.user_id, wager_xp(play.stake), "game")
        unit.progress(self.user_id, play.progress)
        balance = player.wallet.balance if play.payout > 0 else after_debit
        now = unit.now_json
        body = {"round_id": round_id, "game": play.game, "status": "settled", "result": play.result,
                "stake": play.stake, "payout": play.payout, "net": play.payout - play.stake,
                "params": play.params, "outcome": play.outcome,
                "fairness": {"seed_pair_id": player.seed_pair_id, "server_seed_hash": player.server_seed_hash,
                             "client_seed": player.client_seed, "nonce": nonce, "server_seed": None},
                "created_at": now, "settled_at": now, "balance": balance}
        unit.emit(self.user_id, "game_update", body)
        profile = unit.profile(self.user_id)
        unit.emit(self.user_id, "profile_update", profile)
        unit.after_commit.append(lambda: count_round(play))
        return Answer(200, body | {"xp": profile["xp"], "level": profile["level"]})


def count_round(play: InstantPlay) -> None:
    """Count a committed round in the game metrics."""
    GAME_ROUNDS.labels(play.game, play.result).inc()
    GAME_WAGER.labels(play.game).inc(play.stake)
    if play.payout > 0:
        GAME_PAYOUT.labels(play.game).inc(play.payout)


@dataclass(kw_only=True)
class InstantPlan(RoundPlan):
    """A slot spin or an RPS round (bet and choice already validated)."""

    game: str
    stake: int
    choice: str | None = None
    daily_limits: dict[str, int] | None = None  # rank -> cap, when caps are configured

    metrics: ClassVar[tuple[str, ...]] = tuple(sorted({*progress_metrics("slot"), *progress_metrics("rps")}))

    def extra_reads(self) -> tuple[Read, ...]:
        return bet_reads(self.daily_limits)

    def apply(self, unit: Unit) -> Answer:
        _, nonce, floats = take_bet(unit, self.user_id, self.stake, self.daily_limits, floats_needed(self.game))
        play = resolve(self.game, self.stake, self.choice, floats)
        return self.settle_round(unit, play, nonce, play.bet_reason)


@dataclass(kw_only=True)
class GachaPlan(RoundPlan):
    """1 or 10 gacha pulls (count validated); the pity counter is carried per player."""

    count: int

    metrics: ClassVar[tuple[str, ...]] = ("games_played", "gacha_pulls", "gold_spent", "wins", "gold_wagered")
    reads: ClassVar[tuple[Read, ...]] = (PITY_READ,)
    writes: ClassVar[tuple[Write, ...]] = (ROUNDS, PITY)

    def apply(self, unit: Unit) -> Answer:
        cost = gacha.cost(self.count)
        _, nonce, floats = take_bet(unit, self.user_id, cost, None, gacha.floats_needed(self.count))
        pity: dict[int, int] = unit.extra["gacha_pity"]
        pity_before = pity.get(self.user_id, 0)
        outcome = gacha.pull(floats, self.count, pity_before)
        pity[self.user_id] = outcome.new_pulls_since_legendary
        pulls: dict[int, int] = unit.extra.setdefault("gacha_pulls", {})
        pulls[self.user_id] = pulls.get(self.user_id, 0) + self.count
        for item in outcome.items:
            unit.add_items(self.user_id, item.id, 1)
        play = InstantPlay("gacha", cost, {"count": self.count, "pulls_since_legendary": pity_before},
                           gacha.outcome_dict(outcome), 0, "item", 0,
                           {"games_played": 1, "gacha_pulls": self.count, "gold_spent": cost})
        return self.settle_round(unit, play, nonce, "gacha_pull")

    @classmethod
    def finish(cls, unit: Unit) -> None:
        pity: dict[int, int] = unit.extra["gacha_pity"]
        for user_id, pulls in unit.extra.get("gacha_pulls", {}).items():
            unit.add("gacha_pity", (user_id, pity[user_id], pulls))

