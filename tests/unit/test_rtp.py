"""Exact RTP proofs, seeded Monte-Carlo checks and chi-square goodness-of-fit of the fair outcomes."""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

import pytest

from casino_club.fairness.engine import outcome_floats
from casino_club.games import rtp
from casino_club.games.rules import crash, gacha, rps, slot
from casino_club.games.rules.items import GACHA_POOL, RARITIES

GOF_ROUNDS = 20_000
SERVER, CLIENT = "chi-square-server-seed", "chi-square-client"

# Upper 1 % critical values of chi-square, from the NIST/SEMATECH e-Handbook of Statistical Methods,
# section 1.3.6.7.4 "Critical Values of the Chi-Square Distribution" (column 0.99).
CHI2_99_TABLE = {1: 6.635, 2: 9.210, 3: 11.345, 4: 13.277, 5: 15.086, 10: 23.209, 15: 30.578}


def chi2_critical_99(df: int) -> float:
    """Upper 1 % point of chi-square(df): published table, else the Wilson-Hilferty approximation."""
    if df in CHI2_99_TABLE:
        return CHI2_99_TABLE[df]
    z = 2.3263478740408408  # standard normal 0.99 quantile
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


def chi2_statistic(observed: Counter[str], probabilities: dict[str, Fraction | float]) -> float:
    n = sum(observed.values())
    assert set(observed) <= set(probabilities), "an outcome outside the model was observed"
    return sum((observed[k] - n * float(p)) ** 2 / (n * float(p)) for k, p in probabilities.items())


def assert_fits(observed: Counter[str], probabilities: dict[str, Fraction | float]) -> None:
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-12)
    stat = chi2_statistic(observed, probabilities)
    assert stat < chi2_critical_99(len(probabilities) - 1), (stat, observed)


def floats_for(nonce: int, count: int, client: str = CLIENT) -> list[float]:
    return outcome_floats(SERVER, client, nonce, count)


# ---------------------------------------------------------------- chi-square machinery
def test_wilson_hilferty_agrees_with_the_table() -> None:
    z = 2.3263478740408408
    for df, table_value in CHI2_99_TABLE.items():
        if df >= 2:  # W-H is an approximation meant for df >= 2
            approx = df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3
            assert approx == pytest.approx(table_value, rel=0.01)


def test_chi_square_rejects_a_wrong_model() -> None:
    # The same seeded reel stops tested against uniform symbols must be rejected: the test can fail.
    observed = Counter(slot.STRIP[slot.stop_for_float(floats_for(n, 1)[0])] for n in range(5000))
    uniform = {s.id: 1 / 6 for s in slot.SYMBOLS}
    assert chi2_statistic(observed, uniform) > chi2_critical_99(5)


# ---------------------------------------------------------------- goodness of fit of the fair stream
def test_slot_reel_symbols_fit_weights() -> None:
    per_reel: list[Counter[str]] = [Counter(), Counter(), Counter()]
    for nonce in range(GOF_ROUNDS):
        out = slot.spin(floats_for(nonce, slot.floats_needed(), "slot"))
        for reel, symbol in enumerate(out.symbols):
            per_reel[reel][symbol] += 1
    weights = {s.id: Fraction(s.weight, 100) for s in slot.SYMBOLS}
    for counts in per_reel:
        assert_fits(counts, weights)


def test_rps_house_moves_are_uniform() -> None:
    observed = Counter(rps.play(floats_for(n, rps.floats_needed(), "rps"), "rock").house for n in range(GOF_ROUNDS))
    assert_fits(observed, {c: Fraction(1, 3) for c in rps.CHOICES})


