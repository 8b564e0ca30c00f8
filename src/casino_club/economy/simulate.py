"""`casino-club economy simulate`: players × days of the shipped reward schedule against the games' real payouts.

Everything that decides gold comes from the functions the server uses: the welcome gold (the schedule), the
streak reward (streaks/rules.py), the seed missions (missions/service.py SEED_MISSIONS, progress by the
settlement's metrics), the free-gold cap (settlement/rules/free_gold.py), slot payouts drawn from the slot's
exact distribution (games/rules/slot.py, paid with the provably fair rounding), RPS and crash from their rules,
gacha pulls at their published cost (items only: their gold return is 0). Only the players are a model:
a profile says how often they play, how much of their balance they stake, and which games.
"""

from __future__ import annotations

import bisect
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache

from casino_club.economy.schedule import RewardSchedule
from casino_club.games.rules import crash, gacha, round_gold, rps, slot
from casino_club.missions.service import SEED_MISSIONS
from casino_club.settlement.rules.free_gold import FREE_SOURCES, allow_free_gold
from casino_club.streaks.rules import reward_for

MIN_STAKE = 10
CRASH_TARGET_X100 = 200  # the simulated crash player cashes out automatically at 2.00x


@dataclass(frozen=True)
class Profile:
    """How a kind of player behaves (the only modelled part)."""

    name: str
    bets_per_day: int  # rounds a day while the balance allows
    stake_share: float  # stake = this share of the balance, at least MIN_STAKE
    games: tuple[tuple[str, float], ...]  # (game, share of rounds)
    gacha_above: int | None = None  # one gacha pull a day while the balance is above this
    active_share: float = 1.0  # share of days the player shows up (streak claim, missions)


PROFILES = {
    "casual": Profile("casual", 40, 0.01, (("slot", 0.7), ("rps", 0.3)), None, 0.6),
    "median": Profile("median", 200, 0.01, (("slot", 0.6), ("rps", 0.2), ("crash", 0.2)), 5000, 1.0),
    "grinder": Profile("grinder", 25, 0.0, (("slot", 1.0),), None, 1.0),  # farms missions at the minimum stake
    "whale": Profile("whale", 400, 0.03, (("slot", 0.5), ("crash", 0.5)), 2000, 1.0),
}


@cache
def _slot_table() -> tuple[list[float], list[Fraction]]:
    """Cumulative probabilities and multipliers of every slot outcome (from slot.evaluate over all stops)."""
    per_symbol = Counter(slot.STRIP)
    mults: Counter[Fraction] = Counter()
    for a, wa in per_symbol.items():
        for b, wb in per_symbol.items():
            for c, wc in per_symbol.items():
                mults[Fraction(slot.evaluate((a, b, c))[2], 100)] += wa * wb * wc
    total = slot.STOPS_PER_REEL**slot.REELS
    cum, values, acc = [], [], 0
    for mult, weight in sorted(mults.items()):
        acc += weight
        cum.append(acc / total)
        values.append(mult)
    return cum, values


def _payout(game: str, stake: int, rng: random.Random) -> tuple[int, bool]:
    """One round's payout (stake included) and whether it won, by the game's rules."""
    if game == "slot":
        cum, values = _slot_table()
        mult = values[min(bisect.bisect_left(cum, rng.random()), len(values) - 1)]
        payout = round_gold(stake * mult, rng.random())
    elif game == "rps":
        result = rps.judge("rock", rps.CHOICES[rng.randrange(len(rps.CHOICES))])
        payout = stake * rps.RESULT_X100[result] // 100
    else:
        point = crash.crash_point_x100(rng.random())
        payout = round_gold(crash.auto_value(stake, CRASH_TARGET_X100), rng.random()) \
            if crash.auto_cashout_wins(CRASH_TARGET_X100, point) else 0
    return payout, payout > stake


@dataclass
class Day:
    """One simulated day over all players."""

    minted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    burned: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    balances: list[int] = field(default_factory=list)
    idle: int = 0  # players who could not stake today


@dataclass
class Result:
    """The whole run."""

    profile: str
    players: int
    start: int
    days: list[Day]

    @property
    def minted(self) -> dict[str, int]:
        """Gold minted by source over the run."""
        return _totals(d.minted for d in self.days)

    @property
    def burned(self) -> dict[str, int]:
        """Gold burned by sink over the run (the house's net win, gacha)."""
        return _totals(d.burned for d in self.days)

    @property
    def burn_ratio(self) -> float:
        """Burned ÷ minted (welcome gold included)."""
        minted = sum(self.minted.values())
        return sum(self.burned.values()) / minted if minted else 0.0

    def median(self, day: int) -> float:
        """The median balance at the end of day `day` (1-based)."""
        return statistics.median(self.days[day - 1].balances)


