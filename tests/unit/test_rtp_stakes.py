"""Provably fair rounding: the published RTP holds at every allowed stake and target, in exact arithmetic."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from casino_club.config import Settings
from casino_club.games import rtp, rtp_stakes
from casino_club.games.rules import crash, round_gold

LATTICE = 2**32
SETTINGS = Settings()
STAKES = range(SETTINGS.min_bet, SETTINGS.max_bet + 1)
CRASH = Fraction(99, 100)


def test_round_gold_pays_the_fraction_with_its_probability_on_the_real_lattice() -> None:
    # A payout's fraction is stake x (a multiplier in hundredths) mod 1: every residue r / 100 occurs.
    for r in range(100):
        value = 1234 + Fraction(r, 100)
        words = rtp_stakes.round_up_words(value)  # bisection on round_gold itself
        assert words == -(-r * LATTICE // 100)  # exactly the words k with k / 2**32 < r / 100
        assert round_gold(value, (words - 1) / LATTICE if words else 0.0) == 1234 + (words > 0)
        assert words == LATTICE or round_gold(value, words / LATTICE) == 1234
        lattice = rtp_stakes.lattice_expected_gold(value)
        assert value <= lattice < value + Fraction(1, LATTICE)
        assert rtp_stakes.expected_gold(value) == value


def test_slot_rtp_is_published_at_every_allowed_stake() -> None:
    published = rtp.exact_rtp_slot()
    # Every slot multiplier is a multiple of 10 hundredths, so a payout's fraction depends on the stake
    # mod 10 alone and the exact RTP of any stake equals that of the first ten; the loop checks them all
    # plus both ends of the range, and the floored payouts show what the rounding fixes.
    law = rtp_stakes.slot_multiplier_law()
    assert all(m % 10 == 0 for m in law) and sum(law.values()) == 1
    for stake in [*range(SETTINGS.min_bet, SETTINGS.min_bet + 10), SETTINGS.max_bet - 1, SETTINGS.max_bet]:
        assert rtp_stakes.slot_rtp(stake) == published == Fraction(960_001, 1_000_000), stake
    assert rtp_stakes.slot_rtp(13, floored=True) < Fraction(952, 1000)  # 95.17 % before


def test_crash_auto_cashout_rtp_is_99_percent_at_every_stake_and_target() -> None:
    # RTP(s, a) = (99 / a) * E[round_gold(s * a / 100)] / s, and the fraction of s * a / 100 depends only on
    # (s mod 100, a mod 100). Every (stake, target) class is checked with a real stake and target.
    for s_res in range(100):
        stake = SETTINGS.min_bet + (s_res - SETTINGS.min_bet) % 100
        for a_res in range(100):
            target = crash.MIN_AUTO_CASHOUT_X100 + (a_res - crash.MIN_AUTO_CASHOUT_X100) % 100
            assert rtp_stakes.crash_auto_rtp(stake, target) == CRASH, (stake, target)
    for target in range(crash.MIN_AUTO_CASHOUT_X100, crash.MAX_AUTO_CASHOUT_X100 + 1):
        assert rtp_stakes.crash_auto_rtp(13, target) == CRASH, target  # every target, a stake that floored badly
    assert rtp_stakes.crash_auto_rtp(10, 109, floored=True) < Fraction(9084, 10000)  # 90.83 % before


@pytest.mark.parametrize("stake", [STAKES[0], 13, 99, 101, 4321, STAKES[-1]])
def test_crash_manual_cashout_rtp_is_99_percent_at_every_multiplier(stake: int) -> None:
    for x100 in range(100, crash.MAX_CRASH_X100, 7):
        m = x100 / 100
        assert rtp_stakes.crash_manual_rtp(stake, m) == CRASH, (stake, m)
    for m in (1.0, 1.0000001, math.e, 2.0, 37.123456789, crash.multiplier_at(12.345), 999.999):
        assert rtp_stakes.crash_manual_rtp(stake, m) == CRASH, (stake, m)
    assert rtp_stakes.crash_manual_rtp(stake, 1000.0) == 0  # the 1000x cap is never beaten


def test_manual_survival_matches_the_rule_on_the_lattice() -> None:
    # P(exact crash point > m) from the rule's own functions, word by word, against 0.99 / m.
    for m in (1.0, 1.01, 1.5, 2.0, 2.004, 10.0, 123.45, 999.99):
        lattice = rtp_stakes.lattice_manual_survival(m)
        assert abs(lattice - rtp_stakes.manual_survival(m)) <= Fraction(1, LATTICE), m
    # Manual cash-out used to need m below the shown hundredths (98.02 % at 1.00x); the exact point decides now.
    assert rtp.exact_rtp_crash_manual(100) == rtp.exact_rtp_crash_manual(200) == CRASH


def test_stake_report_lists_every_class() -> None:
    report = rtp_stakes.render_stakes()
    assert "crash manual" in report and "crash auto" in report and "slot" in report
    assert report.count("99.0000%") >= len(rtp_stakes.REPORT_STAKES) * 10
    assert "90.83%" in report and "95.17%" in report  # the floored figures of the audit, for contrast