def test_gacha_rarities_and_items_fit_published_odds() -> None:
    rarities: Counter[str] = Counter()
    items: Counter[str] = Counter()
    for nonce in range(GOF_ROUNDS):
        out = gacha.pull(floats_for(nonce, 2, "gacha"), 1, 0)  # counter 0: no pity interference
        rarities[out.pulls[0].rarity] += 1
        items[out.items[0].id] += 1
    assert_fits(rarities, dict(gacha.RARITY_ODDS))
    item_probs = {i.id: gacha.RARITY_ODDS[r] / len(GACHA_POOL[r]) for r in RARITIES for i in GACHA_POOL[r]}
    assert_fits(items, item_probs)


def test_crash_points_fit_the_survival_law() -> None:
    edges = [101, 150, 200, 500, 1000]
    survival = [Fraction(1)] + [rtp.crash_survival(a) for a in edges] + [Fraction(0)]
    names = ["<1.01", "<1.50", "<2.00", "<5.00", "<10.00", ">=10.00"]
    probs = {names[i]: survival[i] - survival[i + 1] for i in range(len(names))}
    observed: Counter[str] = Counter()
    for nonce in range(GOF_ROUNDS):
        point = crash.crash_point_x100(floats_for(nonce, 1, "crash")[0])
        observed[names[sum(point >= a for a in edges)]] += 1
    assert_fits(observed, probs)


# ---------------------------------------------------------------- exact RTP
def test_slot_exact_rtp_in_band() -> None:
    value = rtp.exact_rtp_slot()
    assert Fraction(955, 1000) <= value <= Fraction(965, 1000)
    assert value == Fraction(960_001, 1_000_000)
    assert rtp.exact_rtp("slot") == value


def test_slot_rtp_by_brute_force_over_every_stop() -> None:
    # Independent of rtp.py's grouping: walk all 100**3 stop combinations literally.
    strip, table = slot.STRIP, {}
    total = 0
    for a in strip:
        for b in strip:
            key = (a, b)
            if key not in table:
                table[key] = [slot.evaluate((a, b, c))[2] for c in strip]
            total += sum(table[key])
    assert Fraction(total, 100 * 100**3) == rtp.exact_rtp_slot()


def test_rps_rtp_is_exactly_one() -> None:
    for choice in rps.CHOICES:
        assert rtp.exact_rtp_rps(choice) == 1
        # On the 2**32 float lattice the deviation is at most one lattice step.
        assert abs(rtp.lattice_rtp_rps(choice) - 1) <= Fraction(1, 2**32)
    assert rtp.exact_rtp("rps") == 1


@pytest.mark.parametrize("target", [101, 150, 199, 200, 250, 777, 1000, 12345, 100_000])
def test_crash_auto_cashout_rtp_is_99_percent(target: int) -> None:
    assert rtp.exact_rtp_crash(target) == Fraction(99, 100)
    # The proof's threshold is where the rule code actually switches from losing to winning.
    k = rtp.lattice_crash_threshold(target)
    assert crash.crash_point_x100(k / 2**32) >= target
    assert crash.crash_point_x100((k - 1) / 2**32) < target
    lattice = rtp.lattice_rtp_crash(target)
    assert Fraction(99, 100) - Fraction(target, 100 * 2**32) < lattice <= Fraction(99, 100)


def test_crash_manual_cashout_rtp() -> None:
    # A manual win needs m < the exact crash point (not the shown hundredths), so 1 % edge at every m.
    assert rtp.exact_rtp_crash_manual(200) == Fraction(99, 100)
    assert rtp.exact_rtp_crash_manual(100) == Fraction(99, 100)
    assert rtp.exact_rtp_crash_manual(100_000) == 0


def test_pity_chain_is_stationary_and_matches_closed_form() -> None:
    pi = rtp.pity_stationary_distribution()
    assert len(pi) == 90 and sum(pi) == 1
    step = [Fraction(0)] * 90
    for c, weight in enumerate(pi):
        for (_, nxt), p in rtp.pity_transitions(c).items():
            step[nxt] += weight * p
    assert step == pi
    p, q = Fraction(1, 200), Fraction(199, 200)
    rates = rtp.gacha_effective_rates()
    assert sum(rates.values()) == 1
    assert rates["legendary"] == p / (1 - q**90)  # 1 / expected pulls per legendary
    assert 0.0137 < float(rates["legendary"]) < 0.0138
    assert rates["rare"] == gacha.RARITY_ODDS["rare"] * (1 - pi[89])