def _totals(per_day: Iterable[dict[str, int]]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for day in per_day:
        out.update(day)
    return dict(out)


def simulate(schedule: RewardSchedule, profile: Profile, players: int, days: int, seed: int = 1) -> Result:
    """Run `players` players of one profile for `days` days under a reward schedule; deterministic for a seed."""
    rng = random.Random(seed)
    start = schedule.welcome_gold
    balances = [start] * players
    streaks = [0] * players
    games, weights = zip(*profile.games, strict=True)
    out = Result(profile.name, players, start, [])
    cap = schedule.free_gold_daily_cap
    for _ in range(days):
        day = Day()
        if not out.days:
            day.minted["signup_bonus"] += start * players
        for i in range(players):
            free_today = 0

            def free(source: str, gold: int) -> None:
                nonlocal free_today
                paid = allow_free_gold(cap, free_today, gold) if source in FREE_SOURCES else gold
                free_today += paid
                balances[i] += paid  # noqa: B023 - used within this player's turn only
                day.minted[f"{source}_reward"] += paid  # noqa: B023
            if rng.random() >= profile.active_share:
                streaks[i] = 0
                day.balances.append(balances[i])
                continue
            streaks[i] += 1
            free("streak", reward_for(schedule, streaks[i]).gold)
            counts: Counter[str] = Counter()
            for _ in range(profile.bets_per_day):
                stake = max(MIN_STAKE, int(balances[i] * profile.stake_share))
                if balances[i] < stake:
                    break
                game = rng.choices(games, weights)[0]
                payout, won = _payout(game, stake, rng)
                balances[i] += payout - stake
                if payout < stake:
                    day.burned[f"{game}_house"] += stake - payout
                else:
                    day.minted[f"{game}_house"] += payout - stake  # the house paid out more than it took
                counts.update({"games_played": 1, "wins": int(won), "gold_wagered": stake,
                               f"{'slot_spins' if game == 'slot' else game + '_rounds'}": 1})
            if counts["games_played"] == 0:
                day.idle += 1
            if profile.gacha_above is not None and balances[i] > profile.gacha_above:
                balances[i] -= gacha.SINGLE_COST
                day.burned["gacha"] += gacha.SINGLE_COST
            for m in SEED_MISSIONS:
                if m.period == "daily" and counts[m.metric] >= m.target:
                    free("mission", m.gold)
            if streaks[i] % 7 == 0:  # weekly missions, judged on a typical day's play × 7
                for m in SEED_MISSIONS:
                    if m.period == "weekly" and counts[m.metric] * 7 >= m.target:
                        free("mission", m.gold)
            day.balances.append(balances[i])
        out.days.append(day)
    return _net_house(out)


def _net_house(result: Result) -> Result:
    """A game's gold minted by lucky rounds and burned by the others net out: keep only the house's net."""
    for day in result.days:
        for key in [k for k in day.minted if k.endswith("_house")]:
            paid = day.minted.pop(key)
            day.burned[key] = day.burned.get(key, 0) - paid
    return result


def render(result: Result) -> str:
    """The report the CLI prints."""
    lines = [f"profile {result.profile}: {result.players} players x {len(result.days)} days, start "
             f"{result.start} gold", "", "minted by source:"]
    minted, burned = result.minted, result.burned
    total_m, total_b = sum(minted.values()), sum(burned.values())
    lines += [f"  {k:<22} {v:>14,}" for k, v in sorted(minted.items(), key=lambda kv: -kv[1])]
    lines += [f"  {'total':<22} {total_m:>14,}", "burned by sink:"]
    lines += [f"  {k:<22} {v:>14,}" for k, v in sorted(burned.items(), key=lambda kv: -kv[1])]
    lines += [f"  {'total':<22} {total_b:>14,}", f"burned / minted: {result.burn_ratio:.1%}", "",
              "day  median     p90  no-stake share"]
    for n, day in enumerate(result.days, 1):
        ordered = sorted(day.balances)
        p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
        lines.append(f"{n:>3} {statistics.median(ordered):>8,.0f} {p90:>8,} {day.idle / len(ordered):>8.1%}")
    final = result.median(len(result.days)) / result.start if result.start else 0.0
    lines.append(f"day-{len(result.days)} median = {final:.1f} x the starting balance")
    return "\n".join(lines)
