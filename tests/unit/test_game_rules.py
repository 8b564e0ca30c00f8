"""Unit tests for the pure game rules: slot, RPS, gacha, crash (mapping floats to outcomes and payouts)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casino_club.games.rules import InvalidGameInput, crash, gacha, rps, slot
from casino_club.games.rules.items import CONSUMABLES, GACHA_POOL, ITEMS, RARITIES, STREAK_SHIELD

unit_floats = st.floats(min_value=0.0, max_value=1.0, exclude_max=True, allow_nan=False)


def stop_float(stop: int) -> float:
    """A float that lands on reel stop `stop` (middle of its 1/100 interval)."""
    return (stop + 0.5) / 100


def first_stop(symbol: str) -> int:
    return slot.STRIP.index(symbol)


def spin_symbols(a: str, b: str, c: str) -> slot.SlotOutcome:
    return slot.spin([stop_float(first_stop(s)) for s in (a, b, c)] + [0.5])  # last float: payout rounding


# ---------------------------------------------------------------- slot
def test_strip_matches_published_weights() -> None:
    assert [s.weight for s in slot.SYMBOLS] == [30, 25, 20, 15, 8, 2]
    assert [s.id for s in slot.SYMBOLS] == ["cherry", "lemon", "orange", "grape", "diamond", "seven"]
    assert [s.emoji for s in slot.SYMBOLS] == ["🍒", "🍋", "🍊", "🍇", "💎", "7️⃣"]
    for symbol in slot.SYMBOLS:
        assert slot.STRIP.count(symbol.id) == symbol.weight
    assert slot.floats_needed() == 4  # three reels + the payout rounding float


def test_stop_mapping_boundaries() -> None:
    assert slot.stop_for_float(0.0) == 0
    assert slot.stop_for_float((2**32 - 1) / 2**32) == 99
    assert slot.STRIP[slot.stop_for_float(0.2999)] == "cherry"
    assert slot.STRIP[slot.stop_for_float(0.30)] == "lemon"
    assert slot.STRIP[slot.stop_for_float(0.98)] == "seven"


@pytest.mark.parametrize(
    ("reels", "line", "line_symbol", "mult"),
    [
        (("cherry", "cherry", "cherry"), "triple", "cherry", 500),
        (("seven", "seven", "seven"), "triple", "seven", 77700),
        (("lemon", "lemon", "grape"), "pair", "lemon", 120),
        (("grape", "diamond", "diamond"), "pair", "diamond", 500),
        (("seven", "seven", "cherry"), "pair", "seven", 2000),
        (("orange", "cherry", "orange"), "none", None, 0),  # reels 1 and 3 are not adjacent
        (("cherry", "lemon", "orange"), "none", None, 0),
    ],
)
def test_slot_lines(reels: tuple[str, str, str], line: str, line_symbol: str | None, mult: int) -> None:
    out = spin_symbols(*reels)
    assert out.symbols == reels
    assert (out.line, out.line_symbol, out.multiplier_x100) == (line, line_symbol, mult)
    assert out.jackpot == (reels == ("seven", "seven", "seven"))
    assert slot.payout(100, out, 0.0) == slot.payout(100, out, 0.999) == mult  # whole: u never matters


def test_slot_payout_is_integer_and_fair_rounded() -> None:
    lemon_pair = spin_symbols("lemon", "lemon", "cherry")
    assert slot.payout(10, lemon_pair, 0.7) == 12
    assert slot.payout(15, lemon_pair, 0.7) == 18
    # 11 x 1.2 = 13.2: one more gold iff the rounding float is below 0.2 (probability 0.2).
    assert slot.payout(11, lemon_pair, 0.0) == slot.payout(11, lemon_pair, 0.1999) == 14
    assert slot.payout(11, lemon_pair, 0.2) == slot.payout(11, lemon_pair, 0.9) == 13
    jackpot = spin_symbols("seven", "seven", "seven")
    assert slot.payout(100_000, jackpot, 0.5) == 77_700_000
    for bad in (0, -10, 1.5, True):
        with pytest.raises(InvalidGameInput):
            slot.payout(bad, jackpot, 0.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        slot.payout(11, lemon_pair, 1.0)


def test_slot_rejects_bad_floats() -> None:
    with pytest.raises(ValueError):
        slot.spin([0.1, 0.2, 0.3])
    with pytest.raises(ValueError):
        slot.spin([0.1, 0.2, 1.0, 0.5])


def test_paytable_is_published_from_the_same_numbers() -> None:
    table = slot.paytable()
    assert {row["symbol"]: row["multiplier_x100"] for row in table["triple"]} == dict(slot.TRIPLE_X100)
    assert {row["symbol"]: row["multiplier_x100"] for row in table["pair"]} == dict(slot.PAIR_X100)
    assert dict(slot.PAYTABLE["triple"]) == dict(slot.TRIPLE_X100)
    assert max(slot.TRIPLE_X100, key=slot.TRIPLE_X100.__getitem__) == slot.JACKPOT_SYMBOL


@settings(max_examples=200, deadline=None)
@given(floats=st.lists(unit_floats, min_size=4, max_size=4), stake=st.integers(1, 100_000))
def test_slot_outcome_consistent(floats: list[float], stake: int) -> None:
    out = slot.spin(floats)
    assert out.stops == tuple(math.floor(u * 100) for u in floats[:3])
    assert out.symbols == tuple(slot.STRIP[s] for s in out.stops)
    whole, cents = divmod(stake * out.multiplier_x100, 100)
    assert slot.payout(stake, out, floats[3]) == whole + (floats[3] * 100 < cents)
    assert out == slot.spin(floats)


# ---------------------------------------------------------------- rps
@pytest.mark.parametrize(
    ("player", "house", "result"),
    [
        ("rock", "rock", "draw"),
        ("rock", "paper", "lose"),
        ("rock", "scissors", "win"),
        ("paper", "rock", "win"),
        ("paper", "paper", "draw"),
        ("paper", "scissors", "lose"),
        ("scissors", "rock", "lose"),
        ("scissors", "paper", "win"),
        ("scissors", "scissors", "draw"),
    ],
)
def test_rps_judge_all_pairs(player: str, house: str, result: str) -> None:
    u = (rps.CHOICES.index(house) + 0.5) / 3
    out = rps.play([u, 0.0], player)
    assert (out.house, out.result) == (house, result)
    assert rps.payout(10, out, 0.0) == {"win": 20, "draw": 10, "lose": 0}[result]


def test_rps_win_on_ten_turns_1000_into_1010() -> None:
    out = rps.play([0.1, 0.5], "paper")  # house rock
    balance = 1000 - 10 + rps.payout(10, out, 0.5)
    assert balance == 1010


def test_rps_house_move_boundaries_and_validation() -> None:
    assert rps.house_move(0.0) == "rock"
    assert rps.house_move(1431655765 / 2**32) == "rock"  # last k with floor(3k / 2**32) == 0
    assert rps.house_move(1431655766 / 2**32) == "paper"
    assert rps.house_move((2**32 - 1) / 2**32) == "scissors"
    assert rps.play([0.5, 0.5], " Rock ").player == "rock"
    for bad in ("lizard", "", None):
        with pytest.raises(InvalidGameInput):
            rps.play([0.5, 0.5], bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------- gacha
def rarity_float(rarity: str) -> float:
    """A float that rolls `rarity` (start of its band)."""
    start = 0
    for r in RARITIES:
        if r == rarity:
            return (start + 0.5) / gacha.ODDS_SCALE
        start += gacha.RARITY_WEIGHTS[r]
    raise AssertionError(rarity)


def test_gacha_odds_sum_to_one_and_match_config() -> None:
    config = gacha.config()
    assert sum(gacha.RARITY_ODDS.values()) == 1
    assert sum(config["odds"].values()) == pytest.approx(1.0, abs=1e-12)
    assert config["odds"] == {"common": 0.82, "rare": 0.135, "epic": 0.04, "legendary": 0.005}
    assert config["odds_per_10000"] == {"common": 8200, "rare": 1350, "epic": 400, "legendary": 50}
    assert config["costs"] == {"single": 500, "ten": 4500}
    assert config["pity"]["legendary_guaranteed_by"] == 90
    assert {r: [i["id"] for i in items] for r, items in config["pool"].items()} == {
        r: [i.id for i in GACHA_POOL[r]] for r in RARITIES
    }
    assert gacha.cost(1) == 500 and gacha.cost(10) == 4500
    assert gacha.floats_needed(1) == 2 and gacha.floats_needed(10) == 20


def test_catalog_ids_and_streak_shield() -> None:
    ids = [item.id for pool in GACHA_POOL.values() for item in pool]
    assert len(ids) == len(set(ids)) == 16
    for rarity, pool in GACHA_POOL.items():
        assert len(pool) == 4
        assert all(i.rarity == rarity and i.id.startswith(f"gacha_{rarity}_") for i in pool)
        assert all(i.name_ko and i.name_en and i.value > 0 for i in pool)
    assert STREAK_SHIELD.id == "streak_shield" and STREAK_SHIELD.kind == "consumable"
    assert STREAK_SHIELD in CONSUMABLES and ITEMS["streak_shield"] is STREAK_SHIELD
    assert "streak_shield" not in ids  # never changes the published gacha odds


def test_rarity_bands() -> None:
    assert gacha.roll_rarity(0.0) == "common"
    assert gacha.roll_rarity(0.8199) == "common"
    assert gacha.roll_rarity(0.82) == "rare"
    assert gacha.roll_rarity(0.955) == "epic"
    assert gacha.roll_rarity(0.995) == "legendary"
    assert gacha.roll_rarity(0.9949) == "epic"


def test_pity_forces_the_90th_pull() -> None:
    common = [rarity_float("common"), 0.0]
    assert gacha.pull(common, 1, 88).pulls[0].rarity == "common"
    forced = gacha.pull(common, 1, 89)
    assert forced.pulls[0].rarity == "legendary" and forced.pulls[0].reason == "pity"
    assert forced.new_pulls_since_legendary == 0
    natural = gacha.pull([rarity_float("legendary"), 0.99], 1, 5)
    assert natural.pulls[0].reason == "roll" and natural.items[0].id == "gacha_legendary_cosmic_jackpot"
    assert gacha.pull(common, 1, 7).new_pulls_since_legendary == 8


def test_ten_pull_floor_only_when_nine_commons() -> None:
    commons = [rarity_float("common"), 0.0] * 10
    out = gacha.pull(commons, 10, 0)
    assert [p.rarity for p in out.pulls] == ["common"] * 9 + ["rare"]
    assert out.pulls[9].reason == "ten_pull_guarantee" and out.pulls[9].rolled_rarity == "common"
    assert out.new_pulls_since_legendary == 10
    one_epic = [rarity_float("epic"), 0.0] + [rarity_float("common"), 0.0] * 9
    assert [p.rarity for p in gacha.pull(one_epic, 10, 0).pulls] == ["epic"] + ["common"] * 9
    # A forced legendary on the 10th pull beats the rare floor.
    assert gacha.pull(commons, 10, 80).pulls[9].rarity == "legendary"


def test_gacha_validation() -> None:
    for bad in (0, 2, 11, True):
        with pytest.raises(InvalidGameInput):
            gacha.pull([0.1, 0.1], bad, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        gacha.pull([0.1, 0.1], 1, -1)
    with pytest.raises(ValueError):
        gacha.pull([0.1], 1, 0)


pull_floats = st.one_of(
    unit_floats, st.floats(0.0, 0.82, exclude_max=True), st.floats(0.995, 1.0, exclude_max=True)
)


@settings(max_examples=120, deadline=None)
@given(
    start=st.integers(0, 89),
    batches=st.lists(st.sampled_from([1, 10]), min_size=1, max_size=30),
    data=st.data(),
)
def test_never_90_pulls_without_legendary(start: int, batches: list[int], data: st.DataObject) -> None:
    counter = run = start
    for count in batches:
        floats = data.draw(st.lists(pull_floats, min_size=2 * count, max_size=2 * count))
        out = gacha.pull(floats, count, counter)
        for p in out.pulls:
            assert p.item.rarity == p.rarity
            run = 0 if p.rarity == "legendary" else run + 1
            assert run < gacha.PITY_LEGENDARY_AT
        assert out.new_pulls_since_legendary == run
        counter = out.new_pulls_since_legendary


@settings(max_examples=200, deadline=None)
@given(floats=st.lists(pull_floats, min_size=20, max_size=20), counter=st.integers(0, 200))
def test_every_ten_pull_has_rare_or_better(floats: list[float], counter: int) -> None:
    out = gacha.pull(floats, 10, counter)
    assert len(out.items) == 10
    assert any(gacha.rarity_at_least(p.rarity, "rare") for p in out.pulls)
    assert out == gacha.pull(floats, 10, counter)


# ---------------------------------------------------------------- crash
def test_crash_point_examples() -> None:
    assert crash.crash_point_x100(0.0) == 100  # floor(99) lifted to the 1.00x minimum
    assert crash.crash_point_x100(0.5) == 198
    assert crash.crash_point_x100(0.01) == 100  # 99/0.99 = 100
    assert crash.crash_point_x100(0.505) == 200  # 99/0.495 = 200 up to binary rounding of 0.505
    assert crash.crash_point_x100((2**32 - 1) / 2**32) == 100_000  # capped at 1000x
    with pytest.raises(ValueError):
        crash.crash_point_x100(1.0)


@settings(max_examples=300, deadline=None)
@given(k=st.integers(0, 2**32 - 1))
def test_crash_point_exact_on_the_lattice(k: int) -> None:
    expected = max(100, min(100_000, 99 * 2**32 // (2**32 - k)))  # pure integer arithmetic
    assert crash.crash_point_x100(k / 2**32) == expected


def test_curve_and_inverse() -> None:
    assert crash.multiplier_at(0) == 1.0
    assert crash.multiplier_at(-5) == 1.0
    assert crash.multiplier_at(10) == pytest.approx(math.exp(0.6))
    for m in (1.01, 2.0, 37.5, 1000.0):
        assert crash.multiplier_at(crash.seconds_until(m)) == pytest.approx(m, rel=1e-12)
    assert crash.seconds_until(1.0) == 0.0
    assert crash.seconds_until(1000.0) == pytest.approx(math.log(1000) / 0.06)


def test_auto_cashout_rules() -> None:
    u_for_200 = 1 - 99 / 200 + 1e-12  # crash point 2.00x
    assert crash.crash_point_x100(u_for_200) == 200
    won = crash.play([u_for_200, 0.5], 200)
    assert won.auto_cashout_won and crash.payout(150, won, 0.0) == 300
    lost = crash.play([u_for_200, 0.5], 201)
    assert not lost.auto_cashout_won and crash.payout(150, lost, 0.0) == 0
    # 33 x 1.5 = 49.5: 50 iff the rounding float is below 0.5.
    assert crash.payout(33, crash.play([0.9, 0.5], 150), 0.4999) == 50
    assert crash.payout(33, crash.play([0.9, 0.5], 150), 0.5) == 49
    no_auto = crash.play([0.9, 0.5])
    assert no_auto.auto_cashout_x100 is None and crash.payout(100, no_auto, 0.0) == 0
    for bad in (100, 100_001, 0, 1.5):
        with pytest.raises(InvalidGameInput):
            crash.play([0.5, 0.5], bad)  # type: ignore[arg-type]
    assert crash.parse_auto_cashout(2.5) == 250 and crash.parse_auto_cashout("1.01") == 101
    assert crash.parse_auto_cashout(None) is None
    for bad_value in (1.001, "x", 1.0, 1000.01):
        with pytest.raises(InvalidGameInput):
            crash.parse_auto_cashout(bad_value)


def test_manual_cashout_rules() -> None:
    two = Fraction(2)
    assert crash.cashout_wins(1.99, two)
    assert not crash.cashout_wins(2.0, two)  # at the crash point is too late
    assert not crash.cashout_wins(2.0000001, two)
    # The exact point decides, not the shown 2.00x: 2.004 is still before a 2.005x crash.
    assert crash.cashout_wins(2.004, Fraction(2005, 1000)) and crash.crash_point_x100(1 - 99 / 200.5) == 200
    assert crash.cashout_payout(100, 1.0, 0.0) == 100
    assert crash.cashout_payout(100, 1.2999999, 0.999995) == 129
    assert crash.cashout_payout(100, 1.2999999, 0.99) == 130  # 129.99999 rounds up with probability 0.99999
    assert crash.cashout_payout(3, 1.5, 0.6) == 4 and crash.cashout_payout(3, 1.5, 0.4) == 5
    assert crash.settle_manual(100, 2.5, Fraction(3), 0.5) == 250
    assert crash.settle_manual(100, 3.0, Fraction(3), 0.5) == 0
    with pytest.raises(ValueError):
        crash.cashout_payout(100, 0.5, 0.5)