def test_gacha_rtp_values() -> None:
    rates = rtp.gacha_effective_rates()
    means = {r: Fraction(sum(i.value for i in GACHA_POOL[r]), 4) for r in RARITIES}
    assert rtp.exact_rtp("gacha") == sum(rates[r] * means[r] for r in RARITIES) / 500
    pi = rtp.pity_stationary_distribution()
    value, after, counts = rtp.ten_pull_chain(pi)
    assert after == pi  # 10-pulls keep the counter law: the long-run start state is pi
    assert sum(counts.values()) == 10
    assert rtp.exact_rtp_gacha_ten() == value / 4500
    assert rtp.exact_rtp_gacha_ten() > rtp.exact_rtp("gacha")  # discount + rare floor
    # From counter 0 the 10-pull floor lifts P(no rare+) = 0.82**10 into rare.
    _, _, from_zero = rtp.ten_pull_chain([Fraction(1)] + [Fraction(0)] * 89)
    assert from_zero["common"] == 10 * Fraction(82, 100) - Fraction(82, 100) ** 10


# ---------------------------------------------------------------- Monte Carlo
@pytest.mark.parametrize("game", rtp.GAMES)
def test_monte_carlo_brackets_the_exact_rtp(game: str) -> None:
    result = rtp.monte_carlo(game, 20_000, "unit-test")
    exact = float(rtp.exact_rtp(game))
    assert result.rounds == 20_000
    assert result.ci_low < result.mean < result.ci_high
    assert result.ci_low <= exact <= result.ci_high, result
    assert (result.ci_high - result.ci_low) < 0.25
    assert rtp.monte_carlo(game, 500, "unit-test").mean == rtp.monte_carlo(game, 500, "unit-test").mean


def test_monte_carlo_validates() -> None:
    with pytest.raises(ValueError):
        rtp.monte_carlo("poker", 10, "x")
    with pytest.raises(ValueError):
        rtp.monte_carlo("slot", 1, "x")
    with pytest.raises(ValueError):
        rtp.exact_rtp("poker")


def test_render_report_lists_every_game() -> None:
    report = rtp.render_report(2_000, "report")
    for game in rtp.GAMES:
        assert any(line.startswith(game) for line in report.splitlines())
    assert "96.0001%" in report and "100.0000%" in report and "99.0000%" in report
    assert "99% CI" in report


def test_rtp_cli_prints_the_report() -> None:
    import typer
    from typer.testing import CliRunner

    from casino_club.games.rtp_cli import rtp as rtp_command

    app = typer.Typer()
    app.command("rtp")(rtp_command)
    app.command("noop")(lambda: None)
    result = CliRunner().invoke(app, ["rtp", "--rounds", "1000", "--seed", "cli"])
    assert result.exit_code == 0, result.output
    assert "exact RTP" in result.output and "slot" in result.output


def test_gacha_is_published_as_odds_and_expected_item_value() -> None:
    published = gacha.config()["expected_value"]
    assert published["gold_return"] == 0 and published["items_sellable"] is False
    values = rtp.gacha_expected_item_value()
    # The audit's figure: a first 10-pull from pity 0 returns 75.84 % of its price in listed item value.
    assert round(values["ten_from_pity_0"] / gacha.TEN_COST, 4) == Fraction(7584, 10000)
    assert values["single_long_run"] == rtp.exact_rtp_gacha_single() * gacha.SINGLE_COST
    assert values["ten_long_run"] == rtp.exact_rtp_gacha_ten() * gacha.TEN_COST
    assert published["expected_item_value"] == {k: round(float(v), 2) for k, v in values.items()}
    assert published["item_value_per_gold"]["ten_from_pity_0"] == 0.7584
